package web

import (
	"sort"
	"strings"
	"unicode"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/monitor/diff"
)

// diffSection is the part of a change record's diff under one heading:
// substantive edits shown in place, cosmetic ones folded away.
type diffSection struct {
	// Title is the heading path ("Privacy Notice > How we use AI"); empty
	// for text before the first heading.
	Title       string
	Substantive []diffEdit
	Cosmetic    []diffEdit
	// Reasons names the kinds of cosmetic edit folded away (date, link...).
	Reasons string
}

// diffEdit is one block as the page draws it.
type diffEdit struct {
	Op          string
	Substantive bool
	Reason      string
	FromSection string
	// Words is the block word by word (modified blocks); Before/After the
	// whole block otherwise.
	Words         []diff.Word
	Before, After string
}

// reasonNames say in a word or two what a cosmetic edit changed.
var reasonNames = map[string]string{
	"whitespace":  "spacing",
	"punctuation": "punctuation",
	"formatting":  "formatting",
	"date":        "dates",
	"link":        "links",
	"case":        "capitals",
	"moved":       "moved blocks",
}

// diffSections groups a diff's edits by section, in document order, and
// counts the edits shown and folded.
func diffSections(d diff.Result) (sections []diffSection, substantive, cosmetic int) {
	index := map[string]int{}
	for _, e := range d.Edits {
		i, ok := index[e.Section]
		if !ok {
			i = len(sections)
			index[e.Section] = i
			sections = append(sections, diffSection{Title: e.Section})
		}
		de := diffEdit{Op: string(e.Op), Substantive: e.Substantive, Reason: e.Reason, FromSection: e.FromSection,
			Before: e.Before, After: e.After}
		if e.Op == diff.OpModified && len(e.Words) > 0 {
			de.Words = e.Words
		}
		if e.Substantive {
			sections[i].Substantive = append(sections[i].Substantive, de)
			substantive++
		} else {
			sections[i].Cosmetic = append(sections[i].Cosmetic, de)
			cosmetic++
		}
	}
	for i := range sections {
		seen := map[string]bool{}
		var rs []string
		for _, e := range sections[i].Cosmetic {
			name := reasonNames[e.Reason]
			if name == "" {
				name = "wording"
				if e.Reason != "" {
					name = e.Reason
				}
			}
			if !seen[name] {
				seen[name] = true
				rs = append(rs, name)
			}
		}
		sort.Strings(rs)
		sections[i].Reasons = strings.Join(rs, ", ")
	}
	return sections, substantive, cosmetic
}

// itemView is a summary item with its two sentences marked word by word.
type itemView struct {
	analysis.Item
	// BeforeWords holds the equal and deleted runs of Before, AfterWords the
	// equal and inserted runs of After; both are nil when a side is empty or
	// the sentences are too long to align cheaply.
	BeforeWords, AfterWords []diff.Word
}

func itemViews(items []analysis.Item) []itemView {
	out := make([]itemView, len(items))
	for i, it := range items {
		out[i] = itemView{Item: it}
		if it.Before != "" && it.After != "" {
			out[i].BeforeWords, out[i].AfterWords = markWords(it.Before, it.After)
		}
	}
	return out
}

// maxMarkCells bounds the alignment table of markWords: provision sentences
// are short, and a pathological one is shown unmarked rather than slowly.
const maxMarkCells = 400_000

// markWords aligns two sentences token by token (longest common
// subsequence) and returns each side as runs of equal and changed text.
func markWords(before, after string) (b, a []diff.Word) {
	x, y := tokenize(before), tokenize(after)
	// Edits to a sentence are local: align only what lies between the
	// common head and tail, which keeps the table small.
	head := 0
	for head < len(x) && head < len(y) && x[head] == y[head] {
		head++
	}
	tail := 0
	for tail < len(x)-head && tail < len(y)-head && x[len(x)-1-tail] == y[len(y)-1-tail] {
		tail++
	}
	equal := func(toks []string) string { return strings.Join(toks, "") }
	if head > 0 {
		b = append(b, diff.Word{Op: diff.WordEqual, Text: equal(x[:head])})
		a = append(a, diff.Word{Op: diff.WordEqual, Text: equal(y[:head])})
	}
	suffix := equal(x[len(x)-tail:])
	x, y = x[head:len(x)-tail], y[head:len(y)-tail]
	if len(x)*len(y) > maxMarkCells {
		return nil, nil
	}
	// lcs[i][j] is the common length of x[i:] and y[j:].
	w := len(y) + 1
	lcs := make([]int32, (len(x)+1)*w)
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	add := func(runs []diff.Word, op diff.WordOp, s string) []diff.Word {
		if n := len(runs); n > 0 && runs[n-1].Op == op {
			runs[n-1].Text += s
			return runs
		}
		return append(runs, diff.Word{Op: op, Text: s})
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			b, a = add(b, diff.WordEqual, x[i]), add(a, diff.WordEqual, y[j])
			i, j = i+1, j+1
		case j < len(y) && (i == len(x) || lcs[i*w+j+1] >= lcs[(i+1)*w+j]):
			a = add(a, diff.WordInsert, y[j])
			j++
		default:
			b = add(b, diff.WordDelete, x[i])
			i++
		}
	}
	if suffix != "" {
		b, a = add(b, diff.WordEqual, suffix), add(a, diff.WordEqual, suffix)
	}
	return b, a
}

// tokenize splits text into words, runs of spaces, and single other
// characters, so that concatenating the tokens gives the text back.
func tokenize(s string) []string {
	var toks []string
	start := 0
	class := func(r rune) int {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return 1
		case unicode.IsSpace(r):
			return 2
		}
		return 3
	}
	prev := 0
	for i, r := range s {
		c := class(r)
		if i > start && (c != prev || c == 3) {
			toks = append(toks, s[start:i])
			start = i
		}
		prev = c
	}
	if start < len(s) {
		toks = append(toks, s[start:])
	}
	return toks
}
