package extract

import (
	"unicode/utf8"
)

// Link markers inside a block's raw text. They come from the Private Use Area,
// which input text never contributes: icon fonts put glyphs there and
// appendText drops them, so a marker in a block always means a kept link.
const (
	linkOpen  = '\uE000' // [
	linkMid   = '\uE001' // ](  followed by the URL
	linkClose = '\uE002' // )
)

// inline accumulates the raw text of one block: characters already mapped to
// their plain forms, runs of white space collapsed to one space, no leading or
// trailing space. Escaping for Markdown happens later, when the block is
// written, so that the HTML and the Markdown paths share one writer.
type inline struct {
	buf   []byte
	space bool // a space is due before the next character
}

func (in *inline) reset() { in.buf = in.buf[:0]; in.space = false }

func (in *inline) empty() bool { return len(in.buf) == 0 }

// softSpace records a word boundary (an inline element that separates words,
// a block flattened into a line).
func (in *inline) softSpace() {
	if len(in.buf) > 0 {
		in.space = true
	}
}

func (in *inline) writeByte(c byte) {
	if in.space {
		in.buf = append(in.buf, ' ')
		in.space = false
	}
	in.buf = append(in.buf, c)
}

func (in *inline) writeRune(r rune) {
	if in.space {
		in.buf = append(in.buf, ' ')
		in.space = false
	}
	in.buf = utf8.AppendRune(in.buf, r)
}

// writeMarker appends a link marker without flushing a pending space first,
// so that the space lands outside the link.
func (in *inline) writeMarker(r rune) {
	in.buf = utf8.AppendRune(in.buf, r)
}

// text appends s with every character mapped by the normalization rules:
// Unicode spaces become a space, zero-width and control characters vanish,
// curly quotes become straight, dashes become '-', the ellipsis becomes "...".
// The ASCII path is a byte scan: policies are mostly ASCII.
func (in *inline) text(s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
				if len(in.buf) > 0 {
					in.space = true
				}
			case c < 0x20 || c == 0x7f:
				// control characters carry no text
			default:
				if in.space {
					in.buf = append(in.buf, ' ')
					in.space = false
				}
				in.buf = append(in.buf, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch m := mapRune(r); m {
		case mapSpace:
			if len(in.buf) > 0 {
				in.space = true
			}
		case mapDrop:
		case mapEllipsis:
			in.writeByte('.')
			in.buf = append(in.buf, '.', '.')
		default:
			if m < utf8.RuneSelf {
				in.writeByte(byte(m))
			} else {
				in.writeRune(m)
			}
		}
	}
}

// Special results of mapRune (outside the Unicode range).
const (
	mapSpace    rune = -1
	mapDrop     rune = -2
	mapEllipsis rune = -3
)

// mapRune maps one non-ASCII rune to its normalized form. Invisible and
// typographic variants are folded so that a site switching from "'" to "’" or
// inserting a zero-width space never shows up as a change.
func mapRune(r rune) rune {
	switch {
	case r == 0xA0, r == 0x1680, r >= 0x2000 && r <= 0x200A, r == 0x202F, r == 0x205F, r == 0x3000,
		r == 0x2028, r == 0x2029, r == 0x85:
		return mapSpace
	case r == 0xAD, r >= 0x200B && r <= 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2060 && r <= 0x206F,
		r == 0xFEFF, r == 0x180E, r == 0x061C, r >= 0x80 && r <= 0x9F,
		r >= 0xE000 && r <= 0xF8FF, r >= 0xFE00 && r <= 0xFE0F:
		return mapDrop
	case r == 0x2018, r == 0x2019, r == 0x201A, r == 0x201B:
		return '\''
	case r == 0x201C, r == 0x201D, r == 0x201E, r == 0x201F:
		return '"'
	case r >= 0x2010 && r <= 0x2015, r == 0x2212, r == 0xFE58, r == 0xFE63, r == 0xFF0D:
		return '-'
	case r == 0x2026:
		return mapEllipsis
	case r == 0x1FEF:
		// NFC would turn it into a backtick, which the Markdown writer must
		// see (and escape) before NFC runs.
		return '`'
	}
	return r
}
