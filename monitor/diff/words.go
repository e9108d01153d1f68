package diff

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// maxTokenDiff bounds one token diff (tokens on both sides together). A
// longer block pair is diffed sentence by sentence first, then word by word
// inside the sentences that changed; a pair still too long is shown as a
// whole replacement after its common prefix and suffix. Bounds keep the
// output deterministic, where a diff timeout would make it depend on the
// machine's speed.
const maxTokenDiff = 24000

// tokenOp is one run of tokens with its operation.
type tokenOp struct {
	op   WordOp
	toks []string
}

// diffTokens diffs two token sequences.
func diffTokens(a, b []string) []tokenOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []tokenOp
	add := func(op WordOp, toks []string) {
		if len(toks) > 0 {
			ops = append(ops, tokenOp{op, toks})
		}
	}
	add(WordEqual, a[:pre])
	midA, midB := a[pre:len(a)-suf], b[pre:len(b)-suf]
	switch {
	case len(midA) == 0 || len(midB) == 0:
		add(WordDelete, midA)
		add(WordInsert, midB)
	case len(midA)+len(midB) <= maxTokenDiff:
		ops = append(ops, runeDiff([][]string{midA}, [][]string{midB}, 1)...)
	default:
		ops = append(ops, diffSentences(midA, midB)...)
	}
	add(WordEqual, a[len(a)-suf:])
	return ops
}

// diffSentences diffs long token sequences sentence by sentence, then word
// by word inside each run of changed sentences small enough to diff.
func diffSentences(a, b []string) []tokenOp {
	sa, sb := sentences(a), sentences(b)
	if len(sa)+len(sb) > maxTokenDiff {
		return []tokenOp{{WordDelete, a}, {WordInsert, b}}
	}
	var ops []tokenOp
	var del, ins []string
	flush := func() {
		switch {
		case len(del) == 0 && len(ins) == 0:
		case len(del) == 0 || len(ins) == 0 || len(del)+len(ins) > maxTokenDiff:
			if len(del) > 0 {
				ops = append(ops, tokenOp{WordDelete, del})
			}
			if len(ins) > 0 {
				ops = append(ops, tokenOp{WordInsert, ins})
			}
		default:
			ops = append(ops, runeDiff([][]string{del}, [][]string{ins}, 1)...)
		}
		del, ins = nil, nil
	}
	for _, op := range runeDiff(sa, sb, 0) {
		switch op.op {
		case WordEqual:
			flush()
			ops = append(ops, op)
		case WordDelete:
			del = append(del, op.toks...)
		case WordInsert:
			ins = append(ins, op.toks...)
		}
	}
	flush()
	return ops
}

// sentences groups tokens into sentences: a run ending with . ! ? or ;
// followed by spacing, or with a line break.
func sentences(toks []string) [][]string {
	var out [][]string
	start := 0
	for k, t := range toks {
		end := strings.ContainsRune(t, '\n')
		if !end && k > 0 && isSpaceToken(t) {
			switch toks[k-1] {
			case ".", "!", "?", ";":
				end = true
			}
		}
		if end {
			out = append(out, toks[start:k+1])
			start = k + 1
		}
	}
	if start < len(toks) {
		out = append(out, toks[start:])
	}
	return out
}

func isSpaceToken(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return unicode.IsSpace(r)
}

// runeDiff diffs two sequences of units (single tokens when unit is 1,
// sentences when 0). Each distinct unit is mapped to one rune so that
// diffmatchpatch's character diff becomes a unit diff; the surrogate range
// is skipped because such runes do not survive the library's string
// conversions. There is no timeout: callers bound the input instead.
func runeDiff(a, b [][]string, unit int) []tokenOp {
	if unit == 1 {
		a, b = splitUnits(a[0]), splitUnits(b[0])
	}
	ids := make(map[string]rune, len(a)+len(b))
	var units [][]string
	toRunes := func(us [][]string) []rune {
		rs := make([]rune, len(us))
		for i, u := range us {
			key := strings.Join(u, "")
			r, ok := ids[key]
			if !ok {
				r = idRune(len(units))
				ids[key] = r
				units = append(units, u)
			}
			rs[i] = r
		}
		return rs
	}
	ra, rb := toRunes(a), toRunes(b)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	var ops []tokenOp
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		var toks []string
		for _, r := range d.Text {
			toks = append(toks, units[runeID(r)]...)
		}
		op := WordEqual
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = WordDelete
		case diffmatchpatch.DiffInsert:
			op = WordInsert
		}
		if len(toks) > 0 {
			ops = append(ops, tokenOp{op, toks})
		}
	}
	return ops
}

func splitUnits(toks []string) [][]string {
	out := make([][]string, len(toks))
	for i := range toks {
		out[i] = toks[i : i+1]
	}
	return out
}

const (
	runeBase      = 0x100 // past ASCII control characters and Latin-1
	surrogateLow  = 0xD800
	surrogateSpan = 0x800
)

func idRune(id int) rune {
	r := rune(id + runeBase)
	if r >= surrogateLow {
		r += surrogateSpan
	}
	return r
}

func runeID(r rune) int {
	if r >= surrogateLow+surrogateSpan {
		r -= surrogateSpan
	}
	return int(r - runeBase)
}

// wordDiff returns the word-level difference of two blocks, grouped for a
// reader: a change is one deletion followed by one insertion, and the
// spaces, punctuation or lone small word between two changes are part of
// the change rather than a scrap of equal text ("[-such as chatbots-],
// [-translation-]" reads better as one change).
func wordDiff(before, after string) []Word {
	ops := diffTokens(tokens(before), tokens(after))
	for i := 1; i+1 < len(ops); i++ {
		if ops[i].op == WordEqual && ops[i-1].op != WordEqual && ops[i+1].op != WordEqual && isThin(ops, i) {
			eq := ops[i].toks
			ops = append(ops[:i], append([]tokenOp{{WordDelete, eq}, {WordInsert, eq}}, ops[i+1:]...)...)
			i++
		}
	}
	var out []Word
	for i := 0; i < len(ops); {
		if ops[i].op == WordEqual {
			out = append(out, Word{Op: WordEqual, Text: strings.Join(ops[i].toks, "")})
			i++
			continue
		}
		var del, ins strings.Builder
		for ; i < len(ops) && ops[i].op != WordEqual; i++ {
			if ops[i].op == WordDelete {
				del.WriteString(strings.Join(ops[i].toks, ""))
			} else {
				ins.WriteString(strings.Join(ops[i].toks, ""))
			}
		}
		if del.Len() > 0 {
			out = append(out, Word{Op: WordDelete, Text: del.String()})
		}
		if ins.Len() > 0 {
			out = append(out, Word{Op: WordInsert, Text: ins.String()})
		}
	}
	return out
}

// isThin reports an equal run between two changes that is too slight to
// stand alone: one non-word token, or up to three tokens with at most one
// word between changes of two words or more on each side.
func isThin(ops []tokenOp, i int) bool {
	eq := ops[i].toks
	if len(eq) == 1 && !isWordToken(eq[0]) {
		return true
	}
	if len(eq) > 3 || wordsIn(eq) > 1 {
		return false
	}
	left, right := 0, 0
	for k := i - 1; k >= 0 && ops[k].op != WordEqual; k-- {
		left += wordsIn(ops[k].toks)
	}
	for k := i + 1; k < len(ops) && ops[k].op != WordEqual; k++ {
		right += wordsIn(ops[k].toks)
	}
	return left >= 2 && right >= 2
}

func wordsIn(toks []string) int {
	n := 0
	for _, t := range toks {
		if isWordToken(t) {
			n++
		}
	}
	return n
}

// countWords counts the words (not spaces or punctuation) in s.
func countWords(s string) int {
	n := 0
	for _, t := range tokens(s) {
		if isWordToken(t) {
			n++
		}
	}
	return n
}
