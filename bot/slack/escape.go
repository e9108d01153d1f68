package slack

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/policybot/policybot/bot"
)

// Text from a policy (and every other string of a bot.Message) is plain text.
// Slack reads three characters as markup in every text object, plain_text
// included: & < > start entities, mentions (<!channel>, <@U1>, <#C1>,
// <!subteam^S1>) and links (<https://x|label>). Replacing them with their
// entities is Slack's documented escape, and it is all plain_text needs.
//
// mrkdwn also reads * _ ~ ` as bold, italic, strike and code, and Slack has no
// escape for them. Zero-width characters do not help: Slack treats them as a
// word boundary, which is how people force bold inside a word, so they can
// enable formatting rather than stop it. So this package shows policy text in
// plain_text wherever the block needs no markup of ours (the header, headline
// and answer paragraphs, buttons), which keeps it exact (an address such as
// privacy_team@example.com stays copyable), and in mrkdwn only where our own
// markup is needed (quote bars, bold labels, links). There the four
// characters become their full-width lookalikes (＊ ＿ ～ ｀), which read the
// same and are never markup. Every mrkdwn text object is also sent with
// verbatim set, so Slack does not turn bare URLs, #channel names or @names
// into links or mentions.
var (
	plainEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	mrkdwnEsc    = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;",
		"*", "\uff0a", "_", "\uff3f", "~", "\uff5e", "`", "\uff40")
)

// plain cleans s (control and bidi characters) and escapes it for a
// plain_text object.
func plain(s string, singleLine bool) string {
	return plainEscaper.Replace(clean(s, singleLine))
}

// mrkdwn cleans s and makes it inert inside a mrkdwn object.
func mrkdwn(s string, singleLine bool) string {
	return mrkdwnEsc.Replace(clean(s, singleLine))
}

// clean is bot.Clean, with a fast path: most text is already clean, and
// rendering one alert cleans each string several times.
func clean(s string, singleLine bool) string {
	if isClean(s, singleLine) {
		return s
	}
	return bot.Clean(s, singleLine)
}

// isClean reports whether bot.Clean would return s unchanged.
func isClean(s string, singleLine bool) bool {
	if singleLine && s != "" && (s[0] == ' ' || s[len(s)-1] == ' ') {
		return false
	}
	prevSpace := false
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return false
			}
		case r == ' ':
			if singleLine && prevSpace {
				return false
			}
			prevSpace = true
			continue
		case r == '\n' && !singleLine:
		case r < 0x20 || r == 0x7f:
			return false
		case r < 0x80:
		case unicode.IsSpace(r), unicode.IsControl(r), r == '\ufeff',
			r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f', r == '\u061c':
			return false
		}
		prevSpace = false
	}
	return true
}

// escWidth is how many characters r takes once escaped, counted as Slack
// counts them (UTF-16 code units, so an emoji outside the BMP counts two).
func escWidth(r rune) int {
	switch r {
	case '&':
		return 5
	case '<', '>':
		return 4
	}
	if r > 0xFFFF {
		return 2
	}
	return 1
}

// width is the length of an already escaped string as Slack counts it.
func width(s string) int {
	n := 0
	for _, r := range s {
		if r > 0xFFFF {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// cutRaw returns the longest prefix of the cleaned text s whose escaped
// width, with extra characters per newline, fits in budget. It prefers to end
// after a sentence, then after a word, so a quote is never cut mid-word when
// it can be helped. cut reports whether anything was dropped.
func cutRaw(s string, budget, perNewline int) (prefix string, cut bool) {
	if budget <= 0 {
		return "", s != ""
	}
	total := 0
	sentence, word := -1, -1
	var prev rune
	for i, r := range s {
		w := escWidth(r)
		if r == '\n' {
			w += perNewline
		}
		if total+w > budget {
			switch {
			case sentence > 0 && sentence >= i/2:
				return strings.TrimRightFunc(s[:sentence], unicode.IsSpace), true
			case word > 0:
				return strings.TrimRightFunc(s[:word], unicode.IsSpace), true
			case sentence > 0:
				return strings.TrimRightFunc(s[:sentence], unicode.IsSpace), true
			}
			return s[:i], true
		}
		total += w
		if unicode.IsSpace(r) {
			word = i
			if prev == '.' || prev == '!' || prev == '?' || prev == ';' || r == '\n' {
				sentence = i
			}
		}
		prev = r
	}
	return s, false
}

// fitMrkdwn escapes text for mrkdwn within budget; when it must cut, it ends
// at a sentence with an ellipsis and, when there is one, a link to the full
// record. perNewline counts markup added per line (a quote's ">").
func fitMrkdwn(text string, budget, perNewline int, record string) string {
	text = clean(text, false)
	head, cut := cutRaw(text, budget, perNewline)
	if !cut {
		return mrkdwnEsc.Replace(head)
	}
	more := " …"
	if l := link(record, "read the full record"); l != "" {
		more = " … " + l
	}
	head, _ = cutRaw(text, budget-width(more), perNewline)
	return mrkdwnEsc.Replace(head) + more
}

// fitPlain escapes text for plain_text within budget, ending with an
// ellipsis when cut.
func fitPlain(text string, budget int, singleLine bool) string {
	text = clean(text, singleLine)
	head, cut := cutRaw(text, budget, 0)
	if !cut {
		return plainEscaper.Replace(head)
	}
	head, _ = cutRaw(text, budget-1, 0)
	return plainEscaper.Replace(head) + "…"
}

// link is a mrkdwn link to an http(s) URL with an escaped label, or "" when
// the URL is not one we should link to.
func link(rawURL, label string) string {
	u := safeURL(rawURL)
	if u == "" {
		return ""
	}
	label = mrkdwn(label, true)
	if label == "" {
		return "<" + u + ">"
	}
	return "<" + u + "|" + label + ">"
}

// urlEscaper keeps a URL from closing the link markup it sits in: "|"
// would end the address and ">" the link.
var urlEscaper = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20")

// safeURL returns u ready for a mrkdwn link, or "" unless it is an absolute
// http(s) URL of reasonable length.
func safeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxURL || !utf8.ValidString(raw) {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	for _, r := range raw {
		if unicode.IsControl(r) {
			return ""
		}
	}
	return urlEscaper.Replace(raw)
}
