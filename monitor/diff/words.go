package diff

import (
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// maxTokenDiff bounds the word diff of one block pair (tokens on both sides
// together). Above it the pair is shown as a whole replacement after its
// common prefix and suffix: deterministic, where a diff timeout would make
// the output depend on the machine's speed.
const maxTokenDiff = 24000

// tokenOp is one run of tokens with its operation.
type tokenOp struct {
	op   WordOp
	toks []string
}

// diffTokens diffs two token sequences. Each distinct token is mapped to one
// rune so that diffmatchpatch's character diff becomes a token diff; the
// surrogate range is skipped because such runes do not survive the library's
// string conversions. There is no timeout: inputs are bounded instead.
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
	case len(midA) == 0 || len(midB) == 0 || len(midA)+len(midB) > maxTokenDiff:
		add(WordDelete, midA)
		add(WordInsert, midB)
	default:
		ids := make(map[string]rune, len(midA)+len(midB))
		var names []string
		toRunes := func(toks []string) []rune {
			rs := make([]rune, len(toks))
			for i, t := range toks {
				r, ok := ids[t]
				if !ok {
					r = idRune(len(names))
					ids[t] = r
					names = append(names, t)
				}
				rs[i] = r
			}
			return rs
		}
		ra, rb := toRunes(midA), toRunes(midB)
		dmp := diffmatchpatch.New()
		dmp.DiffTimeout = 0
		for _, d := range dmp.DiffMainRunes(ra, rb, false) {
			var toks []string
			for _, r := range d.Text {
				toks = append(toks, names[runeID(r)])
			}
			switch d.Type {
			case diffmatchpatch.DiffEqual:
				add(WordEqual, toks)
			case diffmatchpatch.DiffDelete:
				add(WordDelete, toks)
			case diffmatchpatch.DiffInsert:
				add(WordInsert, toks)
			}
		}
	}
	add(WordEqual, a[len(a)-suf:])
	return ops
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
// reader: a change is one deletion followed by one insertion, and the single
// spaces or punctuation marks between two changed words are part of the
// change rather than a lone equal run.
func wordDiff(before, after string) []Word {
	ops := diffTokens(tokens(before), tokens(after))
	// Fold thin equal runs (whitespace, one punctuation mark) that sit between
	// two changes into them.
	for i := 1; i+1 < len(ops); i++ {
		if ops[i].op == WordEqual && ops[i-1].op != WordEqual && ops[i+1].op != WordEqual && isThin(ops[i].toks) {
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

func isThin(toks []string) bool {
	if len(toks) != 1 {
		return false
	}
	return !isWordToken(toks[0])
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
