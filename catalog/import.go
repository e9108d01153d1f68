package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/policybot/policybot/store"
)

// ImportStats counts what an import did.
type ImportStats struct {
	Platforms        int // platforms imported
	NewPlatforms     int // of which the store did not have before
	Documents        int // documents imported
	NewDocuments     int // of which the store did not have before
	UpdatedDocuments int // of which already there, whose declaration or history changed
}

// Import writes the platforms and their documents into the store in one
// transaction: all of them or, on error, none. Importing the same platforms
// again changes nothing but the declarations that differ; monitoring state is
// kept (see store.DB.UpsertPlatform).
func Import(ctx context.Context, db *store.DB, ps []Platform) (ImportStats, error) {
	var stats ImportStats
	err := db.Tx(ctx, func(tx *store.DB) error {
		stats = ImportStats{}
		for _, p := range ps {
			sp, docs := p.Records()
			before := map[string]store.Document{}
			existing, err := tx.PlatformBySlug(ctx, sp.Slug)
			switch {
			case errors.Is(err, store.ErrNotFound):
				stats.NewPlatforms++
			case err != nil:
				return err
			default:
				for _, d := range existing.Documents {
					before[d.Type] = d
				}
				// A platform added from a URL stays marked as such.
				sp.Custom = existing.Custom
			}
			for _, d := range docs {
				old, ok := before[d.Type]
				switch {
				case !ok:
					stats.NewDocuments++
				case old.Declaration != d.Declaration || old.DeclarationHistory != d.DeclarationHistory:
					stats.UpdatedDocuments++
				}
			}
			if err := tx.UpsertPlatform(ctx, &sp, docs); err != nil {
				return err
			}
			stats.Platforms++
			stats.Documents += len(docs)
		}
		return nil
	})
	if err != nil {
		return ImportStats{}, fmt.Errorf("catalog: import: %w", err)
	}
	return stats, nil
}
