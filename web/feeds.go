package web

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/store"
)

// feedLimit is how many entries a feed carries: enough for a reader that
// polls weekly, small enough to fetch often.
const feedLimit = 50

// Atom (RFC 4287) elements, as much as the feeds use.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Summary    atomText       `xml:"summary"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

func (s *Server) handlePlatformFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slug := r.PathValue("slug")
	p, err := s.db.PlatformBySlug(ctx, slug)
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, "No platform is called that here.", http.StatusNotFound)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	changes, err := s.db.PlatformChanges(ctx, p.ID, []string{store.KindSubstantive}, feedLimit)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	self := s.absURL("/platforms/" + p.Slug + "/feed.atom")
	f := atomFeed{
		ID:       self,
		Title:    p.Name + ": policy changes",
		Subtitle: fmt.Sprintf("Substantive changes to %s's privacy policy, terms and other tracked documents.", p.Name),
		Links:    []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: s.absURL("/platforms/" + p.Slug)}},
	}
	s.serveFeed(w, r, f, changes, p.UpdatedAt)
}

// handleChannelFeed serves /feeds/{token}.atom: what one chat channel is
// alerted of. The token is the only credential, so an unknown or malformed
// one is a bare 404 that says nothing about which tokens exist.
func (s *Server) handleChannelFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
	if !ok || !validToken(token) {
		http.NotFound(w, r)
		return
	}
	ch, err := s.db.ChannelByFeedToken(ctx, token)
	switch {
	case errors.Is(err, store.ErrNotFound):
		http.NotFound(w, r)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	subs, err := s.db.ChannelSubscriptions(ctx, ch.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	modified := ch.UpdatedAt
	var ids []uint
	bySub := map[uint]store.Subscription{}
	for _, sub := range subs {
		if sub.UpdatedAt.After(modified) {
			modified = sub.UpdatedAt
		}
		if sub.Muted {
			continue // the feed mirrors the channel's alerts
		}
		ids = append(ids, sub.PlatformID)
		bySub[sub.PlatformID] = sub
	}
	// Read more than the limit: some are filtered out by type and severity.
	changes, err := s.db.ChangesOfPlatforms(ctx, ids, []string{store.KindSubstantive}, feedLimit*4)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var kept []store.Change
	for _, c := range changes {
		sub := bySub[c.Document.PlatformID]
		min := orDefault(sub.MinSeverity, ch.MinSeverity)
		if !sub.Covers(c.Document.Type) || !atLeast(c.Severity, min) {
			continue
		}
		if kept = append(kept, c); len(kept) == feedLimit {
			break
		}
	}
	self := s.absURL("/feeds/" + token + ".atom")
	name := ch.Name
	if name == "" {
		name = "your channel"
	} else if !strings.HasPrefix(name, "#") {
		name = "#" + name
	}
	f := atomFeed{
		ID:       self,
		Title:    "Policy changes for " + name,
		Subtitle: "The changes this channel is alerted of, from the platforms it tracks.",
		Links:    []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}},
	}
	// The feed reveals what a team watches: no shared caches.
	w.Header().Set("Cache-Control", "private, no-cache")
	s.serveFeed(w, r, f, kept, modified)
}

// validToken accepts what store tokens look like (hex), so junk never
// reaches the database.
func validToken(t string) bool {
	if len(t) < 16 || len(t) > 64 {
		return false
	}
	for _, r := range t {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// atLeast reports whether severity sev reaches min; an unknown minimum lets
// everything through.
func atLeast(sev, min string) bool {
	m := analysis.Severity(min).Rank()
	return m == 0 || analysis.Severity(sev).Rank() >= m
}

// serveFeed fills the entries and answers conditionally. Last-Modified is
// the newest of the entries and of since (the feed's own settings).
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, f atomFeed, changes []store.Change, since time.Time) {
	modified := since
	for _, c := range changes {
		if c.DetectedAt.After(modified) {
			modified = c.DetectedAt
		}
		f.Entries = append(f.Entries, s.entry(c))
	}
	if modified.IsZero() {
		modified = time.Unix(0, 0)
	}
	f.Updated = modified.UTC().Format(time.RFC3339)
	f.Author = atomPerson{Name: "policybot"}
	f.Generator = "policybot"
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		s.serverError(w, r, fmt.Errorf("encode feed: %w", err))
		return
	}
	buf.WriteByte('\n')
	serveConditional(w, r, "application/atom+xml; charset=utf-8", modified, buf.Bytes())
}

// entry is a change as a feed entry. Its id is the change record's address:
// stable (change ids are never reused) and citable.
func (s *Server) entry(c store.Change) atomEntry {
	rec := s.changeURL(c.ID)
	at := c.DetectedAt.UTC().Format(time.RFC3339)
	title := c.Headline
	if title == "" {
		title = fmt.Sprintf("%s %s changed", c.Document.Platform.Name, c.Document.Type)
	}
	e := atomEntry{
		ID: rec, Title: title, Updated: at, Published: at,
		Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: rec},
			{Rel: "related", Type: "application/json", Href: rec + ".json"}},
	}
	summary := fmt.Sprintf("%s. %s, %s.", severityWord(c.Severity), c.Document.Platform.Name, c.Document.Type)
	for _, cat := range splitList(c.Categories) {
		e.Categories = append(e.Categories, atomCategory{Term: cat, Label: categoryName(cat)})
	}
	if len(e.Categories) > 0 {
		names := make([]string, len(e.Categories))
		for i, cat := range e.Categories {
			names[i] = cat.Label
		}
		summary += " Provisions: " + strings.Join(names, ", ") + "."
	}
	e.Summary = atomText{Type: "text", Body: summary}
	return e
}
