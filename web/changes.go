package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/store"
)

// changeRecord is a change with everything its page and its JSON show.
type changeRecord struct {
	ID         uint                    `json:"id"`
	URL        string                  `json:"url"`
	Platform   platformRef             `json:"platform"`
	Document   documentRef             `json:"document"`
	DetectedAt time.Time               `json:"detected_at"`
	Kind       string                  `json:"kind"`
	Severity   string                  `json:"severity,omitempty"`
	Headline   string                  `json:"headline,omitempty"`
	Summary    *analysis.ChangeSummary `json:"summary,omitempty"`
	Diff       *diff.Result            `json:"diff,omitempty"`
	Evidence   evidence                `json:"evidence"`
	Cite       string                  `json:"cite"`

	// For the page only.
	Items    []itemView    `json:"-"`
	KindNote string        `json:"-"`
	Sections []diffSection `json:"-"`
	// Cosmetic counts the edits folded away, Substantive the ones shown.
	Cosmetic, Substantive int `json:"-"`
}

type platformRef struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

type documentRef struct {
	Type string `json:"type"`
	// URL is where the document is fetched from.
	URL string `json:"url"`
}

// evidence is what lets a reader check the record: where the text came
// from, when, and the hashes of what was captured.
type evidence struct {
	SourceURL string        `json:"source_url"`
	Before    *versionProof `json:"before,omitempty"`
	After     versionProof  `json:"after"`
}

type versionProof struct {
	VersionID  uint            `json:"version_id"`
	CapturedAt time.Time       `json:"captured_at"`
	TextSHA256 string          `json:"text_sha256"`
	TextBytes  int             `json:"text_bytes"`
	Technical  bool            `json:"technical,omitempty"`
	Snapshots  []AuditSnapshot `json:"snapshots"`
}

// kindNotes say, for a busy reader, why a change that is not substantive
// was not announced.
var kindNotes = map[string]string{
	store.KindCosmetic:  "Only formatting, punctuation, dates or links changed. Recorded, not announced.",
	store.KindTechnical: "Re-extracted from stored captures after an extractor update. Not a policy change.",
	store.KindReverted:  "The text went back to an earlier version: recorded as flapping, not announced.",
}

// parseID reads a positive decimal id, as the path gives it.
func parseID(s string) (uint, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	return uint(n), true
}

func (s *Server) handleChange(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	asJSON := strings.HasSuffix(raw, ".json")
	id, ok := parseID(strings.TrimSuffix(raw, ".json"))
	if !ok {
		msg := fmt.Sprintf("%q is not a change number. Change records are at /changes/NUMBER, as linked from alerts.", raw)
		if asJSON {
			s.jsonFail(w, r, http.StatusBadRequest, msg, nil)
			return
		}
		s.badRequest(w, r, msg)
		return
	}
	rec, err := s.loadChange(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		msg := fmt.Sprintf("There is no change #%d. Change numbers are never reused, so the link may be mistyped.", id)
		if asJSON {
			s.jsonFail(w, r, http.StatusNotFound, msg, nil)
			return
		}
		s.notFound(w, r, msg)
		return
	case err != nil:
		if asJSON {
			s.jsonFail(w, r, http.StatusInternalServerError, "internal error", err)
			return
		}
		s.serverError(w, r, err)
		return
	}
	if asJSON {
		body, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			s.jsonFail(w, r, http.StatusInternalServerError, "internal error", err)
			return
		}
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"canonical\"", rec.URL))
		serveConditional(w, r, "application/json; charset=utf-8", rec.DetectedAt, append(body, '\n'))
		return
	}
	title := rec.Headline
	if title == "" {
		title = fmt.Sprintf("%s %s: %s change", rec.Platform.Name, rec.Document.Type, rec.Kind)
	}
	s.render(w, r, http.StatusOK, "change", page{
		Title:       fmt.Sprintf("Change #%d · %s", rec.ID, title),
		Description: title,
		Canonical:   rec.URL,
		JSON:        fmt.Sprintf("/changes/%d.json", rec.ID),
		Feed:        "/platforms/" + rec.Platform.Slug + "/feed.atom",
		Data:        rec,
	})
}

// loadChange reads a change with its versions' proofs and decodes its
// summary and diff.
func (s *Server) loadChange(ctx context.Context, id uint) (*changeRecord, error) {
	c, err := s.db.Change(ctx, id)
	if err != nil {
		return nil, err
	}
	p := c.Document.Platform
	rec := &changeRecord{
		ID:         c.ID,
		URL:        s.changeURL(c.ID),
		Platform:   platformRef{Slug: p.Slug, Name: p.Name, URL: s.absURL("/platforms/" + p.Slug)},
		Document:   documentRef{Type: c.Document.Type, URL: c.Document.URL},
		DetectedAt: c.DetectedAt.UTC(),
		Kind:       c.Kind,
		Severity:   c.Severity,
		Headline:   c.Headline,
		KindNote:   kindNotes[c.Kind],
	}
	if c.Summary != "" {
		var sum analysis.ChangeSummary
		if err := json.Unmarshal([]byte(c.Summary), &sum); err != nil {
			return nil, fmt.Errorf("change %d: decode summary: %w", id, err)
		}
		rec.Summary = &sum
		rec.Items = itemViews(sum.Items)
	}
	if c.Diff != "" {
		var d diff.Result
		if err := json.Unmarshal([]byte(c.Diff), &d); err != nil {
			return nil, fmt.Errorf("change %d: decode diff: %w", id, err)
		}
		rec.Diff = &d
		rec.Sections, rec.Substantive, rec.Cosmetic = diffSections(d)
	}
	rec.Evidence.SourceURL = c.Document.URL
	after, err := s.proof(ctx, &c.ToVersion)
	if err != nil {
		return nil, err
	}
	rec.Evidence.After = *after
	if c.FromVersion != nil {
		before, err := s.proof(ctx, c.FromVersion)
		if err != nil {
			return nil, err
		}
		rec.Evidence.Before = before
	}
	if rec.Evidence.SourceURL == "" && len(after.Snapshots) > 0 {
		rec.Evidence.SourceURL = after.Snapshots[0].URL
	}
	rec.Cite = fmt.Sprintf("%s, %s — change #%d, detected %s. policybot change record, %s",
		p.Name, c.Document.Type, c.ID, rec.DetectedAt.Format("2 January 2006 15:04 UTC"), rec.URL)
	return rec, nil
}

func (s *Server) proof(ctx context.Context, v *store.Version) (*versionProof, error) {
	pr := &versionProof{VersionID: v.ID, CapturedAt: v.CapturedAt.UTC(), TextSHA256: v.SHA256,
		TextBytes: len(v.Text), Technical: v.Technical, Snapshots: []AuditSnapshot{}}
	snaps, err := s.db.SnapshotsByIDs(ctx, store.SplitIDs(v.SnapshotIDs))
	if err != nil {
		return nil, err
	}
	for _, sn := range snaps {
		pr.Snapshots = append(pr.Snapshots, snapshotEvidence(sn, s.absURL("")))
	}
	return pr, nil
}
