package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/policybot/policybot/store"
)

// historyEvent is one line of a document's history: a version, a
// verification, a failure or a change.
type historyEvent struct {
	At       time.Time `json:"at"`
	Event    string    `json:"event"` // version, verification, failure, change
	Platform string    `json:"platform"`
	Document string    `json:"document"`
	// Version events
	VersionID uint   `json:"version_id,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
	Technical bool   `json:"technical,omitempty"`
	Bytes     int    `json:"bytes,omitempty"`
	// Change events
	ChangeID uint   `json:"change_id,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Severity string `json:"severity,omitempty"`
	Headline string `json:"headline,omitempty"`
	URL      string `json:"url,omitempty"`
	// Verification and failure events
	NotModified bool   `json:"not_modified,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Error       string `json:"error,omitempty"`
	Status      int    `json:"http_status,omitempty"`
}

// runHistory prints a platform's versions, verifications, failures and
// changes, newest first.
func runHistory(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("history")
	formatOpt := addFormat(fs, "output format", "text", "json")
	limit := fs.Int("limit", 200, "at most this many events per document")
	if err := fs.Parse(args); err != nil {
		return err
	}
	format, err := formatOpt.get()
	if err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return usageError{"want PLATFORM [TYPE]"}
	}
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	p, err := m.DB.PlatformBySlug(ctx, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%s is not tracked here (run `policybot check %s` first): %w", fs.Arg(0), fs.Arg(0), err)
	}
	docType := strings.Join(fs.Args()[1:], " ")
	var events []historyEvent
	matched := false
	for _, d := range p.Documents {
		if docType != "" && !strings.EqualFold(d.Type, docType) {
			continue
		}
		matched = true
		evs, err := documentHistory(ctx, m, p, d, *limit)
		if err != nil {
			return err
		}
		events = append(events, evs...)
	}
	if !matched {
		types := make([]string, len(p.Documents))
		for i, d := range p.Documents {
			types[i] = d.Type
		}
		return fmt.Errorf("%s has no %q document (it has: %s)", p.Slug, docType, strings.Join(types, ", "))
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].At.After(events[j].At) })
	if format == "json" {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		if events == nil {
			events = []historyEvent{}
		}
		return enc.Encode(events)
	}
	if len(events) == 0 {
		fmt.Fprintf(m.Stdout, "%s: nothing captured yet\n", p.Slug)
		return nil
	}
	for _, e := range events {
		fmt.Fprintln(m.Stdout, e.text())
	}
	return nil
}

func documentHistory(ctx context.Context, m *Main, p *store.Platform, d store.Document, limit int) ([]historyEvent, error) {
	base := historyEvent{Platform: p.Slug, Document: d.Type}
	var out []historyEvent
	versions, err := m.DB.Versions(ctx, d.ID, limit, false)
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		e := base
		e.At, e.Event, e.VersionID, e.SHA256, e.Technical = v.CapturedAt, "version", v.ID, v.SHA256, v.Technical
		out = append(out, e)
	}
	changes, err := m.DB.Changes(ctx, d.ID, limit)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		e := base
		e.At, e.Event, e.ChangeID, e.Kind, e.Severity, e.Headline = c.DetectedAt, "change", c.ID, c.Kind, c.Severity, c.Headline
		e.URL = strings.TrimRight(m.Config.PublicURL, "/") + fmt.Sprintf("/changes/%d", c.ID)
		out = append(out, e)
	}
	checks, err := m.DB.Checks(ctx, d.ID, limit)
	if err != nil {
		return nil, err
	}
	for _, c := range checks {
		e := base
		e.At, e.Status = c.At, c.HTTPStatus
		switch c.Outcome {
		case store.OutcomeUnchanged:
			e.Event, e.NotModified = "verification", c.NotModified
		case store.OutcomeFailed:
			e.Event, e.Reason, e.Error = "failure", c.Reason, c.Error
		default:
			continue // first and changed checks are shown as their version and change
		}
		out = append(out, e)
	}
	return out, nil
}

func (e historyEvent) text() string {
	at := e.At.UTC().Format("2006-01-02 15:04")
	head := fmt.Sprintf("%s  %-12s %s / %s", at, e.Event, e.Platform, e.Document)
	switch e.Event {
	case "version":
		s := fmt.Sprintf("%s  v%d sha256:%s", head, e.VersionID, short(e.SHA256))
		if e.Technical {
			s += " (technical: re-extracted, not a policy change)"
		}
		return s
	case "change":
		s := fmt.Sprintf("%s  #%d %s", head, e.ChangeID, e.Kind)
		if e.Severity != "" {
			s += " " + e.Severity
		}
		if e.Headline != "" {
			s += " — " + e.Headline
		}
		return s + "  " + e.URL
	case "verification":
		if e.NotModified {
			return head + "  unchanged (304 Not Modified)"
		}
		return head + "  unchanged"
	default:
		return fmt.Sprintf("%s  %s: %s", head, e.Reason, e.Error)
	}
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
