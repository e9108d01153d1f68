// Package catalog knows which platforms policybot can watch and where each of
// their legal documents lives, in the Open Terms Archive declaration format:
// an embedded catalog built from the public collections, a loader and
// validator for any folder of declarations, name lookup with "did you mean",
// and the import of platforms into the store. It never fetches.
package catalog

//go:generate go run ./internal/gen -src ../../shared/ota-declarations -out data/catalog.json

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed data/catalog.json
var builtinJSON []byte

var (
	builtinOnce sync.Once
	builtin     *Catalog
)

// Builtin returns the embedded catalog, parsed on first use. It panics only if
// the embedded file is broken, which TestBuiltin rules out before a release.
func Builtin() *Catalog {
	builtinOnce.Do(func() {
		var ps []Platform
		if err := json.Unmarshal(builtinJSON, &ps); err != nil {
			panic(fmt.Sprintf("catalog: embedded data/catalog.json is broken: %v", err))
		}
		builtin = New(ps)
	})
	return builtin
}

// Catalog is a set of platforms with their lookup indexes. It is read-only
// once built and safe for concurrent use; the Platforms it returns share
// their maps with it and must not be modified.
type Catalog struct {
	platforms []Platform // sorted by slug
	bySlug    map[string]int
	// exact maps a folded key (see key) to the platform it names, or to -1
	// when it names several equally well.
	exact map[string]int
	terms [][]term // per platform, what fuzzy matching compares against
	cats  []term   // per platform, its category, for Search
}

// term is one searchable form of a platform: its name, slug or an alias.
type term struct {
	key     string   // folded: letters and digits only
	words   []string // lower-case words
	runes   []rune   // key as runes, for edit distance
	wordRs  [][]rune // words as runes, when there are several
	primary bool     // name or slug, rather than an alias
}

func newTerm(s string, primary bool) term {
	t := term{key: key(s), words: tokens(s), primary: primary}
	t.runes = []rune(t.key)
	if len(t.words) > 1 {
		for _, w := range t.words {
			t.wordRs = append(t.wordRs, []rune(w))
		}
	}
	return t
}

// Exact-match strength, strongest first: a key that the slug or the name
// folds to beats the same key as someone else's alias, which beats a domain
// derived from a homepage.
const (
	levelName = iota
	levelAlias
	levelDomain
	levels
)

// New builds a catalog of platforms. A slug given twice keeps its first platform.
func New(platforms []Platform) *Catalog {
	c := &Catalog{bySlug: make(map[string]int, len(platforms))}
	for _, p := range platforms {
		if p.Slug == "" {
			p.Slug = Slug(p.Name)
		}
		if _, dup := c.bySlug[p.Slug]; dup {
			continue
		}
		c.bySlug[p.Slug] = 0
		c.platforms = append(c.platforms, p)
	}
	sort.Slice(c.platforms, func(i, j int) bool { return c.platforms[i].Slug < c.platforms[j].Slug })

	// candidates[level][key] lists the platforms a key names at that level.
	var candidates [levels]map[string][]candidate
	for l := range candidates {
		candidates[l] = map[string][]candidate{}
	}
	addKey := func(level int, k string, i int, preferred bool) {
		if k == "" {
			return
		}
		for _, cd := range candidates[level][k] {
			if cd.index == i {
				return
			}
		}
		candidates[level][k] = append(candidates[level][k], candidate{i, preferred})
	}
	c.terms = make([][]term, len(c.platforms))
	c.cats = make([]term, len(c.platforms))
	for i, p := range c.platforms {
		c.cats[i] = newTerm(p.Category, false)
		c.bySlug[p.Slug] = i
		nameKey := key(p.Name)
		addKey(levelName, key(p.Slug), i, true)
		addKey(levelName, nameKey, i, true)
		ts := []term{newTerm(p.Name, true)}
		if k := key(p.Slug); k != nameKey {
			ts = append(ts, newTerm(p.Slug, true))
		}
		for _, a := range p.Aliases {
			addKey(levelAlias, key(a), i, ownsDomain(nameKey, a))
			ts = append(ts, newTerm(a, false))
		}
		if h := hostOf(p.Homepage); h != "" {
			d := registrableDomain(h)
			addKey(levelDomain, key(d), i, ownsDomain(nameKey, d))
			addKey(levelDomain, key(h), i, ownsDomain(nameKey, d))
		}
		c.terms[i] = ts
	}

	// Stronger levels are written last, so they win.
	c.exact = map[string]int{}
	for l := levels - 1; l >= 0; l-- {
		for k, cds := range candidates[l] {
			c.exact[k] = pick(cds)
		}
	}
	return c
}

// candidate is a platform that a key may name.
type candidate struct {
	index     int
	preferred bool // the key is the platform's own domain: "google.com" for Google
}

// pick chooses which platform a key names: the only one, or the only one
// whose own domain it is (Google, among all the Google services that share
// google.com), else none (-1), so that Lookup never guesses and Suggest
// offers the choice instead.
func pick(cds []candidate) int {
	if len(cds) == 1 {
		return cds[0].index
	}
	found := -1
	for _, cd := range cds {
		if cd.preferred {
			if found >= 0 {
				return -1
			}
			found = cd.index
		}
	}
	return found
}

// ownsDomain reports whether domain is the platform's own, by name: the
// name folds to the domain's first label ("google.com" for Google) or to the
// whole domain ("amazon.com" for Amazon.com).
func ownsDomain(nameKey, domain string) bool {
	if !strings.Contains(domain, ".") {
		return false
	}
	label, _, _ := strings.Cut(domain, ".")
	return key(label) == nameKey || key(domain) == nameKey
}

// All returns every platform, sorted by slug.
func (c *Catalog) All() []Platform {
	out := make([]Platform, len(c.platforms))
	copy(out, c.platforms)
	return out
}

// Len is the number of platforms.
func (c *Catalog) Len() int { return len(c.platforms) }

// Lookup finds the platform a person means by query when there is no doubt:
// its slug, name or an alias, ignoring case, spaces and punctuation ("Tik
// Tok", "claude.ai"), or a URL or domain of its site ("https://www.coursera.org/about").
// A query that names several platforms equally well finds none; Suggest
// lists them.
func (c *Catalog) Lookup(query string) (Platform, bool) {
	q := strings.TrimSpace(query)
	if q == "" {
		return Platform{}, false
	}
	if i, ok := c.bySlug[strings.ToLower(q)]; ok {
		return c.platforms[i], true
	}
	if i, ok := c.exact[key(q)]; ok && i >= 0 {
		return c.platforms[i], true
	}
	if h := domainOf(q); h != "" {
		d := registrableDomain(h)
		for _, k := range []string{key(h), key(d)} {
			if i, ok := c.exact[k]; ok && i >= 0 {
				return c.platforms[i], true
			}
		}
		// A site the declarations do not fetch from, named like the
		// platform: www.reddit.com for Reddit, whose policies live on
		// redditinc.com.
		label, _, _ := strings.Cut(d, ".")
		if i, ok := c.exact[key(label)]; ok && i >= 0 && key(c.platforms[i].Name) == key(label) {
			return c.platforms[i], true
		}
	}
	return Platform{}, false
}

// Fill completes p with what the catalog knows about the platform of the same
// slug: its category and homepage when p has none, and its aliases. A
// platform the catalog does not know is returned unchanged.
func (c *Catalog) Fill(p Platform) Platform {
	i, ok := c.bySlug[p.Slug]
	if !ok {
		return p
	}
	known := c.platforms[i]
	if p.Category == "" {
		p.Category = known.Category
	}
	if p.Homepage == "" {
		p.Homepage = known.Homepage
	}
	p.Aliases = unionAliases(known.Aliases, p.Aliases)
	return p
}
