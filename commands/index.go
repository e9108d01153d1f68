package commands

import (
	"context"
	"strings"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/store"
)

// PlatformProvisions reads a platform's provision index (optionally one
// category) as analysis provisions.
func PlatformProvisions(ctx context.Context, db *store.DB, platformID uint, category string) ([]analysis.Provision, error) {
	rows, err := db.Provisions(ctx, platformID, category)
	if err != nil {
		return nil, err
	}
	out := make([]analysis.Provision, len(rows))
	for i, r := range rows {
		var evidence []string
		if r.Evidence != "" {
			evidence = strings.Split(r.Evidence, ",")
		}
		out[i] = analysis.Provision{Category: r.Category, Heading: r.Heading, Excerpt: r.Excerpt,
			Start: r.Start, End: r.End, Confidence: r.Confidence, Evidence: evidence}
	}
	return out, nil
}

// ComparePlatforms lines platforms up on one category from the store's
// provision index: who states it, the most representative excerpt of each,
// and who does not. Platforms are keyed by display name.
func ComparePlatforms(ctx context.Context, db *store.DB, platforms []*store.Platform, category string) (analysis.Comparison, error) {
	by := make(map[string][]analysis.Provision, len(platforms))
	for _, p := range platforms {
		ps, err := PlatformProvisions(ctx, db, p.ID, category)
		if err != nil {
			return analysis.Comparison{}, err
		}
		by[p.Name] = ps
	}
	return analysis.Compare(category, by), nil
}
