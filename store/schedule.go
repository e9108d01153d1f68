package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// trackedDocuments selects documents that at least one subscription covers:
// the platform is subscribed, and the subscription names no types or names
// this one. Checking only these keeps a 300-platform catalog from being
// fetched when nobody watches it.
const trackedDocuments = `EXISTS (
	SELECT 1 FROM subscriptions s
	WHERE s.platform_id = documents.platform_id
	  AND (s.document_types = '' OR s.document_types IS NULL
	       OR ',' || s.document_types || ',' LIKE '%,' || documents.type || ',%'))`

// DueDocuments returns tracked documents whose next check time has come
// (or was never set), most overdue first, with their platform.
func (db *DB) DueDocuments(ctx context.Context, now time.Time, limit int) ([]Document, error) {
	q := db.with(ctx).Preload("Platform").
		Where("(next_check_at IS NULL OR next_check_at <= ?)", now).
		Where("(lease_until IS NULL OR lease_until < ?)", now).
		Where(trackedDocuments).
		Order("next_check_at IS NOT NULL, next_check_at, id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var docs []Document
	if err := q.Find(&docs).Error; err != nil {
		return nil, fmt.Errorf("store: due documents: %w", err)
	}
	return docs, nil
}

// TrackedDocuments returns every document some subscription covers.
func (db *DB) TrackedDocuments(ctx context.Context) ([]Document, error) {
	var docs []Document
	if err := db.with(ctx).Preload("Platform").Where(trackedDocuments).Order("id").Find(&docs).Error; err != nil {
		return nil, fmt.Errorf("store: tracked documents: %w", err)
	}
	return docs, nil
}

// LeaseDocument claims a document for owner until now+ttl, so that when
// several replicas share one database each document is checked by one of
// them. It reports whether the lease was taken.
func (db *DB) LeaseDocument(ctx context.Context, docID uint, owner string, now time.Time, ttl time.Duration) (bool, error) {
	until := now.Add(ttl)
	res := db.with(ctx).Model(&Document{}).
		Where("id = ? AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)", docID, now, owner).
		Updates(map[string]any{"lease_owner": owner, "lease_until": until})
	if res.Error != nil {
		return false, fmt.Errorf("store: lease document %d: %w", docID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseDocument gives a lease back early.
func (db *DB) ReleaseDocument(ctx context.Context, docID uint, owner string) error {
	err := db.with(ctx).Model(&Document{}).Where("id = ? AND lease_owner = ?", docID, owner).
		Updates(map[string]any{"lease_owner": "", "lease_until": nil}).Error
	if err != nil {
		return fmt.Errorf("store: release document %d: %w", docID, err)
	}
	return nil
}

// DocumentTypesOf parses a subscription's comma-separated type list.
func DocumentTypesOf(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
