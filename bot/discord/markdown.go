package discord

import (
	"strings"
	"unicode"
	"unicode/utf16"
)

// Escape makes plain text (a policy quote, a platform name, a person's
// input) show literally in Discord Markdown. Discord's renderer takes a
// backslash before any punctuation as "show this character", so escaping is
// always safe to over-apply:
//   - * _ ~ ` | and \ anywhere (bold, italics, strike, code, spoilers);
//   - [ ] ( ) anywhere, so text cannot become a masked link that shows one
//     address and opens another;
//   - < before @ # : t: a: / so <@user>, <@&role>, <#channel> and <t:…>
//     are shown, not rendered as a mention or a timestamp;
//   - > # - + and "1." at the start of a line (quotes, headings, subtext,
//     lists);
//   - @everyone and @here get a zero-width space after the @: they never
//     ping anyway (allowed_mentions is empty on every message), and this
//     keeps them from being highlighted as if they had.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	// Every character that matters is ASCII, and in UTF-8 no byte of a
	// longer character is ASCII: the text is scanned byte by byte and
	// copied in runs.
	done := 0 // s[:done] is written
	flush := func(i int) {
		b.WriteString(s[done:i])
		done = i
	}
	lineStart := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if lineStart {
			// Markdown allows a little indentation before a block marker.
			if c == ' ' {
				continue
			}
			lineStart = false
			switch c {
			case '>', '#', '-', '+':
				flush(i)
				b.WriteByte('\\')
				continue
			}
			if n := orderedMarker(s[i:]); n > 0 {
				flush(i + n - 1)
				b.WriteByte('\\')
				i += n - 1
				continue
			}
		}
		switch c {
		case '\n':
			lineStart = true
		case '\\', '*', '_', '~', '`', '|', '[', ']', '(', ')':
			flush(i)
			b.WriteByte('\\')
		case '<':
			if mentionLike(s[i+1:]) {
				flush(i)
				b.WriteByte('\\')
			}
		case '@':
			if rest := s[i+1:]; hasPrefixFold(rest, "everyone") || hasPrefixFold(rest, "here") {
				flush(i + 1)
				b.WriteString("\u200b")
			}
		}
	}
	flush(len(s))
	return b.String()
}

// orderedMarker returns the length of "12." at the start of s when a space
// or the end follows (an ordered list item), else 0.
func orderedMarker(s string) int {
	n := 0
	for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 || n >= len(s) || s[n] != '.' {
		return 0
	}
	if n+1 < len(s) && s[n+1] != ' ' {
		return 0
	}
	return n + 1
}

func mentionLike(s string) bool {
	for _, p := range []string{"@", "#", ":", "t:", "a:", "/"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// length is how Discord counts characters against its limits: in UTF-16
// code units (its clients are JavaScript), which is never fewer than runes.
func length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// prefix returns the longest prefix of s of at most max UTF-16 units.
func prefix(s string, max int) string {
	n := 0
	for i, r := range s {
		n += utf16.RuneLen(r)
		if n > max {
			return s[:i]
		}
	}
	return s
}

// cut shortens Markdown text to at most max characters. It ends at the last
// sentence (or line) that fits, then an ellipsis and more (a masked link to
// the full record, say), so a reader sees whole sentences and where the rest
// is. Text that fits is returned unchanged.
func cut(s string, max int, more string) string {
	if length(s) <= max {
		return s
	}
	tail := " …"
	if more != "" {
		tail += " " + more
	}
	room := max - length(tail)
	if room <= 0 {
		return prefix(tail, max)
	}
	head := prefix(s, room)
	end := sentenceEnd(head)
	if end < len(head)/2 {
		// No sentence ends late enough: end at a word instead.
		if sp := strings.LastIndexFunc(head, unicode.IsSpace); sp > len(head)/2 {
			end = sp
		} else {
			end = len(head)
		}
	}
	head = strings.TrimRightFunc(head[:end], unicode.IsSpace)
	head = dropDanglingEscape(head)
	return head + tail
}

// sentenceEnd is the index just after the last sentence end or line break in s.
func sentenceEnd(s string) int {
	best := -1
	for _, mark := range []string{". ", "! ", "? ", ".\n", "!\n", "?\n", "\n"} {
		if i := strings.LastIndex(s, mark); i >= 0 && i+len(mark)-1 > best {
			best = i + len(mark) - 1
			if mark == "\n" {
				best = i
			}
		}
	}
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return len(s)
	}
	if best < 0 {
		return 0
	}
	return best
}

// dropDanglingEscape removes a final lone backslash, which would otherwise
// escape whatever is appended after the cut.
func dropDanglingEscape(s string) string {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	if n%2 == 1 {
		return s[:len(s)-1]
	}
	return s
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
