package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The outbox: deliveries are written in the transaction that causes them and
// sent by whichever replica leases them first. Every write after the claim is
// conditioned on still holding the lease, so a replica that stalled past its
// lease cannot overwrite the progress of the one that took over.

// ErrLeaseLost means another owner holds the delivery now: stop working on it.
var ErrLeaseLost = errors.New("delivery lease lost")

// EnqueueDelivery writes d to the outbox unless a delivery with the same
// idempotency key exists; it reports whether d was written.
func (db *DB) EnqueueDelivery(ctx context.Context, d *Delivery) (bool, error) {
	if d.Status == "" {
		d.Status = DeliveryPending
	}
	if d.NextAttemptAt.IsZero() {
		d.NextAttemptAt = time.Now().UTC()
	}
	res := db.with(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "idempotency_key"}},
		DoNothing: true,
	}).Create(d)
	if res.Error != nil {
		return false, fmt.Errorf("store: enqueue delivery %s: %w", d.IdempotencyKey, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ClaimDeliveries leases up to limit pending deliveries that are due, for
// tenants of the given kinds (the chats this process can post to). Each claim
// counts as an attempt, so a delivery whose sender died mid-way is known to
// have been tried.
func (db *DB) ClaimDeliveries(ctx context.Context, owner string, kinds []string, now time.Time, ttl time.Duration, limit int) ([]Delivery, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	var candidates []Delivery
	q := db.with(ctx).Model(&Delivery{}).
		Joins("JOIN tenants ON tenants.id = deliveries.tenant_id").
		Where("deliveries.status = ? AND deliveries.next_attempt_at <= ?", DeliveryPending, now).
		Where("(deliveries.lease_until IS NULL OR deliveries.lease_until < ?)", now).
		Where("tenants.kind IN ?", kinds).
		Order("deliveries.next_attempt_at, deliveries.id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Select("deliveries.*").Find(&candidates).Error; err != nil {
		return nil, fmt.Errorf("store: due deliveries: %w", err)
	}
	until := now.Add(ttl)
	var won []Delivery
	for _, d := range candidates {
		res := db.with(ctx).Model(&Delivery{}).
			Where("id = ? AND status = ? AND (lease_until IS NULL OR lease_until < ?)", d.ID, DeliveryPending, now).
			Updates(map[string]any{"lease_owner": owner, "lease_until": until, "attempts": d.Attempts + 1})
		if res.Error != nil {
			return won, fmt.Errorf("store: claim delivery %d: %w", d.ID, res.Error)
		}
		if res.RowsAffected == 1 {
			d.LeaseOwner, d.LeaseUntil, d.Attempts = owner, &until, d.Attempts+1
			won = append(won, d)
		}
	}
	return won, nil
}

// leased updates a delivery the owner still holds.
func (db *DB) leased(ctx context.Context, id uint, owner string, fields map[string]any) error {
	res := db.with(ctx).Model(&Delivery{}).
		Where("id = ? AND lease_owner = ? AND status = ?", id, owner, DeliveryPending).Updates(fields)
	if res.Error != nil {
		return fmt.Errorf("store: update delivery %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delivery %d: %w", id, ErrLeaseLost)
	}
	return nil
}

// RenewDelivery extends the owner's lease.
func (db *DB) RenewDelivery(ctx context.Context, id uint, owner string, until time.Time) error {
	return db.leased(ctx, id, owner, map[string]any{"lease_until": until})
}

// RecordPart stores progress after one message of the delivery was posted
// (how many parts are out, the parent's id and the thread replies go to) and
// extends the lease to leaseUntil, since the sender is evidently alive.
func (db *DB) RecordPart(ctx context.Context, id uint, owner string, partsSent int, messageID, threadID string, leaseUntil time.Time) error {
	return db.leased(ctx, id, owner, map[string]any{
		"parts_sent": partsSent, "message_id": messageID, "thread_id": threadID, "lease_until": leaseUntil,
	})
}

// CompleteDelivery marks a delivery sent and releases it.
func (db *DB) CompleteDelivery(ctx context.Context, id uint, owner string, at time.Time) error {
	return db.leased(ctx, id, owner, map[string]any{
		"status": DeliveryDelivered, "delivered_at": at, "lease_owner": "", "lease_until": nil, "last_error": "",
	})
}

// RetryDelivery releases a failed delivery until next. countAttempt false
// gives the attempt back (a rate limit is the platform's pacing, not a
// failure of this delivery).
func (db *DB) RetryDelivery(ctx context.Context, id uint, owner string, next time.Time, lastErr string, countAttempt bool) error {
	fields := map[string]any{
		"next_attempt_at": next, "last_error": lastErr, "lease_owner": "", "lease_until": nil,
	}
	if !countAttempt {
		fields["attempts"] = gorm.Expr("CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END")
	}
	return db.leased(ctx, id, owner, fields)
}

// ParkDelivery stops retrying a delivery and keeps it, with why, for people to see.
func (db *DB) ParkDelivery(ctx context.Context, id uint, owner, reason string) error {
	return db.leased(ctx, id, owner, map[string]any{
		"status": DeliveryParked, "last_error": reason, "lease_owner": "", "lease_until": nil,
	})
}

// ParkChannel records why the chat refuses to post in a channel; an empty
// reason clears it.
func (db *DB) ParkChannel(ctx context.Context, channelID uint, reason string) error {
	return db.UpdateChannel(ctx, channelID, map[string]any{"parked_reason": reason})
}

// Delivery returns one delivery.
func (db *DB) Delivery(ctx context.Context, id uint) (*Delivery, error) {
	var d Delivery
	if err := db.with(ctx).First(&d, id).Error; err != nil {
		return nil, notFound(err, fmt.Sprintf("delivery %d", id))
	}
	return &d, nil
}

// ChannelDeliveries returns a channel's deliveries with the given status (all
// when empty), oldest first.
func (db *DB) ChannelDeliveries(ctx context.Context, channelID uint, status string) ([]Delivery, error) {
	q := db.with(ctx).Where("channel_id = ?", channelID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var ds []Delivery
	if err := q.Order("id").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("store: deliveries of channel %d: %w", channelID, err)
	}
	return ds, nil
}

// Deliveries returns every delivery with the given status (all when empty),
// oldest first.
func (db *DB) Deliveries(ctx context.Context, status string) ([]Delivery, error) {
	q := db.with(ctx)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var ds []Delivery
	if err := q.Order("id").Find(&ds).Error; err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	return ds, nil
}

// DueDeliveryCount counts pending deliveries for the given tenant kinds whose
// time has come by now: what a process shutting down would leave unsent.
func (db *DB) DueDeliveryCount(ctx context.Context, kinds []string, now time.Time) (int, error) {
	if len(kinds) == 0 {
		return 0, nil
	}
	var n int64
	err := db.with(ctx).Model(&Delivery{}).
		Joins("JOIN tenants ON tenants.id = deliveries.tenant_id").
		Where("deliveries.status = ? AND deliveries.next_attempt_at <= ? AND tenants.kind IN ?", DeliveryPending, now, kinds).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("store: count due deliveries: %w", err)
	}
	return int(n), nil
}
