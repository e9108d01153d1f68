// Package textfeat turns policy text into the word stems and hashed n-gram
// features that both the shipped classifier and its training tool use, so the
// two can never disagree on how a sentence is read.
package textfeat

import (
	"unicode"
	"unicode/utf8"
)

// Token is one word of a text: its stem and where it sits in the original.
type Token struct {
	Stem string
	// Word is the lower-cased word as written: prefixes ("cookie*",
	// "setting*") are matched on it, because a stem can part from its
	// word's spelling ("cookies" stems to "cooky", "settings" to "set").
	Word       string
	Start, End int // byte offsets into the text
}

// Tokens splits text into lower-cased, lightly stemmed words. Apostrophes
// inside words are dropped ("user's" -> "user"), digits are kept as words.
// buf is reused when it has room, so a caller classifying many texts can
// keep its allocations flat.
func Tokens(text string, buf []Token) []Token {
	toks := buf[:0]
	var word [64]byte
	n := 0
	start := -1
	flush := func(end int) {
		if start >= 0 && n > 0 {
			w := string(word[:n])
			toks = append(toks, Token{Stem: Stem(w), Word: w, Start: start, End: end})
		}
		start, n = -1, 0
	}
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			if start < 0 {
				start = i
			}
			if n < len(word) {
				word[n] = byte(r)
				n++
			}
		case r >= 'A' && r <= 'Z':
			if start < 0 {
				start = i
			}
			if n < len(word) {
				word[n] = byte(r + 'a' - 'A')
				n++
			}
		case (r == '\'' || r == '’') && start >= 0:
			// "user's", "don't": keep the word going but drop the apostrophe
			// and what follows if it is a possessive s.
			if i+size < len(text) && (text[i+size] == 's' || text[i+size] == 'S') &&
				(i+size+1 == len(text) || !isWordByte(text[i+size+1])) {
				flush(i)
				i += size + 1
				continue
			}
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			if start < 0 {
				start = i
			}
			lr := unicode.ToLower(r)
			if lr < utf8.RuneSelf {
				if n < len(word) {
					word[n] = byte(lr)
					n++
				}
			} else if n+utf8.RuneLen(lr) <= len(word) {
				n += utf8.EncodeRune(word[n:], lr)
			}
		default:
			flush(i)
		}
		i += size
	}
	flush(len(text))
	return toks
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// Stem strips the commonest English inflections so that "shares", "shared"
// and "sharing" meet. It is deliberately cruder than Porter: cue phrases are
// stemmed with the same function, so only consistency matters.
func Stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	switch {
	case hasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case hasSuffix(w, "sses"):
		return w[:len(w)-2]
	case hasSuffix(w, "ss"), hasSuffix(w, "us"), hasSuffix(w, "is"):
		// "access", "status", "basis" keep their s
	case hasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	switch {
	case hasSuffix(w, "ing") && len(w) > 5:
		w = undouble(w[:len(w)-3])
	case hasSuffix(w, "ed") && len(w) > 4:
		w = undouble(w[:len(w)-2])
	}
	if hasSuffix(w, "e") && len(w) > 4 {
		w = w[:len(w)-1]
	}
	return w
}

func hasSuffix(w, s string) bool { return len(w) >= len(s) && w[len(w)-len(s):] == s }

// undouble turns "shipp" into "ship" and "stopp" into "stop" after a suffix
// is removed, but leaves "ll" and "ss" alone ("call", "access").
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && w[n-1] != 'l' && w[n-1] != 's' && w[n-1] != 'e' {
		return w[:n-1]
	}
	return w
}

// FNV-1a, inlined so hashing a feature allocates nothing.
const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

// Hash returns the feature hash of one stem.
func Hash(s string) uint64 {
	h := uint64(offset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime64
	}
	return h
}

// HashPair returns the feature hash of the bigram a b; distinct from any
// unigram hash because of the separator.
func HashPair(a, b string) uint64 {
	h := uint64(offset64)
	for i := 0; i < len(a); i++ {
		h ^= uint64(a[i])
		h *= prime64
	}
	h ^= '|'
	h *= prime64
	for i := 0; i < len(b); i++ {
		h ^= uint64(b[i])
		h *= prime64
	}
	return h
}

// Features appends the hashed unigram and bigram features of toks to dst.
// Stop words still form bigrams ("not sell", "to the") because the negations
// and prepositions carry meaning in legal text.
func Features(toks []Token, dst []uint64) []uint64 {
	for i, t := range toks {
		dst = append(dst, Hash(t.Stem))
		if i > 0 {
			dst = append(dst, HashPair(toks[i-1].Stem, t.Stem))
		}
	}
	return dst
}
