package catalog

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/andybalholm/cascadia"
)

// Problem is one thing wrong with a declaration: the file, the field (as a
// path such as terms["Privacy Policy"].select[1]) and what is wrong with it.
type Problem struct {
	File    string
	Field   string
	Message string
}

// Error renders the problem as "File: Field: Message", leaving out the parts
// that are empty (a problem with the whole file has no field).
func (p Problem) Error() string {
	parts := make([]string, 0, 3)
	for _, s := range []string{p.File, p.Field, p.Message} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// Validate checks what the extractor will rely on: a name, at least one
// document, and for each document a page to fetch over http(s), selectors
// that parse as CSS, ranges with exactly one start and one end, and filters
// that are a name or a one-key {name: parameters} object. Problems name the
// field; File is left empty for the caller to fill.
func Validate(d Declaration) []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(d.Name) == "" {
		add("name", "missing")
	} else if Slug(d.Name) == "-" {
		add("name", "%q has no letter or digit to make a slug from", d.Name)
	}
	if len(d.Terms) == 0 {
		add("terms", "no documents")
	}
	types := make([]string, 0, len(d.Terms))
	for t := range d.Terms {
		types = append(types, t)
	}
	sortTypes(types)
	for _, t := range types {
		path := "terms[" + strconv.Quote(t) + "]"
		if strings.TrimSpace(t) == "" {
			add(path, "empty document type")
		}
		ps = append(ps, validateSource(path, d.Terms[t])...)
	}
	return ps
}

// validateSource checks one document's source; path names it in problems.
func validateSource(path string, s DocumentSource) []Problem {
	var ps []Problem
	switch {
	case len(s.Combine) > 0 && s.Fetch != "":
		ps = append(ps, Problem{Field: path, Message: "both fetch and combine: use fetch for one page, combine for several"})
	case len(s.Combine) == 0:
		ps = append(ps, validateFetch(path+".fetch", s.Fetch)...)
	}
	ps = append(ps, validateSelectors(path+".select", s.Select)...)
	ps = append(ps, validateSelectors(path+".remove", s.Remove)...)
	ps = append(ps, validateFilters(path+".filter", s.Filter)...)
	for i, pg := range s.Combine {
		pp := fmt.Sprintf("%s.combine[%d]", path, i)
		ps = append(ps, validateFetch(pp+".fetch", pg.Fetch)...)
		ps = append(ps, validateSelectors(pp+".select", pg.Select)...)
		ps = append(ps, validateSelectors(pp+".remove", pg.Remove)...)
		ps = append(ps, validateFilters(pp+".filter", pg.Filter)...)
	}
	return ps
}

func validateFetch(field, fetch string) []Problem {
	if strings.TrimSpace(fetch) == "" {
		return []Problem{{Field: field, Message: "missing"}}
	}
	u, err := url.Parse(fetch)
	if err != nil {
		return []Problem{{Field: field, Message: fmt.Sprintf("%q is not a URL: %v", fetch, err)}}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return []Problem{{Field: field, Message: fmt.Sprintf("%q is not an absolute http(s) URL", fetch)}}
	}
	return nil
}

// validateSelectors checks each selector. A single selector is named by the
// field alone; in a list each is named by its index, as in the JSON.
func validateSelectors(field string, ss Selectors) []Problem {
	var ps []Problem
	for i, s := range ss {
		f := field
		if len(ss) > 1 {
			f = fmt.Sprintf("%s[%d]", field, i)
		}
		if !s.IsRange() {
			if p, ok := checkCSS(f, s.CSS); !ok {
				ps = append(ps, p)
			}
			continue
		}
		starts, ends := 0, 0
		for _, part := range []struct {
			name, css string
			start     bool
		}{
			{"startBefore", s.StartBefore, true}, {"startAfter", s.StartAfter, true},
			{"endBefore", s.EndBefore, false}, {"endAfter", s.EndAfter, false},
		} {
			if part.css == "" {
				continue
			}
			if part.start {
				starts++
			} else {
				ends++
			}
			if p, ok := checkCSS(f+"."+part.name, part.css); !ok {
				ps = append(ps, p)
			}
		}
		if starts != 1 {
			ps = append(ps, Problem{Field: f, Message: fmt.Sprintf("range needs exactly one of startBefore and startAfter, has %d", starts)})
		}
		if ends != 1 {
			ps = append(ps, Problem{Field: f, Message: fmt.Sprintf("range needs exactly one of endBefore and endAfter, has %d", ends)})
		}
	}
	return ps
}

// checkCSS parses css the way the extractor will (cascadia, through goquery).
func checkCSS(field, css string) (Problem, bool) {
	if strings.TrimSpace(css) == "" {
		return Problem{Field: field, Message: "empty CSS selector"}, false
	}
	if _, err := cascadia.ParseGroup(css); err != nil {
		return Problem{Field: field, Message: fmt.Sprintf("invalid CSS selector %q: %v", css, err)}, false
	}
	return Problem{}, true
}

func validateFilters(field string, fs Filters) []Problem {
	var ps []Problem
	for i, f := range fs {
		if _, _, ok := ParseFilter(f); !ok {
			ps = append(ps, Problem{Field: fmt.Sprintf("%s[%d]", field, i),
				Message: fmt.Sprintf("%q is neither a filter name nor a one-key {name: parameters} object", f)})
		}
	}
	return ps
}

// sortProblems orders problems by file, then field, for stable reports.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Field < ps[j].Field
	})
}
