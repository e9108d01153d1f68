package extract

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The output is a small, fixed dialect of Markdown, one block per line:
//
//	# Heading            ATX headings, levels 1 to 6
//	Paragraph text.      one line per paragraph (a hard break starts a new one)
//	- item / 3. item     list items, two spaces of indent per nesting level
//	| a | b |            table rows (no separator rows, no empty rows)
//
// Blocks are separated by one blank line, except consecutive list items and
// consecutive table rows. Emphasis, images, rules and quote markers are
// dropped: they change for cosmetic reasons and would make diffs noisy. Link
// targets are dropped too, except where the link text says nothing by itself
// (see keepLink). Characters that the dialect would read as syntax are
// escaped with a backslash, so that Normalize(out) == out.

type blockKind uint8

const (
	paragraph blockKind = iota
	heading
	item
	row
)

// block is one line of output before escaping. text and cells hold raw text
// (link markers included, not yet escaped).
type block struct {
	kind    blockKind
	level   int  // heading level 1..6, or list depth from 0
	ordered bool // ordered list item
	num     int  // ordinal of an ordered list item
	text    string
	cells   []string
}

// writer turns blocks into the output dialect.
type writer struct {
	out       []byte
	n         int // blocks written
	prev      blockKind
	prevDepth int
	title     string
}

func (w *writer) add(b block) {
	switch b.kind {
	case row:
		empty := true
		for i, c := range b.cells {
			b.cells[i] = nfc(c)
			if b.cells[i] != "" {
				empty = false
			}
		}
		if empty {
			return
		}
	default:
		b.text = nfc(b.text)
		if b.text == "" {
			return
		}
	}
	if w.n > 0 {
		if b.kind == w.prev && (b.kind == item || b.kind == row) {
			w.out = append(w.out, '\n')
		} else {
			w.out = append(w.out, '\n', '\n')
		}
	}
	switch b.kind {
	case paragraph:
		w.out = appendEscaped(w.out, b.text, escParagraph)
	case heading:
		lvl := min(max(b.level, 1), 6)
		for range lvl {
			w.out = append(w.out, '#')
		}
		w.out = append(w.out, ' ')
		w.out = appendEscaped(w.out, b.text, escHeading)
		if w.title == "" {
			w.title = plain(b.text)
		}
	case item:
		depth := 0
		if w.n > 0 && w.prev == item {
			depth = min(max(b.level, 0), w.prevDepth+1)
		}
		for range depth {
			w.out = append(w.out, ' ', ' ')
		}
		if b.ordered {
			w.out = strconv.AppendInt(w.out, int64(b.num), 10)
			w.out = append(w.out, '.', ' ')
		} else {
			w.out = append(w.out, '-', ' ')
		}
		w.out = appendEscaped(w.out, b.text, escItem)
		w.prevDepth = depth
	case row:
		w.out = append(w.out, '|')
		for _, c := range b.cells {
			if c == "" {
				w.out = append(w.out, ' ', '|')
				continue
			}
			w.out = append(w.out, ' ')
			w.out = appendEscaped(w.out, c, escCell)
			w.out = append(w.out, ' ', '|')
		}
	}
	w.prev = b.kind
	w.n++
}

func (w *writer) String() string {
	if w.n == 0 {
		return ""
	}
	return string(w.out) + "\n"
}

// nfc composes s to Unicode NFC; the quick check makes it nearly free on
// text that already is.
func nfc(s string) string {
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

type escContext uint8

const (
	escParagraph escContext = iota
	escHeading
	escItem
	escCell
)

// appendEscaped writes raw text in the dialect: link markers become [text](url),
// and every character that the parser in normalize.go would take for syntax
// gets a backslash. The two must agree exactly; FuzzNormalize checks it.
func appendEscaped(dst []byte, raw string, ctx escContext) []byte {
	start := len(dst)
	if ctx == escParagraph || ctx == escItem {
		dst = escapeBlockStart(dst, raw)
		if len(dst) > start {
			// escapeBlockStart wrote the escaped opening; skip what it consumed.
			n := len(dst) - start
			consumed := n - 1 // it adds exactly one backslash
			raw = raw[consumed:]
		}
	}
	if ctx == escCell && isSeparatorCell(raw) {
		dst = append(dst, '\\')
	}
	inURL := false
	var prev rune = -1
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < utf8.RuneSelf && !inURL && !asciiSpecial[c] {
			// Fast path: plain ASCII that is never syntax.
			dst = append(dst, c)
			prev = rune(c)
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(raw[i:])
		}
		i += size
		next := func() rune {
			if i >= len(raw) {
				return -1
			}
			nr, _ := utf8.DecodeRuneInString(raw[i:])
			return nr
		}
		switch {
		case r == linkOpen:
			dst = append(dst, '[')
		case r == linkMid:
			dst = append(dst, ']', '(')
			inURL = true
		case r == linkClose:
			dst = append(dst, ')')
			inURL = false
		case inURL:
			dst = utf8.AppendRune(dst, r)
		case r == '\\', r == '*', r == '[', r == ']', r == '`':
			dst = append(dst, '\\', byte(r))
		case r == '_':
			if isWordRune(prev) && isWordRune(next()) {
				dst = append(dst, '_')
			} else {
				dst = append(dst, '\\', '_')
			}
		case r == '!' && next() == linkOpen:
			dst = append(dst, '\\', '!')
		case r == '<' && i+1 < len(raw) && (raw[i] == 'b' || raw[i] == 'B') && (raw[i+1] == 'r' || raw[i+1] == 'R'):
			dst = append(dst, '\\', '<')
		case r == '|' && ctx == escCell:
			dst = append(dst, '\\', '|')
		case r == '#' && ctx == escHeading:
			dst = append(dst, '\\', '#')
		default:
			dst = utf8.AppendRune(dst, r)
		}
		prev = r
	}
	return dst
}

// asciiSpecial marks the ASCII characters appendEscaped may have to escape.
var asciiSpecial = [utf8.RuneSelf]bool{'\\': true, '*': true, '[': true, ']': true, '`': true, '_': true,
	'!': true, '<': true, '|': true, '#': true}

// escapeBlockStart escapes the opening of a paragraph that would otherwise
// read as a heading, list item, table row, quote, rule or fence. It writes
// the escaped prefix (the consumed raw bytes plus one backslash) or nothing.
func escapeBlockStart(dst []byte, raw string) []byte {
	if raw == "" {
		return dst
	}
	switch raw[0] {
	case '#', '-', '+', '>', '|', '=', '~':
		return append(dst, '\\', raw[0])
	}
	i := 0
	for i < len(raw) && i < 10 && raw[i] >= '0' && raw[i] <= '9' {
		i++
	}
	if i > 0 && i <= 9 && i < len(raw) && (raw[i] == '.' || raw[i] == ')') && (i+1 == len(raw) || raw[i+1] == ' ') {
		dst = append(dst, raw[:i]...)
		return append(dst, '\\', raw[i])
	}
	return dst
}

// isSeparatorCell reports whether a table cell reads as part of a separator
// row (---, :--:).
func isSeparatorCell(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	s = strings.TrimPrefix(s, ":")
	s = strings.TrimSuffix(s, ":")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool {
	if r < 0 {
		return false
	}
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	if r >= linkOpen && r <= linkClose {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// plain returns raw block text without link markers and targets.
func plain(raw string) string {
	if !strings.ContainsAny(raw, "\uE000\uE001\uE002") {
		return raw
	}
	var b strings.Builder
	inURL := false
	for _, r := range raw {
		switch r {
		case linkOpen:
		case linkMid:
			inURL = true
		case linkClose:
			inURL = false
		default:
			if !inURL {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}
