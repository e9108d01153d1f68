package catalog

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/policybot/policybot/store"
)

// PrivacyPolicy is the document type listed first everywhere: it is the one
// most people ask about.
const PrivacyPolicy = "Privacy Policy"

// Platform is an online service and where each of its legal documents lives.
type Platform struct {
	Slug     string   `json:"slug"`
	Name     string   `json:"name"`
	Aliases  []string `json:"aliases,omitempty"`
	Category string   `json:"category,omitempty"`
	Homepage string   `json:"homepage,omitempty"`
	// Documents holds each document's source by Open Terms Archive document
	// type, e.g. "Privacy Policy", "Terms of Service".
	Documents map[string]DocumentSource `json:"documents"`
	// History holds earlier sources per document type; it may be nil.
	History History `json:"history,omitempty"`
	// Collection names where the facts came from, for credit: the Open Terms
	// Archive collection(s), the one whose documents won first.
	Collection string `json:"collection,omitempty"`
	// DocumentCollections records, when several collections declare the
	// service, which one each document came from.
	DocumentCollections map[string]string `json:"documentCollections,omitempty"`
}

// DocumentTypes returns the platform's document types, Privacy Policy first
// and the rest in alphabetical order.
func (p Platform) DocumentTypes() []string {
	types := make([]string, 0, len(p.Documents))
	for t := range p.Documents {
		types = append(types, t)
	}
	sortTypes(types)
	return types
}

func sortTypes(types []string) {
	sort.Slice(types, func(i, j int) bool {
		a, b := types[i], types[j]
		if (a == PrivacyPolicy) != (b == PrivacyPolicy) {
			return a == PrivacyPolicy
		}
		return a < b
	})
}

// Records turns the platform into the store's rows: the platform and one
// document per type, each carrying its declaration and history as JSON.
// Monitoring state is left zero; UpsertPlatform keeps what the store has.
func (p Platform) Records() (store.Platform, []store.Document) {
	sp := store.Platform{
		Slug:     p.Slug,
		Name:     p.Name,
		Aliases:  strings.ToLower(strings.Join(p.Aliases, ",")),
		Category: p.Category,
		Homepage: p.Homepage,
		Custom:   p.Collection == "custom",
	}
	types := p.DocumentTypes()
	docs := make([]store.Document, 0, len(types))
	for _, t := range types {
		src := p.Documents[t]
		decl, err := json.Marshal(src)
		if err != nil {
			// Every field of DocumentSource marshals; this cannot happen.
			panic(fmt.Sprintf("catalog: encode %s %s: %v", p.Slug, t, err))
		}
		hist := p.History[t]
		if hist == nil {
			hist = []HistoricalSource{}
		}
		histJSON, err := json.Marshal(hist)
		if err != nil {
			panic(fmt.Sprintf("catalog: encode %s %s history: %v", p.Slug, t, err))
		}
		var first string
		if pages := src.Pages(); len(pages) > 0 {
			first = pages[0].Fetch
		}
		docs = append(docs, store.Document{
			Type:               t,
			Declaration:        string(decl),
			DeclarationHistory: string(histJSON),
			URL:                first,
		})
	}
	return sp, docs
}

// FromRecords rebuilds a platform from the store's rows, for platforms that
// exist only there (imported from a folder or added from a URL). A document
// whose declaration does not decode is left out and reported in the error;
// the rest of the platform is returned all the same.
func FromRecords(sp store.Platform, docs []store.Document) (Platform, error) {
	p := Platform{
		Slug:      sp.Slug,
		Name:      sp.Name,
		Category:  sp.Category,
		Homepage:  sp.Homepage,
		Documents: make(map[string]DocumentSource, len(docs)),
	}
	if sp.Aliases != "" {
		p.Aliases = strings.Split(sp.Aliases, ",")
	}
	var bad []string
	for _, d := range docs {
		var src DocumentSource
		if err := json.Unmarshal([]byte(d.Declaration), &src); err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", d.Type, err))
			continue
		}
		p.Documents[d.Type] = src
		if d.DeclarationHistory == "" {
			continue
		}
		var hist []HistoricalSource
		if err := json.Unmarshal([]byte(d.DeclarationHistory), &hist); err != nil {
			bad = append(bad, fmt.Sprintf("%s history: %v", d.Type, err))
			continue
		}
		if len(hist) > 0 {
			if p.History == nil {
				p.History = History{}
			}
			p.History[d.Type] = hist
		}
	}
	if len(bad) > 0 {
		return p, fmt.Errorf("catalog: platform %s: undecodable declaration(s): %s", sp.Slug, strings.Join(bad, "; "))
	}
	return p, nil
}

// firstFetch returns the first URL any of the platform's documents fetches,
// Privacy Policy first, or "" when none does.
func (p Platform) firstFetch() string {
	for _, t := range p.DocumentTypes() {
		for _, pg := range p.Documents[t].Pages() {
			if pg.Fetch != "" {
				return pg.Fetch
			}
		}
	}
	return ""
}

// homepageOf returns the scheme and host of rawURL, or "" when it has none.
func homepageOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
