package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/policybot/policybot/store"
)

func seedDelivery(t *testing.T, db *store.DB, key string, at time.Time) (*store.Channel, *store.Delivery) {
	t.Helper()
	ctx := context.Background()
	tn, err := db.EnsureTenant(ctx, store.TenantConsole, "local", "", "unlimited")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := db.EnsureChannel(ctx, tn.ID, "console", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &store.Delivery{TenantID: tn.ID, ChannelID: ch.ID, Kind: store.DeliveryAlert, Payload: `{}`, IdempotencyKey: key, NextAttemptAt: at}
	ok, err := db.EnqueueDelivery(ctx, d)
	if err != nil || !ok {
		t.Fatalf("enqueue %s: %v %v", key, ok, err)
	}
	return ch, d
}

func TestEnqueueDeliveryIsIdempotent(t *testing.T) { eachStore(t, testEnqueueDeliveryIsIdempotent) }

func testEnqueueDeliveryIsIdempotent(t *testing.T, db *store.DB) {
	now := time.Now().UTC()
	ch, d := seedDelivery(t, db, "change:1:channel:1", now)
	again := &store.Delivery{TenantID: d.TenantID, ChannelID: ch.ID, Kind: store.DeliveryAlert, Payload: `{"x":1}`, IdempotencyKey: d.IdempotencyKey}
	ok, err := db.EnqueueDelivery(context.Background(), again)
	if err != nil || ok {
		t.Fatalf("second enqueue with the same key: written=%v err=%v; want skipped", ok, err)
	}
	all, _ := db.Deliveries(context.Background(), "")
	if len(all) != 1 || all[0].Payload != `{}` {
		t.Fatalf("outbox = %+v", all)
	}
}

func TestClaimLeaseIsExclusiveUntilExpiry(t *testing.T) {
	eachStore(t, testClaimLeaseIsExclusiveUntilExpiry)
}

func testClaimLeaseIsExclusiveUntilExpiry(t *testing.T, db *store.DB) {
	ctx := context.Background()
	now := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	_, d := seedDelivery(t, db, "k1", now)
	kinds := []string{store.TenantConsole}

	if got, _ := db.ClaimDeliveries(ctx, "a", kinds, now.Add(-time.Second), time.Minute, 10); len(got) != 0 {
		t.Fatal("claimed a delivery before it was due")
	}
	if got, _ := db.ClaimDeliveries(ctx, "a", []string{store.TenantSlack}, now, time.Minute, 10); len(got) != 0 {
		t.Fatal("a slack-only process claimed a console delivery")
	}
	got, err := db.ClaimDeliveries(ctx, "a", kinds, now, time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].Attempts != 1 || got[0].LeaseOwner != "a" {
		t.Fatalf("claim = %+v, %v", got, err)
	}
	if other, _ := db.ClaimDeliveries(ctx, "b", kinds, now.Add(30*time.Second), time.Minute, 10); len(other) != 0 {
		t.Fatal("a second owner claimed a leased delivery")
	}
	if n, _ := db.DueDeliveryCount(ctx, kinds, now); n != 1 {
		t.Fatalf("due count = %d, want 1 (leased but unsent)", n)
	}
	// Owner a dies; after the lease b takes over and a's late writes are refused.
	taken, err := db.ClaimDeliveries(ctx, "b", kinds, now.Add(61*time.Second), time.Minute, 10)
	if err != nil || len(taken) != 1 || taken[0].Attempts != 2 {
		t.Fatalf("takeover = %+v, %v", taken, err)
	}
	if err := db.RecordPart(ctx, d.ID, "a", 1, "m1", "m1", now); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("stale owner's write: %v, want ErrLeaseLost", err)
	}
	if err := db.RecordPart(ctx, d.ID, "b", 1, "m2", "m2", now.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.CompleteDelivery(ctx, d.ID, "b", now); err != nil {
		t.Fatal(err)
	}
	got1, _ := db.Delivery(ctx, d.ID)
	if got1.Status != store.DeliveryDelivered || got1.PartsSent != 1 || got1.MessageID != "m2" || got1.LeaseOwner != "" {
		t.Fatalf("after completion: %+v", got1)
	}
	if n, _ := db.DueDeliveryCount(ctx, kinds, now.Add(time.Hour)); n != 0 {
		t.Fatalf("due count after delivery = %d", n)
	}
}

func TestRetryAndPark(t *testing.T) { eachStore(t, testRetryAndPark) }

func testRetryAndPark(t *testing.T, db *store.DB) {
	ctx := context.Background()
	now := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	ch, d := seedDelivery(t, db, "k2", now)
	kinds := []string{store.TenantConsole}

	db.ClaimDeliveries(ctx, "a", kinds, now, time.Minute, 10)
	// A rate limit gives the attempt back.
	if err := db.RetryDelivery(ctx, d.ID, "a", now.Add(10*time.Second), "429", false); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Delivery(ctx, d.ID)
	if got.Attempts != 0 || got.LeaseOwner != "" || !got.NextAttemptAt.Equal(now.Add(10*time.Second)) {
		t.Fatalf("after rate limit: %+v", got)
	}
	db.ClaimDeliveries(ctx, "a", kinds, now.Add(10*time.Second), time.Minute, 10)
	if err := db.RetryDelivery(ctx, d.ID, "a", now.Add(time.Minute), "boom", true); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Delivery(ctx, d.ID)
	if got.Attempts != 1 || got.LastError != "boom" {
		t.Fatalf("after failure: %+v", got)
	}
	db.ClaimDeliveries(ctx, "a", kinds, now.Add(time.Minute), time.Minute, 10)
	if err := db.ParkDelivery(ctx, d.ID, "a", "channel_not_found"); err != nil {
		t.Fatal(err)
	}
	if err := db.ParkChannel(ctx, ch.ID, "channel_not_found"); err != nil {
		t.Fatal(err)
	}
	parked, _ := db.ChannelDeliveries(ctx, ch.ID, store.DeliveryParked)
	if len(parked) != 1 || parked[0].LastError != "channel_not_found" {
		t.Fatalf("parked = %+v", parked)
	}
	if again, _ := db.ClaimDeliveries(ctx, "a", kinds, now.Add(time.Hour), time.Minute, 10); len(again) != 0 {
		t.Fatal("a parked delivery was claimed")
	}
	c, _ := db.Channel(ctx, ch.ID)
	if c.ParkedReason != "channel_not_found" {
		t.Fatalf("channel parked reason = %q", c.ParkedReason)
	}
}
