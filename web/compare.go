package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/store"
)

// maxCompare is how many platforms one comparison shows: one column each,
// and more than this is unreadable on a phone or a laptop alike.
const maxCompare = 6

// compareQuery is a parsed /compare query.
type compareQuery struct {
	Slugs    []string
	Category analysis.Category
	// Raw values, to refill the form.
	RawPlatforms, RawCategory string
}

// compareError is a query a person must fix; its message says how.
type compareError struct {
	code int
	msg  string
}

func (e *compareError) Error() string { return e.msg }

// parseCompare reads ?platforms=a,b,c&category=id. Both missing means "show
// the form"; (nil, nil) is returned then.
func parseCompare(q url.Values) (*compareQuery, error) {
	_, hasP := q["platforms"]
	_, hasC := q["category"]
	if !hasP && !hasC {
		return nil, nil
	}
	cq := &compareQuery{RawPlatforms: strings.Join(q["platforms"], ","), RawCategory: strings.TrimSpace(q.Get("category"))}
	if len(cq.RawPlatforms) > 1000 {
		return cq, &compareError{http.StatusBadRequest, "That list of platforms is too long."}
	}
	seen := map[string]bool{}
	for _, s := range strings.Split(cq.RawPlatforms, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" || seen[s] {
			continue
		}
		if !validSlug(s) {
			return cq, &compareError{http.StatusBadRequest, fmt.Sprintf("%q is not a platform name: use the short names from the platform list, separated by commas.", s)}
		}
		seen[s] = true
		cq.Slugs = append(cq.Slugs, s)
	}
	switch {
	case len(cq.Slugs) == 0:
		return cq, &compareError{http.StatusBadRequest, "Name at least one platform to compare, e.g. platforms=coursera,netflix."}
	case len(cq.Slugs) > maxCompare:
		return cq, &compareError{http.StatusBadRequest, fmt.Sprintf("Compare at most %d platforms at a time (you named %d).", maxCompare, len(cq.Slugs))}
	}
	if cq.RawCategory == "" {
		return cq, &compareError{http.StatusBadRequest, "Choose a provision category to compare."}
	}
	c, ok := analysis.CategoryByID(cq.RawCategory)
	if !ok {
		msg := fmt.Sprintf("%q is not a provision category.", cq.RawCategory)
		if sug := analysis.SuggestCategory(cq.RawCategory, 3); len(sug) > 0 {
			names := make([]string, len(sug))
			for i, s := range sug {
				names[i] = fmt.Sprintf("%s (%s)", s.ID, s.Name)
			}
			msg += " Did you mean " + strings.Join(names, ", or ") + "?"
		}
		return cq, &compareError{http.StatusBadRequest, msg}
	}
	cq.Category = c
	return cq, nil
}

// validSlug accepts the characters catalog slugs use.
func validSlug(s string) bool {
	if len(s) > 120 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// comparison is what /compare shows and /compare.json returns.
type comparison struct {
	Category    categoryRef              `json:"category"`
	Regulations []analysis.RegulationRef `json:"regulations"`
	Columns     []compareColumn          `json:"platforms"`
	// MostTypical lists the platforms that state the provision, the one
	// whose wording is closest to the others' first.
	MostTypical []string `json:"most_typical_first"`
	Missing     []string `json:"missing"`
}

type categoryRef struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Definition string `json:"definition"`
}

type compareColumn struct {
	Slug      string             `json:"slug"`
	Name      string             `json:"name"`
	URL       string             `json:"url"`
	Has       bool               `json:"has"`
	Provision *comparedProvision `json:"provision,omitempty"`
}

type comparedProvision struct {
	Document   string   `json:"document"`
	Heading    string   `json:"heading,omitempty"`
	Excerpt    string   `json:"excerpt"`
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence"`
}

// compare lines up the category across the platforms, in the order asked.
func (s *Server) compare(ctx context.Context, q *compareQuery) (*comparison, error) {
	cmp := &comparison{
		Category:    categoryRef{ID: q.Category.ID, Name: q.Category.Name, Definition: q.Category.Definition},
		Regulations: analysis.RegulationRefs(q.Category.ID),
	}
	byPlatform := map[string][]analysis.Provision{}
	type key struct {
		slug  string
		start int
		ex    string
	}
	docOf := map[key]string{}
	names := map[string]string{}
	for _, slug := range q.Slugs {
		p, err := s.db.PlatformBySlug(ctx, slug)
		if errors.Is(err, store.ErrNotFound) {
			return nil, &compareError{http.StatusNotFound, fmt.Sprintf("No platform is called %q here. The platform list has every one.", slug)}
		}
		if err != nil {
			return nil, err
		}
		names[slug] = p.Name
		types := map[uint]string{}
		for _, d := range p.Documents {
			types[d.ID] = d.Type
		}
		provs, err := s.db.Provisions(ctx, p.ID, q.Category.ID)
		if err != nil {
			return nil, err
		}
		ps := make([]analysis.Provision, 0, len(provs))
		for _, pr := range provs {
			ps = append(ps, analysis.Provision{Category: pr.Category, Heading: pr.Heading, Excerpt: pr.Excerpt,
				Start: pr.Start, End: pr.End, Confidence: pr.Confidence, Evidence: splitList(pr.Evidence)})
			docOf[key{slug, pr.Start, pr.Excerpt}] = types[pr.DocumentID]
		}
		byPlatform[slug] = ps
	}
	res := analysis.Compare(q.Category.ID, byPlatform)
	cmp.MostTypical, cmp.Missing = res.Platforms, res.Missing
	for _, slug := range q.Slugs {
		col := compareColumn{Slug: slug, Name: names[slug], URL: s.absURL("/platforms/" + slug)}
		if pr, ok := res.Have[slug]; ok {
			col.Has = true
			col.Provision = &comparedProvision{Document: docOf[key{slug, pr.Start, pr.Excerpt}], Heading: pr.Heading,
				Excerpt: pr.Excerpt, Confidence: pr.Confidence, Evidence: uniqueFold(pr.Evidence)}
		}
		cmp.Columns = append(cmp.Columns, col)
	}
	return cmp, nil
}

// compareView is the compare page: the form, and the result or the problem.
type compareView struct {
	Platforms  string
	Category   string
	Categories []analysis.Category
	Problem    string
	Result     *comparison
}

func (s *Server) handleCompare(w http.ResponseWriter, r *http.Request) {
	v := compareView{Categories: analysis.Taxonomy()}
	q, err := parseCompare(r.URL.Query())
	if q != nil {
		v.Platforms, v.Category = q.RawPlatforms, q.RawCategory
	}
	code := http.StatusOK
	if err == nil && q != nil {
		v.Result, err = s.compare(r.Context(), q)
	}
	var ce *compareError
	switch {
	case errors.As(err, &ce):
		code, v.Problem = ce.code, ce.msg
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	title := "Compare platforms"
	p := page{Title: title, Data: v}
	if v.Result != nil {
		names := make([]string, len(v.Result.Columns))
		for i, c := range v.Result.Columns {
			names[i] = c.Name
		}
		p.Title = fmt.Sprintf("%s: %s", v.Result.Category.Name, strings.Join(names, ", "))
		p.JSON = "/compare.json?" + r.URL.RawQuery
	}
	s.render(w, r, code, "compare", p)
}

func (s *Server) handleCompareJSON(w http.ResponseWriter, r *http.Request) {
	q, err := parseCompare(r.URL.Query())
	if err == nil && q == nil {
		err = &compareError{http.StatusBadRequest, "want ?platforms=a,b&category=ID"}
	}
	var cmp *comparison
	if err == nil {
		cmp, err = s.compare(r.Context(), q)
	}
	var ce *compareError
	switch {
	case errors.As(err, &ce):
		s.jsonFail(w, r, ce.code, ce.msg, nil)
		return
	case err != nil:
		s.jsonFail(w, r, http.StatusInternalServerError, "internal error", err)
		return
	}
	writeJSON(w, http.StatusOK, cmp)
}
