package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// UpsertPlatform creates or updates the platform with p.Slug and its documents
// by (platform, type), in one transaction. On a platform that exists, its
// name, aliases, category and homepage are replaced; on a document that
// exists, only its declaration, declaration history and URL are: monitoring
// state (schedule, ETag, Last-Modified, health, failures, leases) is never
// touched, so re-importing a catalog does not reset or re-check anything.
// Documents the store has and docs lacks are left alone: their versions are
// evidence. p.ID and each document's ID and PlatformID are set on return.
func (db *DB) UpsertPlatform(ctx context.Context, p *Platform, docs []Document) error {
	if p.Slug == "" {
		return fmt.Errorf("store: upsert platform %q: empty slug", p.Name)
	}
	return db.Tx(ctx, func(tx *DB) error {
		row := Platform{Slug: p.Slug, Name: p.Name, Aliases: p.Aliases, Category: p.Category,
			Homepage: p.Homepage, Custom: p.Custom}
		err := tx.with(ctx).Omit(clause.Associations).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "slug"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "aliases", "category", "homepage", "custom", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			return fmt.Errorf("store: upsert platform %s: %w", p.Slug, err)
		}
		// The id that ON CONFLICT returns differs between drivers; read it back.
		var saved Platform
		if err := tx.with(ctx).Where("slug = ?", p.Slug).First(&saved).Error; err != nil {
			return notFound(err, "platform "+p.Slug)
		}
		p.ID, p.CreatedAt, p.UpdatedAt = saved.ID, saved.CreatedAt, saved.UpdatedAt
		for i := range docs {
			d := &docs[i]
			if d.Type == "" {
				return fmt.Errorf("store: upsert platform %s: document %d has no type", p.Slug, i)
			}
			d.PlatformID = p.ID
			if d.Health == "" {
				d.Health = HealthUnknown
			}
			err := tx.with(ctx).Omit(clause.Associations).Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "platform_id"}, {Name: "type"}},
				DoUpdates: clause.AssignmentColumns([]string{"declaration", "declaration_history", "url", "updated_at"}),
			}).Create(d).Error
			if err != nil {
				return fmt.Errorf("store: upsert %s %q: %w", p.Slug, d.Type, err)
			}
			var id uint
			if err := tx.with(ctx).Model(&Document{}).Select("id").Where("platform_id = ? AND type = ?", p.ID, d.Type).
				Scan(&id).Error; err != nil {
				return fmt.Errorf("store: read back %s %q: %w", p.Slug, d.Type, err)
			}
			d.ID = id
		}
		return nil
	})
}

// PlatformBySlug returns the platform with its documents (by type), or an
// error wrapping ErrNotFound.
func (db *DB) PlatformBySlug(ctx context.Context, slug string) (*Platform, error) {
	var p Platform
	err := db.with(ctx).Preload("Documents", func(q *gorm.DB) *gorm.DB { return q.Order("type") }).
		Where("slug = ?", slug).First(&p).Error
	if err != nil {
		return nil, notFound(err, "platform "+slug)
	}
	return &p, nil
}

// ListPlatforms returns the platforms, with their documents, whose slug, name,
// aliases or category contain query (any case), sorted by slug; an empty
// query returns them all.
func (db *DB) ListPlatforms(ctx context.Context, query string) ([]Platform, error) {
	q := db.with(ctx).Preload("Documents", func(q *gorm.DB) *gorm.DB { return q.Order("type") }).Order("slug")
	if query = strings.TrimSpace(strings.ToLower(query)); query != "" {
		like := "%" + escapeLike(query) + "%"
		q = q.Where(`LOWER(slug) LIKE ? ESCAPE '\' OR LOWER(name) LIKE ? ESCAPE '\' OR LOWER(aliases) LIKE ? ESCAPE '\' OR LOWER(category) LIKE ? ESCAPE '\'`,
			like, like, like, like)
	}
	var ps []Platform
	if err := q.Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("store: list platforms %q: %w", query, err)
	}
	return ps, nil
}

// DocumentsOf returns a platform's documents, sorted by type.
func (db *DB) DocumentsOf(ctx context.Context, platformID uint) ([]Document, error) {
	var docs []Document
	if err := db.with(ctx).Where("platform_id = ?", platformID).Order("type").Find(&docs).Error; err != nil {
		return nil, fmt.Errorf("store: documents of platform %d: %w", platformID, err)
	}
	return docs, nil
}

// escapeLike makes s match literally inside a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
