package analysis

import (
	"regexp"
	"strings"
)

// Passage is one unit of a version's text: a paragraph, list item or table
// row, under its headings. (The function that makes them is Segment, so the
// type cannot share its name.)
type Passage struct {
	// Heading is the heading path, outermost first, joined with " > ".
	Heading string `json:"heading"`
	// Text is the unit as it appears in the Markdown.
	Text string `json:"text"`
	// Start and End are byte offsets of Text in the Markdown.
	Start int `json:"start"`
	End   int `json:"end"`
}

// Segment splits normalized Markdown into paragraph-level passages under
// their headings. Headings themselves are not passages; blank lines, list
// items and table rows start new ones; table separator rows are dropped.
func Segment(markdown string) []Passage {
	var (
		out      []Passage
		headings []string // index = level-1
		start    = -1
		end      int
	)
	path := func() string {
		var parts []string
		for _, h := range headings {
			if h != "" {
				parts = append(parts, h)
			}
		}
		return strings.Join(parts, " > ")
	}
	flush := func() {
		if start >= 0 {
			text := strings.TrimRight(markdown[start:end], " \t\r\n")
			if strings.TrimSpace(text) != "" {
				out = append(out, Passage{Heading: path(), Text: text, Start: start, End: start + len(text)})
			}
		}
		start = -1
	}
	pos := 0
	for pos < len(markdown) {
		nl := strings.IndexByte(markdown[pos:], '\n')
		lineEnd := len(markdown)
		next := len(markdown)
		if nl >= 0 {
			lineEnd = pos + nl
			next = lineEnd + 1
		}
		line := markdown[pos:lineEnd]
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		switch {
		case trimmed == "":
			flush()
		case strings.HasPrefix(trimmed, "#"):
			flush()
			level := len(trimmed) - len(strings.TrimLeft(trimmed, "#"))
			title := cleanInline(strings.TrimSpace(strings.Trim(trimmed, "#")))
			if level > 6 {
				level = 6
			}
			for len(headings) < level {
				headings = append(headings, "")
			}
			headings = headings[:level]
			headings[level-1] = title
		case tableSep.MatchString(trimmed):
			flush()
		case strings.HasPrefix(trimmed, "|"):
			flush()
			start, end = pos+indent, lineEnd
			flush()
		case listItem.MatchString(trimmed):
			flush()
			start, end = pos+indent, lineEnd
		default:
			if start < 0 {
				start = pos + indent
			}
			end = lineEnd
		}
		pos = next
	}
	flush()
	return out
}

var (
	listItem = regexp.MustCompile(`^([*+-]|\d{1,3}[.)])\s`)
	tableSep = regexp.MustCompile(`^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$`)
	mdLink   = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	mdMarks  = regexp.MustCompile("[*_`]{1,3}")
)

// cleanInline turns inline Markdown into the words a reader sees: links keep
// their text, emphasis and code marks go, list markers and table pipes
// become spaces. The classifier reads this, so URLs do not count as words.
func cleanInline(s string) string {
	s = lineBreaks.Replace(s)
	// The regular expressions are the slow part of reading a diff; most
	// sentences have neither links nor emphasis.
	if strings.Contains(s, "](") {
		s = mdLink.ReplaceAllString(s, "$1")
	}
	if strings.ContainsAny(s, "*_`") {
		s = mdMarks.ReplaceAllString(s, "")
	}
	s = strings.ReplaceAll(s, "|", " ")
	if m := listItem.FindStringIndex(s); m != nil && m[0] == 0 {
		s = s[m[1]:]
	}
	return strings.Join(strings.Fields(s), " ")
}

// lineBreaks are the HTML breaks that extracted tables keep inside cells.
var lineBreaks = strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n")

// Span is a byte range [Start, End) of a text.
type Span struct{ Start, End int }

// Sentences splits text into sentences: at ., ! or ? followed by a space and
// a capital, digit, quote or bracket, at semicolons that end list-like
// clauses, and at line breaks. Common abbreviations (e.g., i.e., Inc., U.S.)
// do not end a sentence.
func Sentences(text string) []Span {
	var out []Span
	start := 0
	add := func(end int) {
		s, e := start, end
		for s < e && isSpace(text[s]) {
			s++
		}
		for e > s && isSpace(text[e-1]) {
			e--
		}
		if e > s {
			out = append(out, Span{s, e})
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\n' {
			add(i)
			start = i + 1
			continue
		}
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(text) && (text[j] == '"' || text[j] == '\'' || text[j] == ')' || text[j] == '*' || text[j] == '_') {
			j++
		}
		if j < len(text) && !isSpace(text[j]) {
			continue
		}
		k := j
		for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
			k++
		}
		if k < len(text) && text[k] != '\n' && !startsSentence(text[k:]) {
			continue
		}
		if c == '.' && isAbbreviation(text[start:i]) {
			continue
		}
		add(j)
		start = j
	}
	add(len(text))
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func startsSentence(s string) bool {
	c := s[0]
	if c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '"' || c == '(' || c == '[' || c == '*' || c == '_' {
		return true
	}
	return strings.HasPrefix(s, "“") || strings.HasPrefix(s, "‘")
}

var abbreviations = map[string]bool{
	"e.g": true, "i.e": true, "etc": true, "inc": true, "ltd": true, "co": true, "corp": true, "no": true,
	"u.s": true, "u.k": true, "mr": true, "ms": true, "dr": true, "st": true, "vs": true, "cf": true, "art": true, "sec": true,
}

// isAbbreviation reports whether the word before a full stop is a common
// abbreviation or a single letter (initials, "a." in lists).
func isAbbreviation(before string) bool {
	i := strings.LastIndexAny(before, " \t\n(")
	w := strings.ToLower(before[i+1:])
	return len(w) == 1 || abbreviations[w]
}
