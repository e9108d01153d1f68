package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/commands"
	"github.com/policybot/policybot/store"
)

// runProvisions prints a platform's provisions from the store's index,
// grouped by category, with excerpts.
func runProvisions(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("provisions")
	formatOpt := addFormat(fs, "output format", "text", "json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	format, err := formatOpt.get()
	if err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return usageError{"want PLATFORM [CATEGORY]"}
	}
	category := ""
	if fs.NArg() == 2 {
		c, err := categoryArg(fs.Arg(1))
		if err != nil {
			return err
		}
		category = c
	}
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	p, err := m.storedPlatform(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	ps, err := commands.PlatformProvisions(ctx, m.DB, p.ID, category)
	if err != nil {
		return err
	}
	if format == "json" {
		if ps == nil {
			ps = []analysis.Provision{}
		}
		return writeJSON(m.Stdout, map[string]any{"platform": p.Slug, "category": category, "provisions": ps})
	}
	if len(ps) == 0 {
		fmt.Fprintf(m.Stdout, "%s: no provisions indexed%s (they are indexed when a document is captured: policybot check %s)\n",
			p.Slug, categorySuffix(category), p.Slug)
		return nil
	}
	last := ""
	for _, pr := range ps {
		if pr.Category != last {
			fmt.Fprintf(m.Stdout, "\n%s (%s)\n", categoryDisplay(pr.Category), pr.Category)
			last = pr.Category
		}
		fmt.Fprintf(m.Stdout, "  - %s\n", provisionLine(pr))
	}
	return nil
}

// runCompare lines platforms up on one category (or shows which categories
// each covers when none is given).
func runCompare(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("compare")
	formatOpt := addFormat(fs, "output format", "text", "json")
	categoryFlag := fs.String("category", "", "provision category id, e.g. third_party_sharing")
	platformArgs, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	format, err := formatOpt.get()
	if err != nil {
		return err
	}
	if len(platformArgs) < 2 {
		return usageError{"want at least two platforms"}
	}
	category := ""
	if *categoryFlag != "" {
		c, err := categoryArg(*categoryFlag)
		if err != nil {
			return err
		}
		category = c
	}
	if err := m.OpenStore(ctx); err != nil {
		return err
	}
	var platforms []*store.Platform
	for _, q := range platformArgs {
		p, err := m.storedPlatform(ctx, q)
		if err != nil {
			return err
		}
		platforms = append(platforms, p)
	}
	if category == "" {
		return compareCoverage(ctx, m, format, platforms)
	}
	cmp, err := commands.ComparePlatforms(ctx, m.DB, platforms, category)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(m.Stdout, cmp)
	}
	fmt.Fprintf(m.Stdout, "%s (%s): %d of %d platforms say something\n", categoryDisplay(category), category, len(cmp.Platforms), len(platforms))
	for _, name := range cmp.Platforms {
		fmt.Fprintf(m.Stdout, "\n%s\n  %s\n", name, provisionLine(cmp.Have[name]))
	}
	if len(cmp.Missing) > 0 {
		fmt.Fprintf(m.Stdout, "\nnothing found: %s\n", strings.Join(cmp.Missing, ", "))
	}
	return nil
}

// compareCoverage shows which categories each platform states.
func compareCoverage(ctx context.Context, m *Main, format string, platforms []*store.Platform) error {
	coverage := map[string][]string{}
	var order []string
	for _, p := range platforms {
		ps, err := commands.PlatformProvisions(ctx, m.DB, p.ID, "")
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, pr := range ps {
			if seen[pr.Category] {
				continue
			}
			seen[pr.Category] = true
			if _, ok := coverage[pr.Category]; !ok {
				order = append(order, pr.Category)
			}
			coverage[pr.Category] = append(coverage[pr.Category], p.Slug)
		}
	}
	if format == "json" {
		return writeJSON(m.Stdout, coverage)
	}
	for _, c := range order {
		fmt.Fprintf(m.Stdout, "%-32s %s\n", c, strings.Join(coverage[c], ", "))
	}
	fmt.Fprintln(m.Stdout, "\nname one with --category to compare the excerpts side by side")
	return nil
}

// storedPlatform finds a platform the store has captured.
func (m *Main) storedPlatform(ctx context.Context, q string) (*store.Platform, error) {
	slug := catalog.Slug(q)
	if cp, ok := catalog.Builtin().Lookup(q); ok {
		slug = cp.Slug
	}
	p, err := m.DB.PlatformBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%s has not been captured here yet (run `policybot check %s` first)", q, q)
	}
	return p, err
}

// categoryArg resolves a category id or name, with a "did you mean".
func categoryArg(q string) (string, error) {
	if c, ok := analysis.CategoryByID(q); ok {
		return c.ID, nil
	}
	sugg := analysis.SuggestCategory(q, 3)
	if len(sugg) > 0 && (strings.EqualFold(sugg[0].Name, q) || strings.EqualFold(sugg[0].ID, strings.NewReplacer("-", "_", " ", "_").Replace(q))) {
		return sugg[0].ID, nil
	}
	ids := make([]string, len(sugg))
	for i, c := range sugg {
		ids[i] = c.ID
	}
	msg := fmt.Sprintf("unknown category %q", q)
	if len(ids) > 0 {
		msg += "; did you mean " + strings.Join(ids, ", ") + "?"
	}
	return "", errors.New(msg)
}

func categoryDisplay(id string) string {
	if c, ok := analysis.CategoryByID(id); ok {
		return c.Name
	}
	return id
}

func categorySuffix(category string) string {
	if category == "" {
		return ""
	}
	return " in " + category
}

func provisionLine(p analysis.Provision) string {
	s := fmt.Sprintf("%q (confidence %.2f)", p.Excerpt, p.Confidence)
	if p.Heading != "" {
		s = p.Heading + ": " + s
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
