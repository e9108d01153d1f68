package diff

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// stripLinks keeps what a reader sees of links and images: "[text](url)"
// becomes "text", "![alt](src)" becomes "alt", and autolinks and bare URLs
// disappear. URLs carry tokens (dates, tracking parameters, build ids) that
// change without the policy changing.
func stripLinks(s string) string {
	if strings.IndexByte(s, '[') < 0 && strings.IndexByte(s, '<') < 0 && !strings.Contains(s, "http") && !strings.Contains(s, "www.") && !strings.Contains(s, "mailto:") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '!' && i+1 < len(s) && s[i+1] == '[':
			i++ // the image's alt text is handled as a link's text
			continue
		case c == '[':
			end := matchBracket(s, i, '[', ']')
			if end > 0 && end+1 < len(s) && s[end+1] == '(' {
				if close := matchBracket(s, end+1, '(', ')'); close > 0 {
					b.WriteString(stripLinks(s[i+1 : end]))
					i = close + 1
					continue
				}
			}
		case c == '<':
			if end := strings.IndexByte(s[i:], '>'); end > 0 && isURLStart(s[i+1:]) && !strings.ContainsAny(s[i+1:i+end], " \t\n") {
				i += end + 1
				continue
			}
		case (c == 'h' || c == 'w') && isURLStart(s[i:]) && (i == 0 || !isWordByte(s[i-1])):
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != ')' && s[j] != ']' {
				j++
			}
			// Sentence punctuation after a URL belongs to the sentence.
			for j > i && strings.IndexByte(".,;:!?\"'", s[j-1]) >= 0 {
				j--
			}
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func isURLStart(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "www.") || strings.HasPrefix(s, "mailto:")
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// matchBracket returns the index of the bracket closing the one at s[i],
// honouring nesting and backslash escapes, or -1.
func matchBracket(s string, i int, open, close byte) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '\n':
			if open == '(' {
				return -1
			}
		case open:
			depth++
		case close:
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// stripFormatting removes Markdown that changes how text looks but not what
// it says: heading and list markers, emphasis, code ticks, strike-through,
// blockquote markers, table pipes, backslash escapes and <br> tags.
func stripFormatting(s string) string {
	s = strings.TrimLeft(s, " \t")
	if n := atxLevel(s); n > 0 {
		s = strings.TrimLeft(s[n:], " \t")
	}
	if n := listMarkerLen(s); n > 0 {
		s = s[n:]
	}
	if n := sectionNumberLen(s); n > 0 {
		s = s[n:]
	}
	s = strings.TrimLeft(s, "> \t")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '*', '_', '`', '~', '|':
			b.WriteByte(' ')
		case '\\':
			if i+1 < len(s) && isASCIIPunct(s[i+1]) {
				i++
				b.WriteByte(s[i])
			} else {
				b.WriteByte(c)
			}
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end > 0 && end <= 6 && isBreakTag(s[i:i+end+1]) {
				b.WriteByte(' ')
				i += end
			} else {
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// sectionNumberLen returns the length of a section number ("2. ", or
// "2\\. " as escaped Markdown writes it) opening s, or 0: numbering says
// where a section sits, not what it says, and tables of contents and
// headings write it differently.
func sectionNumberLen(s string) int {
	n := 0
	for n < len(s) && n < 3 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0
	}
	if strings.HasPrefix(s[n:], "\\. ") {
		return n + 3
	}
	if strings.HasPrefix(s[n:], ". ") {
		return n + 2
	}
	return 0
}

func isBreakTag(t string) bool {
	t = strings.ToLower(strings.ReplaceAll(t, " ", ""))
	return t == "<br>" || t == "<br/>"
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// level is one normalization that can make two blocks equal; each names the
// reason a modification is cosmetic. They apply cumulatively, in this order.
type level int

const (
	levelWhitespace level = iota
	levelFormatting
	levelLink
	levelCase
	levelPunctuation
)

var levelNames = [...]string{"whitespace", "formatting", "link", "case", "punctuation"}

// canonical returns s normalized up to and including lv.
func canonical(s string, lv level) string {
	if lv >= levelLink {
		s = stripLinks(s)
	}
	if lv >= levelFormatting {
		s = stripFormatting(s)
	}
	if lv >= levelCase {
		s = strings.ToLower(s)
	}
	if lv >= levelPunctuation {
		return alnumOnly(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// alnumOnly keeps letters, digits and combining marks: what is left of a
// text once spacing, punctuation and symbols (quotes, dashes, ellipses,
// bullets) are taken away. Currency signs, % and comparison signs stay:
// "$10" and "€10", "<13" and ">13" say different things.
//
// A decimal mark stays too: "2.5%" and "25%" are different fees. A "." or
// "," between digits is a decimal mark unless exactly three digits follow
// (then it groups thousands, and "1,000" is "1 000").
func alnumOnly(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		if isWordRune(r) || r == '%' || r == '<' || r == '>' || r == '+' || unicode.Is(unicode.Sc, r) ||
			((r == '.' || r == ',') && decimalMark(s, i)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// decimalMark reports whether the "." or "," at s[i] sits between digits
// and is not followed by exactly three of them.
func decimalMark(s string, i int) bool {
	if i == 0 || !isDigit(s[i-1]) {
		return false
	}
	n := 0
	for j := i + 1; j < len(s) && isDigit(s[j]); j++ {
		n++
	}
	return n > 0 && n != 3
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// words splits what a reader sees of s (no URLs) into lowercase words: the
// unit of similarity and of the date rule. Markdown syntax is never part of
// a word, so it needs no stripping here.
func words(s string) []string {
	s = stripLinks(s)
	out := make([]string, 0, len(s)/6)
	start, upper := -1, false
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start, upper = i, false
			}
			upper = upper || unicode.IsUpper(r)
			continue
		}
		if start >= 0 {
			out = append(out, lowerWord(s[start:i], upper))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, lowerWord(s[start:], upper))
	}
	return out
}

func lowerWord(w string, upper bool) string {
	if upper {
		return strings.ToLower(w)
	}
	return w
}

// tokens splits s into words, runs of spaces and single other characters,
// so that concatenating them gives s back: the unit of the word diff.
func tokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		j := i + size
		switch {
		case isWordRune(r):
			for j < len(s) {
				r2, s2 := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r2) {
					break
				}
				j += s2
			}
		case unicode.IsSpace(r):
			for j < len(s) {
				r2, s2 := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsSpace(r2) {
					break
				}
				j += s2
			}
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

func isWordToken(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return isWordRune(r)
}
