package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SHA256 is the hex SHA-256 of b: the identity of snapshots and version texts.
func SHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// PutSnapshot stores raw bytes once: a capture whose SHA-256 is already stored
// returns the existing snapshot instead of a copy.
func (db *DB) PutSnapshot(ctx context.Context, docID uint, url string, status int, contentType string, body []byte, fetchedAt time.Time) (*Snapshot, error) {
	sum := SHA256(body)
	var existing Snapshot
	err := db.with(ctx).Omit("Data").Where("sha256 = ?", sum).First(&existing).Error
	if err == nil {
		return &existing, nil
	}
	if err != gorm.ErrRecordNotFound {
		return nil, fmt.Errorf("store: find snapshot %s: %w", sum[:12], err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(body); err != nil {
		return nil, fmt.Errorf("store: compress snapshot: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("store: compress snapshot: %w", err)
	}
	s := &Snapshot{
		SHA256: sum, DocumentID: docID, URL: url, Status: status, ContentType: contentType,
		Size: int64(len(body)), Encoding: "gzip", Data: buf.Bytes(), FetchedAt: fetchedAt,
	}
	// Two replicas may capture the same bytes at once: the unique index
	// decides, and the loser reads the winner's row.
	res := db.with(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "sha256"}}, DoNothing: true}).Create(s)
	if res.Error != nil {
		return nil, fmt.Errorf("store: save snapshot: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		if err := db.with(ctx).Omit("Data").Where("sha256 = ?", sum).First(&existing).Error; err != nil {
			return nil, fmt.Errorf("store: find snapshot %s: %w", sum[:12], err)
		}
		return &existing, nil
	}
	s.Data = nil
	return s, nil
}

// Snapshot returns a snapshot with its raw bytes, exactly as captured.
func (db *DB) Snapshot(ctx context.Context, id uint) (*Snapshot, []byte, error) {
	var s Snapshot
	if err := db.with(ctx).First(&s, id).Error; err != nil {
		return nil, nil, notFound(err, fmt.Sprintf("snapshot %d", id))
	}
	raw, err := s.Raw()
	if err != nil {
		return nil, nil, err
	}
	return &s, raw, nil
}

// Raw decompresses the snapshot's bytes.
func (s *Snapshot) Raw() ([]byte, error) {
	if s.Encoding != "gzip" {
		return s.Data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(s.Data))
	if err != nil {
		return nil, fmt.Errorf("store: snapshot %d: %w", s.ID, err)
	}
	defer zr.Close()
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("store: snapshot %d: %w", s.ID, err)
	}
	return raw, nil
}

// SnapshotsByIDs returns snapshot metadata (without bytes) in the given order.
func (db *DB) SnapshotsByIDs(ctx context.Context, ids []uint) ([]Snapshot, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []Snapshot
	if err := db.with(ctx).Omit("Data").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: snapshots: %w", err)
	}
	byID := make(map[uint]Snapshot, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]Snapshot, 0, len(ids))
	for _, id := range ids {
		if s, ok := byID[id]; ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// JoinIDs and SplitIDs convert the comma-separated id lists kept in
// Version.SnapshotIDs and Check.SnapshotIDs.
func JoinIDs(ids []uint) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(uint64(id), 10)
	}
	return strings.Join(parts, ",")
}

// SplitIDs is the inverse of JoinIDs; malformed entries are skipped.
func SplitIDs(s string) []uint {
	var ids []uint
	for _, p := range strings.Split(s, ",") {
		if n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 64); err == nil {
			ids = append(ids, uint(n))
		}
	}
	return ids
}

// Document returns a document with its platform.
func (db *DB) Document(ctx context.Context, id uint) (*Document, error) {
	var d Document
	if err := db.with(ctx).Preload("Platform").First(&d, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("document %d", id))
	}
	return &d, nil
}

// SaveDocument writes a document's monitoring state. What the document is
// (platform, type, declaration, URL) belongs to the catalog import, and its
// own check interval to the operator (SetSchedule): a check that read the row
// before either changed must not write the old values back.
func (db *DB) SaveDocument(ctx context.Context, d *Document) error {
	if err := db.with(ctx).Omit("Platform", "PlatformID", "Type", "Declaration", "DeclarationHistory", "URL", "CheckInterval", "CreatedAt").Save(d).Error; err != nil {
		return fmt.Errorf("store: save document %d: %w", d.ID, err)
	}
	return nil
}

// SetSchedule sets a document's own check interval (0: the default) and its
// next check time. It is the operator's setting, so a check finishing
// meanwhile does not write its older copy back (SaveDocument leaves it).
func (db *DB) SetSchedule(ctx context.Context, docID uint, interval time.Duration, next time.Time) error {
	err := db.with(ctx).Model(&Document{}).Where("id = ?", docID).
		Updates(map[string]any{"check_interval": interval, "next_check_at": next}).Error
	if err != nil {
		return fmt.Errorf("store: schedule document %d: %w", docID, err)
	}
	return nil
}

// CreateVersion records a new version.
func (db *DB) CreateVersion(ctx context.Context, v *Version) error {
	if err := db.with(ctx).Create(v).Error; err != nil {
		return fmt.Errorf("store: create version of document %d: %w", v.DocumentID, err)
	}
	return nil
}

// LatestVersion returns the newest version of a document (technical ones included).
func (db *DB) LatestVersion(ctx context.Context, docID uint) (*Version, error) {
	var v Version
	err := db.with(ctx).Where("document_id = ?", docID).Order("captured_at DESC, id DESC").First(&v).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("latest version of document %d", docID))
	}
	return &v, nil
}

// Version returns one version.
func (db *DB) Version(ctx context.Context, id uint) (*Version, error) {
	var v Version
	if err := db.with(ctx).First(&v, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("version %d", id))
	}
	return &v, nil
}

// Versions returns a document's versions, newest first; limit <= 0 means all.
// withText false leaves Text empty, for listings.
func (db *DB) Versions(ctx context.Context, docID uint, limit int, withText bool) ([]Version, error) {
	q := db.with(ctx).Where("document_id = ?", docID).Order("captured_at DESC, id DESC")
	if !withText {
		q = q.Omit("Text")
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	var vs []Version
	if err := q.Find(&vs).Error; err != nil {
		return nil, fmt.Errorf("store: versions of document %d: %w", docID, err)
	}
	return vs, nil
}

// RecordCheck appends to a document's check log.
func (db *DB) RecordCheck(ctx context.Context, c *Check) error {
	if err := db.with(ctx).Create(c).Error; err != nil {
		return fmt.Errorf("store: record check of document %d: %w", c.DocumentID, err)
	}
	return nil
}

// Checks returns a document's checks, newest first; limit <= 0 means all.
func (db *DB) Checks(ctx context.Context, docID uint, limit int) ([]Check, error) {
	q := db.with(ctx).Where("document_id = ?", docID).Order("at DESC, id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var cs []Check
	if err := q.Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("store: checks of document %d: %w", docID, err)
	}
	return cs, nil
}

// CreateChange records a change.
func (db *DB) CreateChange(ctx context.Context, c *Change) error {
	if err := db.with(ctx).Omit("Document", "FromVersion", "ToVersion").Create(c).Error; err != nil {
		return fmt.Errorf("store: create change of document %d: %w", c.DocumentID, err)
	}
	return nil
}

// Change returns a change with its document, platform and both versions.
func (db *DB) Change(ctx context.Context, id uint) (*Change, error) {
	var c Change
	err := db.with(ctx).Preload("Document.Platform").Preload("FromVersion").Preload("ToVersion").First(&c, id).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("change %d", id))
	}
	return &c, nil
}

// Changes returns a document's changes, newest first, without version texts;
// limit <= 0 means all.
func (db *DB) Changes(ctx context.Context, docID uint, limit int) ([]Change, error) {
	q := db.with(ctx).Where("document_id = ?", docID).Order("detected_at DESC, id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var cs []Change
	if err := q.Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("store: changes of document %d: %w", docID, err)
	}
	return cs, nil
}

// ChangesSince returns the changes of the given platforms detected in
// [since, until), oldest first, with document and platform, without version texts.
func (db *DB) ChangesSince(ctx context.Context, platformIDs []uint, since, until time.Time) ([]Change, error) {
	if len(platformIDs) == 0 {
		return nil, nil
	}
	var cs []Change
	err := db.with(ctx).
		Joins("JOIN documents ON documents.id = changes.document_id").
		Where("documents.platform_id IN ? AND changes.detected_at >= ? AND changes.detected_at < ?", platformIDs, since, until).
		Preload("Document.Platform").
		Order("changes.detected_at, changes.id").
		Find(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("store: changes since %s: %w", since.Format(time.RFC3339), err)
	}
	return cs, nil
}

// ReplaceProvisions makes ps the provision index of a document: the index
// always describes the document's latest version.
func (db *DB) ReplaceProvisions(ctx context.Context, docID uint, ps []Provision) error {
	if err := db.with(ctx).Where("document_id = ?", docID).Delete(&Provision{}).Error; err != nil {
		return fmt.Errorf("store: clear provisions of document %d: %w", docID, err)
	}
	if len(ps) == 0 {
		return nil
	}
	if err := db.with(ctx).CreateInBatches(ps, 200).Error; err != nil {
		return fmt.Errorf("store: save provisions of document %d: %w", docID, err)
	}
	return nil
}

// Provisions returns a platform's provisions, optionally of one category,
// ordered by category then confidence.
func (db *DB) Provisions(ctx context.Context, platformID uint, category string) ([]Provision, error) {
	q := db.with(ctx).Where("platform_id = ?", platformID)
	if category != "" {
		q = q.Where("category = ?", category)
	}
	var ps []Provision
	if err := q.Order("category, confidence DESC, start").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("store: provisions of platform %d: %w", platformID, err)
	}
	return ps, nil
}

// MarkExtractorVersion records that a version's text is what extractor
// version ev produces from its snapshots.
func (db *DB) MarkExtractorVersion(ctx context.Context, versionID uint, ev string) error {
	if err := db.with(ctx).Model(&Version{}).Where("id = ?", versionID).Update("extractor_version", ev).Error; err != nil {
		return fmt.Errorf("store: mark version %d: %w", versionID, err)
	}
	return nil
}

// RewriteVersionForTest replaces a version's text and extractor version, as
// if an older extractor had produced it. Tests of re-extraction use it; the
// product never rewrites a version.
func (db *DB) RewriteVersionForTest(ctx context.Context, versionID uint, text, extractorVersion string) error {
	err := db.with(ctx).Model(&Version{}).Where("id = ?", versionID).
		Updates(map[string]any{"text": text, "sha256": SHA256([]byte(text)), "extractor_version": extractorVersion}).Error
	if err != nil {
		return fmt.Errorf("store: rewrite version %d: %w", versionID, err)
	}
	return nil
}
