package catalog

import (
	"strings"
	"unicode"
)

// Slug is a platform's identifier in URLs, commands and the store: the name in
// lower case, with each run of characters other than letters and digits
// (Unicode ones count) turned into one "-". The rule is applied literally, with
// no trimming, so that anyone can predict a slug from a name: "Claude.ai" is
// "claude-ai", "DALL·E" is "dall-e", "Yahoo!" is "yahoo-".
func Slug(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	inRun := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			inRun = false
			continue
		}
		if !inRun {
			b.WriteByte('-')
			inRun = true
		}
	}
	return b.String()
}

// key folds a query or a name for exact matching: lower case, letters and
// digits only, so that "Tik Tok", "tiktok" and "TikTok!" are one key.
func key(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// tokens splits s into lower-case words of letters and digits.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
