package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes text safe to show in a terminal or a log line: control
// characters (ANSI escapes start with one), bidirectional overrides that can
// make text read differently from how it is stored, and invalid UTF-8 are
// dropped; tabs become spaces. Newlines are kept unless singleLine, which
// folds all whitespace runs to one space. Text from a policy or from a
// person passes through here before any adapter sees it as plain text.
func Clean(s string, singleLine bool) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size <= 1 {
			continue
		}
		switch {
		case r == '\r':
			continue
		case r == '\n' && !singleLine:
			b.WriteByte('\n')
			space = false
			continue
		case unicode.IsSpace(r):
			if !singleLine || !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case unicode.IsControl(r), isBidiControl(r), r == '\ufeff':
			continue
		}
		space = false
		b.WriteRune(r)
	}
	out := b.String()
	if singleLine {
		out = strings.TrimSpace(out)
	}
	return out
}

// isBidiControl reports the explicit directional formatting characters
// (embeddings, overrides, isolates and marks): an override can make
// "txt.exe" display as "exe.txt".
func isBidiControl(r rune) bool {
	switch {
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f', r == '\u061c':
		return true
	}
	return false
}

// Truncate shortens s to at most max runes, ending with an ellipsis when cut,
// so user input and policy quotes are never echoed unbounded.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	runes := []rune(s)
	if max == 1 {
		return "…"
	}
	return strings.TrimRightFunc(string(runes[:max-1]), unicode.IsSpace) + "…"
}

// Quote cleans and truncates user input for echoing in an answer:
// one line, at most 40 characters.
func Quote(s string) string {
	return Truncate(Clean(s, true), 40)
}
