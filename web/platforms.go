package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/store"
)

// changeRow is a change in a listing.
type changeRow struct {
	ID         uint
	DetectedAt time.Time
	Platform   string
	Slug       string
	Document   string
	Kind       string
	Severity   string
	Headline   string
}

func changeRows(cs []store.Change) []changeRow {
	rows := make([]changeRow, 0, len(cs))
	for _, c := range cs {
		rows = append(rows, changeRow{ID: c.ID, DetectedAt: c.DetectedAt, Platform: c.Document.Platform.Name,
			Slug: c.Document.Platform.Slug, Document: c.Document.Type, Kind: c.Kind, Severity: c.Severity, Headline: c.Headline})
	}
	return rows
}

// platformRow is a platform in a listing.
type platformRow struct {
	Slug, Name, Category string
	Documents            int
	Stat                 store.PlatformStat
}

type indexView struct {
	Tracked []platformRow
	Recent  []changeRow
}

// listed: a platform a team added from a URL (Custom) is not listed on the
// index or the platform list, because the list would tell anyone which
// services some team watches. Its pages and change records still answer
// at their addresses, which alerts link to.

// recentLimit bounds the changes on the index page.
const recentLimit = 25

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	stats, err := s.db.PlatformStats(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ids := make([]uint, 0, len(stats))
	for id := range stats {
		ids = append(ids, id)
	}
	ps, err := s.db.PlatformsByIDs(ctx, ids)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var v indexView
	for _, p := range ps {
		if p.Custom {
			continue // see listed
		}
		v.Tracked = append(v.Tracked, platformRow{Slug: p.Slug, Name: p.Name, Category: p.Category, Stat: *stats[p.ID]})
	}
	// Most recently changed first: that is what a visitor came to see.
	sort.SliceStable(v.Tracked, func(i, j int) bool {
		a, b := v.Tracked[i].Stat.LastChangeAt, v.Tracked[j].Stat.LastChangeAt
		switch {
		case a != nil && b != nil && !a.Equal(*b):
			return a.After(*b)
		case (a == nil) != (b == nil):
			return a != nil
		}
		return v.Tracked[i].Name < v.Tracked[j].Name
	})
	recent, err := s.db.RecentChanges(ctx, []string{store.KindSubstantive}, recentLimit)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	shown := recent[:0]
	for _, c := range recent {
		if !c.Document.Platform.Custom {
			shown = append(shown, c)
		}
	}
	v.Recent = changeRows(shown)
	s.render(w, r, http.StatusOK, "index", page{Title: "Policy changes", Canonical: s.absURL("/"),
		Description: "What changed in the privacy policies and terms of the platforms tracked here.", Data: v})
}

type platformsView struct {
	Query     string
	Platforms []platformRow
}

func (s *Server) handlePlatforms(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 100 {
		s.badRequest(w, r, "That search is too long: try a platform's name.")
		return
	}
	ps, err := s.db.ListPlatforms(ctx, q)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	stats, err := s.db.PlatformStats(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := platformsView{Query: q}
	for _, p := range ps {
		if p.Custom {
			continue // see listed
		}
		row := platformRow{Slug: p.Slug, Name: p.Name, Category: p.Category, Documents: len(p.Documents)}
		if st := stats[p.ID]; st != nil {
			row.Stat = *st
		}
		v.Platforms = append(v.Platforms, row)
	}
	s.render(w, r, http.StatusOK, "platforms", page{Title: "Platforms", Canonical: s.absURL("/platforms"), Data: v})
}

// platformView is the platform page.
type platformView struct {
	Platform   platformRef
	Category   string
	Homepage   string
	Documents  []documentView
	Provisions []provisionGroup
	Timeline   timeline
	Changes    []changeRow
}

type documentView struct {
	Type          string
	URL           string
	Health        string
	LastCheckAt   *time.Time
	LastSuccessAt *time.Time
	LastError     string
	Versions      int
	Changes       int
}

// provisionGroup is a category's current provisions on one platform.
type provisionGroup struct {
	Category   string
	Name       string
	Definition string
	Items      []provisionItem
}

type provisionItem struct {
	Document   string
	Heading    string
	Excerpt    string
	Confidence float64
	Evidence   []string
}

// maxTimelineVersions bounds the versions drawn per document.
const maxTimelineVersions = 500

func (s *Server) handlePlatform(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	raw := r.PathValue("slug")
	if slug, ok := strings.CutSuffix(raw, ".json"); ok {
		s.platformJSON(w, r, slug)
		return
	}
	p, err := s.db.PlatformBySlug(ctx, raw)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, fmt.Sprintf("No platform is called %q here. The platform list has every one.", raw))
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	v := platformView{
		Platform: platformRef{Slug: p.Slug, Name: p.Name, URL: s.absURL("/platforms/" + p.Slug)},
		Category: p.Category, Homepage: p.Homepage,
	}
	changes, err := s.db.PlatformChanges(ctx, p.ID, nil, 0)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	byVersion := map[uint]store.Change{}
	changesOf := map[uint]int{}
	for _, c := range changes {
		byVersion[c.ToVersionID] = c
		if c.Kind == store.KindSubstantive {
			changesOf[c.DocumentID]++
			v.Changes = append(v.Changes, changeRows([]store.Change{c})...)
		}
	}
	docType := map[uint]string{}
	var lanes []timelineLane
	for _, d := range p.Documents {
		docType[d.ID] = d.Type
		versions, err := s.db.Versions(ctx, d.ID, maxTimelineVersions, false)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Documents = append(v.Documents, documentView{Type: d.Type, URL: d.URL, Health: d.Health,
			LastCheckAt: d.LastCheckAt, LastSuccessAt: d.LastSuccessAt, LastError: d.LastError,
			Versions: len(versions), Changes: changesOf[d.ID]})
		lanes = append(lanes, timelineLane{Document: d.Type, Versions: versions})
	}
	v.Timeline = drawTimeline(lanes, byVersion)
	provs, err := s.db.Provisions(ctx, p.ID, "")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Provisions = groupProvisions(provs, docType)
	s.render(w, r, http.StatusOK, "platform", page{
		Title:       p.Name + " · policies",
		Description: fmt.Sprintf("%s's tracked documents, what they provide, and every change.", p.Name),
		Canonical:   v.Platform.URL,
		Feed:        "/platforms/" + p.Slug + "/feed.atom",
		JSON:        "/platforms/" + p.Slug + ".json",
		Data:        v,
	})
}

// groupProvisions orders provisions by the taxonomy, most confident first
// within a category.
func groupProvisions(provs []store.Provision, docType map[uint]string) []provisionGroup {
	order := map[string]int{}
	for i, c := range analysis.Taxonomy() {
		order[c.ID] = i
	}
	groups := map[string]*provisionGroup{}
	var ids []string
	for _, pr := range provs {
		g := groups[pr.Category]
		if g == nil {
			g = &provisionGroup{Category: pr.Category, Name: pr.Category}
			if c, ok := analysis.CategoryByID(pr.Category); ok {
				g.Name, g.Definition = c.Name, c.Definition
			}
			groups[pr.Category] = g
			ids = append(ids, pr.Category)
		}
		g.Items = append(g.Items, provisionItem{Document: docType[pr.DocumentID], Heading: pr.Heading, Excerpt: pr.Excerpt,
			Confidence: pr.Confidence, Evidence: uniqueFold(splitList(pr.Evidence))})
	}
	sort.SliceStable(ids, func(i, j int) bool {
		oi, iok := order[ids[i]]
		oj, jok := order[ids[j]]
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return ids[i] < ids[j]
	})
	out := make([]provisionGroup, 0, len(ids))
	for _, id := range ids {
		g := groups[id]
		sort.SliceStable(g.Items, func(i, j int) bool { return g.Items[i].Confidence > g.Items[j].Confidence })
		out = append(out, *g)
	}
	return out
}

func (s *Server) platformJSON(w http.ResponseWriter, r *http.Request, slug string) {
	a, err := BuildAudit(r.Context(), s.db, slug, s.publicURL, s.now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.jsonFail(w, r, http.StatusNotFound, fmt.Sprintf("no platform is called %q here", slug), nil)
		return
	case err != nil:
		s.jsonFail(w, r, http.StatusInternalServerError, "internal error", err)
		return
	}
	// GeneratedAt would change the body at every request; the conditional
	// answer is about the data, so it is left out of the hash's input.
	generated := a.GeneratedAt
	a.GeneratedAt = time.Time{}
	var probe bytes.Buffer
	_ = a.WriteJSON(&probe)
	a.GeneratedAt = generated
	var buf bytes.Buffer
	if err := a.WriteJSON(&buf); err != nil {
		s.jsonFail(w, r, http.StatusInternalServerError, "internal error", err)
		return
	}
	w.Header().Set("ETag", etagOf(probe.Bytes()))
	serveConditional(w, r, "application/json; charset=utf-8", auditModified(a), buf.Bytes())
}

// auditModified is the newest time in an audit: its last check, capture or
// change.
func auditModified(a *Audit) time.Time {
	var t time.Time
	for _, d := range a.Documents {
		if d.LastCheckAt != nil && d.LastCheckAt.After(t) {
			t = *d.LastCheckAt
		}
		for _, v := range d.Versions {
			if v.CapturedAt.After(t) {
				t = v.CapturedAt
			}
		}
		for _, c := range d.Changes {
			if c.DetectedAt.After(t) {
				t = c.DetectedAt
			}
		}
	}
	return t
}

// uniqueFold drops repeats that differ only in case: the classifier lists a
// cue each time it fires, a reader needs it once.
func uniqueFold(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := list[:0:0]
	for _, s := range list {
		k := strings.ToLower(strings.Trim(s, `"'“”`))
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}
