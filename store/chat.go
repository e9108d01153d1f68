package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Queries over the chat side of the data model: tenants, their channels,
// what each channel tracks, and the threads alerts go to. Every query that
// reads subscriptions takes a channel or tenant id, so nothing crosses tenants.

// EnsureTenant returns the tenant (kind, externalID), creating it with plan on
// first sight. A changed display name is remembered.
func (db *DB) EnsureTenant(ctx context.Context, kind, externalID, name, plan string) (*Tenant, error) {
	t := &Tenant{Kind: kind, ExternalID: externalID, Name: name, Plan: plan}
	err := db.with(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "kind"}, {Name: "external_id"}},
		DoNothing: true,
	}).Create(t).Error
	if err != nil {
		return nil, fmt.Errorf("store: create tenant %s:%s: %w", kind, externalID, err)
	}
	got, err := db.TenantByExternal(ctx, kind, externalID)
	if err != nil {
		return nil, err
	}
	if name != "" && got.Name != name {
		if err := db.with(ctx).Model(&Tenant{}).Where("id = ?", got.ID).Update("name", name).Error; err != nil {
			return nil, fmt.Errorf("store: rename tenant %d: %w", got.ID, err)
		}
		got.Name = name
	}
	return got, nil
}

// TenantByExternal finds a tenant by its chat platform and the platform's id.
func (db *DB) TenantByExternal(ctx context.Context, kind, externalID string) (*Tenant, error) {
	var t Tenant
	err := db.with(ctx).Where("kind = ? AND external_id = ?", kind, externalID).First(&t).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("tenant %s:%s", kind, externalID))
	}
	return &t, nil
}

// Tenants lists every tenant, oldest first.
func (db *DB) Tenants(ctx context.Context) ([]Tenant, error) {
	var ts []Tenant
	if err := db.with(ctx).Order("id").Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("store: tenants: %w", err)
	}
	return ts, nil
}

// UpdateTenant sets some of a tenant's columns (plan, admins_only, settings).
func (db *DB) UpdateTenant(ctx context.Context, id uint, fields map[string]any) error {
	res := db.with(ctx).Model(&Tenant{}).Where("id = ?", id).Updates(fields)
	if res.Error != nil {
		return fmt.Errorf("store: update tenant %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("tenant %d: %w", id, ErrNotFound)
	}
	return nil
}

// TenantPlatformCount is how many distinct platforms a tenant tracks across
// its channels: what a plan's MaxPlatforms limits.
func (db *DB) TenantPlatformCount(ctx context.Context, tenantID uint) (int, error) {
	var n int64
	err := db.with(ctx).Model(&Subscription{}).Where("tenant_id = ?", tenantID).
		Distinct("platform_id").Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("store: count platforms of tenant %d: %w", tenantID, err)
	}
	return int(n), nil
}

// TenantTracks reports whether any channel of the tenant tracks the platform.
func (db *DB) TenantTracks(ctx context.Context, tenantID, platformID uint) (bool, error) {
	var n int64
	err := db.with(ctx).Model(&Subscription{}).Where("tenant_id = ? AND platform_id = ?", tenantID, platformID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: tenant %d tracks %d: %w", tenantID, platformID, err)
	}
	return n > 0, nil
}

// EnsureChannel returns the tenant's channel externalID, creating it on first
// sight. init, when not nil, sets up a new channel before it is written (its
// digest schedule, for instance).
func (db *DB) EnsureChannel(ctx context.Context, tenantID uint, externalID, name string, init func(*Channel)) (*Channel, error) {
	var ch Channel
	err := db.with(ctx).Preload("Tenant").Where("tenant_id = ? AND external_id = ?", tenantID, externalID).First(&ch).Error
	if err == nil {
		if name != "" && ch.Name != name {
			if err := db.UpdateChannel(ctx, ch.ID, map[string]any{"name": name}); err != nil {
				return nil, err
			}
			ch.Name = name
		}
		return &ch, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("store: find channel %s: %w", externalID, err)
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	ch = Channel{
		TenantID: tenantID, ExternalID: externalID, Name: name,
		MinSeverity: "notice", Threads: true, DigestMode: "weekly", DigestDay: 1,
		DigestTime: "09:00", DigestTZ: "UTC", FeedToken: token,
	}
	if init != nil {
		init(&ch)
	}
	// Two commands in a new channel at once both try to create it: the unique
	// index decides and the loser reads the winner's row.
	err = db.with(ctx).Omit("Tenant").Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "tenant_id"}, {Name: "external_id"}},
		DoNothing: true,
	}).Create(&ch).Error
	if err != nil {
		return nil, fmt.Errorf("store: create channel %s: %w", externalID, err)
	}
	var got Channel
	if err := db.with(ctx).Preload("Tenant").Where("tenant_id = ? AND external_id = ?", tenantID, externalID).First(&got).Error; err != nil {
		return nil, notFound(err, "channel "+externalID)
	}
	return &got, nil
}

// Channel returns a channel with its tenant.
func (db *DB) Channel(ctx context.Context, id uint) (*Channel, error) {
	var ch Channel
	if err := db.with(ctx).Preload("Tenant").First(&ch, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("channel %d", id))
	}
	return &ch, nil
}

// UpdateChannel sets some of a channel's columns. A map is used so that
// false and empty values are written (gorm skips zero fields of a struct).
func (db *DB) UpdateChannel(ctx context.Context, id uint, fields map[string]any) error {
	res := db.with(ctx).Model(&Channel{}).Where("id = ?", id).Updates(fields)
	if res.Error != nil {
		return fmt.Errorf("store: update channel %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("channel %d: %w", id, ErrNotFound)
	}
	return nil
}

// ChannelSubscriptions returns what a channel tracks, by platform name, with
// each platform's documents.
func (db *DB) ChannelSubscriptions(ctx context.Context, channelID uint) ([]Subscription, error) {
	var subs []Subscription
	err := db.with(ctx).Preload("Platform.Documents", func(q *gorm.DB) *gorm.DB { return q.Order("type") }).
		Joins("JOIN platforms ON platforms.id = subscriptions.platform_id").
		Where("subscriptions.channel_id = ?", channelID).
		Order("platforms.name").Find(&subs).Error
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions of channel %d: %w", channelID, err)
	}
	return subs, nil
}

// ChannelSubscription returns the channel's subscription to a platform.
func (db *DB) ChannelSubscription(ctx context.Context, channelID, platformID uint) (*Subscription, error) {
	var s Subscription
	err := db.with(ctx).Where("channel_id = ? AND platform_id = ?", channelID, platformID).First(&s).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("subscription of channel %d to platform %d", channelID, platformID))
	}
	return &s, nil
}

// Subscribe makes the channel track s.PlatformID with s.DocumentTypes. An
// existing subscription is widened: its types become the union (empty, all
// types, absorbs everything). It reports whether the subscription is new.
func (db *DB) Subscribe(ctx context.Context, s *Subscription) (bool, error) {
	existing, err := db.ChannelSubscription(ctx, s.ChannelID, s.PlatformID)
	if errors.Is(err, ErrNotFound) {
		err := db.with(ctx).Omit("Channel", "Platform").Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "channel_id"}, {Name: "platform_id"}},
			DoNothing: true,
		}).Create(s).Error
		if err != nil {
			return false, fmt.Errorf("store: subscribe channel %d to platform %d: %w", s.ChannelID, s.PlatformID, err)
		}
		return s.ID != 0, nil
	}
	if err != nil {
		return false, err
	}
	types := mergeTypes(existing.DocumentTypes, s.DocumentTypes)
	if err := db.with(ctx).Model(&Subscription{}).Where("id = ?", existing.ID).
		Updates(map[string]any{"document_types": types}).Error; err != nil {
		return false, fmt.Errorf("store: widen subscription %d: %w", existing.ID, err)
	}
	existing.DocumentTypes = types
	*s = *existing
	return false, nil
}

// mergeTypes unions two comma-separated type lists; empty means every type.
func mergeTypes(a, b string) string {
	if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		return ""
	}
	seen := map[string]bool{}
	var out []string
	for _, t := range append(DocumentTypesOf(a), DocumentTypesOf(b)...) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return strings.Join(out, ",")
}

// SetSubscriptionTypes narrows a subscription to types (empty means all).
func (db *DB) SetSubscriptionTypes(ctx context.Context, id uint, types []string) error {
	err := db.with(ctx).Model(&Subscription{}).Where("id = ?", id).
		Updates(map[string]any{"document_types": strings.Join(types, ",")}).Error
	if err != nil {
		return fmt.Errorf("store: set types of subscription %d: %w", id, err)
	}
	return nil
}

// Unsubscribe stops the channel tracking a platform; it reports whether it did.
func (db *DB) Unsubscribe(ctx context.Context, channelID, platformID uint) (bool, error) {
	res := db.with(ctx).Where("channel_id = ? AND platform_id = ?", channelID, platformID).Delete(&Subscription{})
	if res.Error != nil {
		return false, fmt.Errorf("store: unsubscribe channel %d from platform %d: %w", channelID, platformID, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// SetMuted mutes or unmutes the channel's alerts for a platform; it reports
// whether the channel tracks the platform at all.
func (db *DB) SetMuted(ctx context.Context, channelID, platformID uint, muted bool) (bool, error) {
	res := db.with(ctx).Model(&Subscription{}).Where("channel_id = ? AND platform_id = ?", channelID, platformID).
		Updates(map[string]any{"muted": muted})
	if res.Error != nil {
		return false, fmt.Errorf("store: mute platform %d in channel %d: %w", platformID, channelID, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// Subscribers returns every subscription to a platform, across tenants, with
// channel and tenant: who an alert about the platform may go to.
func (db *DB) Subscribers(ctx context.Context, platformID uint) ([]Subscription, error) {
	var subs []Subscription
	err := db.with(ctx).Preload("Channel.Tenant").Where("platform_id = ?", platformID).Order("channel_id").Find(&subs).Error
	if err != nil {
		return nil, fmt.Errorf("store: subscribers of platform %d: %w", platformID, err)
	}
	return subs, nil
}

// Covers reports whether the subscription includes a document type.
func (s Subscription) Covers(docType string) bool {
	types := DocumentTypesOf(s.DocumentTypes)
	if len(types) == 0 {
		return true
	}
	for _, t := range types {
		if strings.EqualFold(t, docType) {
			return true
		}
	}
	return false
}

// Thread returns the thread a channel keeps for a document and key.
func (db *DB) Thread(ctx context.Context, channelID, docID uint, key string) (*Thread, error) {
	var t Thread
	err := db.with(ctx).Where("channel_id = ? AND document_id = ? AND key = ?", channelID, docID, key).First(&t).Error
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("%s thread of document %d in channel %d", key, docID, channelID))
	}
	return &t, nil
}

// SaveThread records that the channel's thread for (document, key) has the
// given parent message and was last posted in at lastPost.
func (db *DB) SaveThread(ctx context.Context, channelID, docID uint, key, parentMessageID string, lastPost time.Time) error {
	t := Thread{ChannelID: channelID, DocumentID: docID, Key: key, ParentMessageID: parentMessageID, LastPostAt: lastPost}
	err := db.with(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "channel_id"}, {Name: "document_id"}, {Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"parent_message_id", "last_post_at"}),
	}).Create(&t).Error
	if err != nil {
		return fmt.Errorf("store: save %s thread of document %d in channel %d: %w", key, docID, channelID, err)
	}
	return nil
}

// DueDigests returns channels whose digest time has come, with their tenant.
func (db *DB) DueDigests(ctx context.Context, now time.Time, limit int) ([]Channel, error) {
	q := db.with(ctx).Preload("Tenant").
		Where("next_digest_at IS NOT NULL AND next_digest_at <= ? AND digest_mode <> ?", now, "off").
		Order("next_digest_at, id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var chs []Channel
	if err := q.Find(&chs).Error; err != nil {
		return nil, fmt.Errorf("store: due digests: %w", err)
	}
	return chs, nil
}

// AdvanceDigest moves a channel's next digest from prev to next. It reports
// false when another replica advanced it first, so each digest is written once.
func (db *DB) AdvanceDigest(ctx context.Context, channelID uint, prev time.Time, next *time.Time) (bool, error) {
	res := db.with(ctx).Model(&Channel{}).Where("id = ? AND next_digest_at = ?", channelID, prev).
		Update("next_digest_at", next)
	if res.Error != nil {
		return false, fmt.Errorf("store: advance digest of channel %d: %w", channelID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

func newToken() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("store: random token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
