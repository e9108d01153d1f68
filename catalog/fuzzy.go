package catalog

import (
	"sort"
	"strings"

	"github.com/policybot/policybot/internal/fuzzy"
)

// How a query matches a term, weakest first. A match of a stronger kind
// always ranks above a weaker one; within a kind, closeness decides.
const (
	matchNone = iota
	matchFuzzy
	matchCategory
	matchSubstring
	matchWord
	matchPrefix
	matchExact
)

// match is how well a query matches one platform.
type match struct {
	index     int
	kind      int
	closeness float64 // 0..1 within the kind
	primary   bool    // matched the name or slug rather than an alias
}

func (a match) better(b match) bool {
	if a.kind != b.kind {
		return a.kind > b.kind
	}
	if a.closeness != b.closeness {
		return a.closeness > b.closeness
	}
	return a.primary && !b.primary
}

// Fuzzy thresholds on similarity (1 - edits/length). A near miss is a query
// within about one edit in three of a name ("netflx", "corsera"): close
// enough to suggest. Search, which lists rather than corrects, asks for more.
const (
	suggestSimilarity = 0.6
	searchSimilarity  = 0.7
	// wordDiscount ranks a typo in one word of a longer name ("drve" for
	// Google Drive) a little below the same typo in a whole name.
	wordDiscount = 0.95
)

// Suggest returns up to n platforms the query may have meant, best first:
// exact and prefix matches, then whole words, then substrings, then near
// misses by edit distance (Damerau–Levenshtein, so "netlfix" is one edit).
// It is empty only when nothing is close.
func (c *Catalog) Suggest(query string, n int) []Platform {
	if n <= 0 {
		return nil
	}
	return c.ranked(query, suggestSimilarity, false, n)
}

// Search filters the catalog for a listing or autocomplete: the platforms
// whose slug, name or alias starts with, contains or nearly spells the query,
// or whose category it names ("dating"), best first. An empty query returns
// them all.
func (c *Catalog) Search(query string) []Platform {
	if key(query) == "" {
		return c.All()
	}
	return c.ranked(query, searchSimilarity, true, 0)
}

// query is what a search compares: the folded key and words of one form of it.
type query struct {
	key   string
	runes []rune
	words []string
}

func newQuery(s string) query {
	k := key(s)
	return query{key: k, runes: []rune(k), words: tokens(s)}
}

func (c *Catalog) ranked(raw string, minSimilarity float64, categories bool, limit int) []Platform {
	qs := []query{newQuery(raw)}
	if qs[0].key == "" {
		return nil
	}
	// A URL or domain is also matched by its registrable domain, which is
	// what the domain aliases hold ("coursera.org" for https://www.coursera.org/about).
	if h := domainOf(raw); h != "" {
		if d := registrableDomain(h); d != "" && key(d) != qs[0].key {
			qs = append(qs, newQuery(d))
		}
	}
	var (
		matches []match
		scratch fuzzy.Scratch
	)
	for i := range c.platforms {
		best := match{index: i}
		for _, q := range qs {
			if m := c.score(i, q, minSimilarity, categories, &scratch); m.better(best) {
				best = m
			}
		}
		if best.kind != matchNone {
			matches = append(matches, best)
		}
	}
	sort.Slice(matches, func(a, b int) bool {
		ma, mb := matches[a], matches[b]
		if ma.kind != mb.kind || ma.closeness != mb.closeness || ma.primary != mb.primary {
			return ma.better(mb)
		}
		// Equally good: the shorter name is the more likely meaning ("Google"
		// before "Google Drive" for "goo").
		pa, pb := c.platforms[ma.index], c.platforms[mb.index]
		if len(pa.Name) != len(pb.Name) {
			return len(pa.Name) < len(pb.Name)
		}
		return pa.Slug < pb.Slug
	})
	if limit > 0 && len(matches) > limit {
		matches = matches[:limit]
	}
	out := make([]Platform, len(matches))
	for i, m := range matches {
		out[i] = c.platforms[m.index]
	}
	return out
}

// score returns the platform's best match over its terms.
func (c *Catalog) score(i int, q query, minSimilarity float64, categories bool, scratch *fuzzy.Scratch) match {
	best := match{index: i}
	qlen := len(q.runes)
	for _, t := range c.terms[i] {
		m := match{index: i, primary: t.primary}
		tlen := len(t.runes)
		switch {
		case t.key == q.key:
			m.kind, m.closeness = matchExact, 1
		case strings.HasPrefix(t.key, q.key):
			m.kind, m.closeness = matchPrefix, float64(qlen)/float64(tlen)
		case wordsMatch(t.words, q.words):
			m.kind, m.closeness = matchWord, float64(qlen)/float64(tlen)
		case qlen >= 3 && strings.Contains(t.key, q.key):
			m.kind, m.closeness = matchSubstring, float64(qlen)/float64(tlen)
		default:
			sim := scratch.Similarity(q.runes, t.runes, minSimilarity)
			// A typo in one word of a longer name ("gogle drive", "drve").
			for _, w := range t.wordRs {
				if s := scratch.Similarity(q.runes, w, minSimilarity/wordDiscount) * wordDiscount; s > sim {
					sim = s
				}
			}
			if sim >= minSimilarity {
				m.kind, m.closeness = matchFuzzy, sim
			}
		}
		if m.better(best) {
			best = m
		}
	}
	if categories && best.kind < matchCategory {
		if cat := c.cats[i]; cat.key != "" {
			if cat.key == q.key || (qlen >= 3 && strings.HasPrefix(cat.key, q.key)) || wordsMatch(cat.words, q.words) {
				best = match{index: i, kind: matchCategory, closeness: 1}
			}
		}
	}
	return best
}

// wordsMatch reports whether every query word starts a different word of the
// term, in order ("google dr" for Google Drive).
func wordsMatch(words, qwords []string) bool {
	if len(qwords) == 0 || len(qwords) > len(words) {
		return false
	}
	// A single short word that only starts another is too weak ("a" in
	// "Amazon Ads"); it must be the whole word.
	if len(qwords) == 1 && len([]rune(qwords[0])) < 3 {
		for _, w := range words {
			if w == qwords[0] {
				return true
			}
		}
		return false
	}
	j := 0
	for _, w := range words {
		if j < len(qwords) && strings.HasPrefix(w, qwords[j]) {
			j++
		}
	}
	return j == len(qwords)
}
