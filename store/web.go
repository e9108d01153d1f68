package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Read queries for the web pages, feeds and metrics. They never load version
// texts, diffs or raw bytes unless their name says so: listings stay cheap
// however long the policies are.

// lightChange leaves out the two large columns of a change.
func lightChange(q *gorm.DB) *gorm.DB { return q.Omit("Summary", "Diff") }

// RecentChanges returns the newest changes of the given kinds (all kinds
// when empty) across every platform, with document and platform, without
// summary or diff.
func (db *DB) RecentChanges(ctx context.Context, kinds []string, limit int) ([]Change, error) {
	q := lightChange(db.with(ctx)).Preload("Document.Platform").Order("detected_at DESC, id DESC")
	if len(kinds) > 0 {
		q = q.Where("kind IN ?", kinds)
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	var cs []Change
	if err := q.Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("store: recent changes: %w", err)
	}
	return cs, nil
}

// PlatformChanges returns the changes of a platform's documents of the given
// kinds (all when empty), newest first, with their document, without summary
// or diff; limit <= 0 means all.
func (db *DB) PlatformChanges(ctx context.Context, platformID uint, kinds []string, limit int) ([]Change, error) {
	return db.changesOfPlatforms(ctx, []uint{platformID}, kinds, limit)
}

func (db *DB) changesOfPlatforms(ctx context.Context, platformIDs []uint, kinds []string, limit int) ([]Change, error) {
	if len(platformIDs) == 0 {
		return nil, nil
	}
	q := lightChange(db.with(ctx)).
		Joins("JOIN documents ON documents.id = changes.document_id").
		Where("documents.platform_id IN ?", platformIDs).
		Preload("Document.Platform").
		Order("changes.detected_at DESC, changes.id DESC")
	if len(kinds) > 0 {
		q = q.Where("changes.kind IN ?", kinds)
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	var cs []Change
	if err := q.Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("store: changes of platforms %v: %w", platformIDs, err)
	}
	return cs, nil
}

// ChangesOfPlatforms is PlatformChanges over several platforms (a channel's
// feed).
func (db *DB) ChangesOfPlatforms(ctx context.Context, platformIDs []uint, kinds []string, limit int) ([]Change, error) {
	return db.changesOfPlatforms(ctx, platformIDs, kinds, limit)
}

// ChannelByFeedToken returns the channel whose Atom feed URL carries token.
// An empty token never matches.
func (db *DB) ChannelByFeedToken(ctx context.Context, token string) (*Channel, error) {
	if token == "" {
		return nil, fmt.Errorf("channel feed: %w", ErrNotFound)
	}
	var ch Channel
	if err := db.with(ctx).Preload("Tenant").Where("feed_token = ?", token).First(&ch).Error; err != nil {
		// The token is a secret: it is not repeated in the error.
		return nil, notFound(err, "channel feed")
	}
	return &ch, nil
}

// PlatformStat is what a listing shows of a platform's monitoring.
type PlatformStat struct {
	PlatformID     uint
	Versions       int
	Changes        int // substantive
	LastCapturedAt *time.Time
	LastChangeAt   *time.Time // substantive
	Subscribers    int
}

// PlatformStats returns, by platform id, the monitoring figures of every
// platform that has a version or a subscriber; the others are absent.
func (db *DB) PlatformStats(ctx context.Context) (map[uint]*PlatformStat, error) {
	out := map[uint]*PlatformStat{}
	get := func(id uint) *PlatformStat {
		s := out[id]
		if s == nil {
			s = &PlatformStat{PlatformID: id}
			out[id] = s
		}
		return s
	}
	// Aggregates come back as text on SQLite and as timestamps on
	// PostgreSQL; counting and ordering rows in Go keeps one code path.
	var versions []struct {
		PlatformID uint
		N          int
	}
	err := db.with(ctx).Model(&Version{}).
		Select("documents.platform_id AS platform_id, COUNT(*) AS n").
		Joins("JOIN documents ON documents.id = versions.document_id").
		Group("documents.platform_id").Scan(&versions).Error
	if err != nil {
		return nil, fmt.Errorf("store: version counts: %w", err)
	}
	for _, v := range versions {
		get(v.PlatformID).Versions = v.N
	}
	var latest []struct {
		PlatformID uint
		CapturedAt time.Time
	}
	err = db.with(ctx).Model(&Version{}).
		Select("documents.platform_id AS platform_id, versions.captured_at AS captured_at").
		Joins("JOIN documents ON documents.id = versions.document_id").
		Where("versions.id IN (SELECT MAX(v2.id) FROM versions v2 GROUP BY v2.document_id)").
		Scan(&latest).Error
	if err != nil {
		return nil, fmt.Errorf("store: latest captures: %w", err)
	}
	for _, l := range latest {
		s := get(l.PlatformID)
		if t := l.CapturedAt; s.LastCapturedAt == nil || t.After(*s.LastCapturedAt) {
			s.LastCapturedAt = &t
		}
	}
	var changes []struct {
		PlatformID uint
		DetectedAt time.Time
	}
	err = db.with(ctx).Model(&Change{}).
		Select("documents.platform_id AS platform_id, changes.detected_at AS detected_at").
		Joins("JOIN documents ON documents.id = changes.document_id").
		Where("changes.kind = ?", KindSubstantive).
		Scan(&changes).Error
	if err != nil {
		return nil, fmt.Errorf("store: change counts: %w", err)
	}
	for _, c := range changes {
		s := get(c.PlatformID)
		s.Changes++
		if t := c.DetectedAt; s.LastChangeAt == nil || t.After(*s.LastChangeAt) {
			s.LastChangeAt = &t
		}
	}
	var subs []struct {
		PlatformID uint
		N          int
	}
	err = db.with(ctx).Model(&Subscription{}).Select("platform_id, COUNT(*) AS n").Group("platform_id").Scan(&subs).Error
	if err != nil {
		return nil, fmt.Errorf("store: subscriber counts: %w", err)
	}
	for _, s := range subs {
		get(s.PlatformID).Subscribers = s.N
	}
	return out, nil
}

// PlatformsByIDs returns platforms (without documents) by id.
func (db *DB) PlatformsByIDs(ctx context.Context, ids []uint) ([]Platform, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var ps []Platform
	if err := db.with(ctx).Where("id IN ?", ids).Order("slug").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("store: platforms %v: %w", ids, err)
	}
	return ps, nil
}

// DeliveryCounts counts deliveries by status, for /metrics.
func (db *DB) DeliveryCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := db.with(ctx).Model(&Delivery{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: delivery counts: %w", err)
	}
	out := map[string]int{DeliveryPending: 0, DeliveryDelivered: 0, DeliveryParked: 0}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// QueueDepth counts the work that is due at now and not yet done: pending
// deliveries whose time has come, and tracked documents whose check is due.
func (db *DB) QueueDepth(ctx context.Context, now time.Time) (deliveries, checks int, err error) {
	var n int64
	if err := db.with(ctx).Model(&Delivery{}).
		Where("status = ? AND next_attempt_at <= ?", DeliveryPending, now).Count(&n).Error; err != nil {
		return 0, 0, fmt.Errorf("store: due deliveries: %w", err)
	}
	deliveries = int(n)
	n = 0
	if err := db.with(ctx).Model(&Document{}).
		Where("(next_check_at IS NULL OR next_check_at <= ?)", now).
		Where(trackedDocuments).Count(&n).Error; err != nil {
		return 0, 0, fmt.Errorf("store: due checks: %w", err)
	}
	return deliveries, int(n), nil
}

// VersionCount counts every stored version, for /metrics.
func (db *DB) VersionCount(ctx context.Context) (int, error) {
	var n int64
	if err := db.with(ctx).Model(&Version{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count versions: %w", err)
	}
	return int(n), nil
}

// ChangeCounts counts stored changes by kind and severity, for /metrics.
func (db *DB) ChangeCounts(ctx context.Context) (map[[2]string]int, error) {
	var rows []struct {
		Kind     string
		Severity string
		N        int
	}
	if err := db.with(ctx).Model(&Change{}).Select("kind, severity, COUNT(*) AS n").Group("kind, severity").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: change counts: %w", err)
	}
	out := make(map[[2]string]int, len(rows))
	for _, r := range rows {
		out[[2]string{r.Kind, r.Severity}] = r.N
	}
	return out, nil
}
