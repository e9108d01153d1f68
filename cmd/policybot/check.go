package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/monitor"
	"github.com/policybot/policybot/monitor/fetch"
	"github.com/policybot/policybot/store"
)

// runCheck fetches a platform's documents now, stores what it finds and
// prints per document what happened. Exit status 0 unless the command itself
// could not run: a page that fails to fetch is an outcome, not an error.
func runCheck(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("check")
	formatOpt := addFormat(fs, "output format", "text", "json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	format, err := formatOpt.get()
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"want one PLATFORM or URL"}
	}
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	mon := m.Monitor()
	p, err := m.resolvePlatform(ctx, mon, fs.Arg(0))
	if err != nil {
		return err
	}
	results, err := mon.CheckPlatform(ctx, p.ID)
	if err != nil {
		return err
	}
	return printResults(m.Stdout, format, results)
}

// resolvePlatform finds PLATFORM in the store, or imports it from the
// built-in catalog, or (for a URL) creates a custom platform for it.
func (m *Main) resolvePlatform(ctx context.Context, mon *monitor.Monitor, query string) (*store.Platform, error) {
	if strings.Contains(query, "://") {
		if err := mon.ValidateURL(ctx, query); err != nil {
			return nil, err
		}
		cp, err := catalog.CustomPlatform(query, nil)
		if err != nil {
			return nil, err
		}
		// One document per type and platform, shared by every channel that
		// tracks it: another page of the same site must not replace it.
		if existing, err := m.DB.PlatformBySlug(ctx, cp.Slug); err == nil {
			for docType, src := range cp.Documents {
				for _, d := range existing.Documents {
					if d.Type == docType && d.URL != src.Fetch {
						return nil, fmt.Errorf("%s's %s is already tracked from %s; check that page, or the platform by name", existing.Slug, d.Type, d.URL)
					}
				}
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if _, err := catalog.Import(ctx, m.DB, []catalog.Platform{cp}); err != nil {
			return nil, err
		}
		return m.DB.PlatformBySlug(ctx, cp.Slug)
	}
	cat := catalog.Builtin()
	slug := catalog.Slug(query)
	cp, inCatalog := cat.Lookup(query)
	if inCatalog {
		slug = cp.Slug
	}
	p, err := m.DB.PlatformBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) && inCatalog {
		// First time here: take the platform from the catalog. A platform the
		// store already has keeps its declaration (`catalog import` refreshes it).
		if _, err := catalog.Import(ctx, m.DB, []catalog.Platform{cp}); err != nil {
			return nil, err
		}
		p, err = m.DB.PlatformBySlug(ctx, slug)
	}
	if errors.Is(err, store.ErrNotFound) {
		msg := fmt.Sprintf("unknown platform %q", query)
		if s := cat.Suggest(query, 3); len(s) > 0 {
			names := make([]string, len(s))
			for i, c := range s {
				names[i] = c.Slug
			}
			msg += "; did you mean " + strings.Join(names, ", ") + "?"
		}
		return nil, errors.New(msg)
	}
	return p, err
}

// Monitor builds the monitor the CLI and the bot share.
func (m *Main) Monitor() *monitor.Monitor {
	if m.mon != nil {
		return m.mon
	}
	f := fetch.New(m.Config.Fetch, fetch.WithLogger(m.Logger))
	// Idle keep-alive connections to the sites checked would otherwise
	// outlive the Main (with two goroutines each) until they time out.
	m.onClose(func() error { f.Close(); return nil })
	opts := monitor.Options{
		Logger:   m.Logger,
		Interval: m.Config.CheckInterval,
		Jitter:   m.Config.CheckJitter,
	}
	if m.hooks != nil {
		opts.OnChange, opts.OnHealth = m.hooks()
	}
	if m.metrics != nil {
		opts.Observer = m.metrics
	}
	m.mon = monitor.New(m.DB, f, opts)
	return m.mon
}

func printResults(w io.Writer, format string, results []monitor.Result) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range results {
		line := fmt.Sprintf("%s / %s: %s", r.Platform, r.Document, r.Outcome)
		if r.Change != nil {
			line += fmt.Sprintf(" (change %d, %s", r.Change.ID, r.Change.Kind)
			if r.Change.Severity != "" {
				line += ", " + r.Change.Severity
			}
			line += ")"
			if r.Change.Headline != "" {
				line += "\n  " + r.Change.Headline
			}
		}
		if r.Error != "" {
			line += fmt.Sprintf(" [%s] %s", r.Reason, r.Error)
		}
		fmt.Fprintln(w, line)
	}
	return nil
}
