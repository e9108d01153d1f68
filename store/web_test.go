package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

// TestWebQueries checks the web's read queries on SQLite and, when
// POLICYBOT_TEST_POSTGRES names a server, on PostgreSQL.
func TestWebQueries(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testWebQueries(t, storetest.MustOpen(t)) })
	t.Run("postgres", func(t *testing.T) { testWebQueries(t, storetest.MustOpenPostgres(t)) })
}

func testWebQueries(t *testing.T, db *store.DB) {
	ctx := context.Background()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 5, 7, 0, 35, 46, 0, time.UTC)
	mk := func(slug string, custom bool) (store.Platform, store.Document) {
		p := store.Platform{Slug: slug, Name: slug, Custom: custom}
		docs := []store.Document{{Type: "Privacy Policy", Declaration: "{}"}}
		check(db.UpsertPlatform(ctx, &p, docs))
		return p, docs[0]
	}
	a, da := mk("alpha", false)
	b, db2 := mk("beta", false)
	_, _ = mk("gamma", false) // nothing captured, nobody subscribed
	var versions []*store.Version
	for i, d := range []store.Document{da, da, da, db2} {
		v := &store.Version{DocumentID: d.ID, SHA256: string(rune('a' + i)), Text: "t", CapturedAt: at.Add(time.Duration(i) * time.Hour)}
		check(db.CreateVersion(ctx, v))
		versions = append(versions, v)
	}
	changes := []*store.Change{
		{DocumentID: da.ID, FromVersionID: &versions[0].ID, ToVersionID: versions[1].ID, DetectedAt: at.Add(time.Hour), Kind: store.KindSubstantive, Severity: "critical", Summary: "{}", Diff: "{}"},
		{DocumentID: da.ID, FromVersionID: &versions[1].ID, ToVersionID: versions[2].ID, DetectedAt: at.Add(2 * time.Hour), Kind: store.KindCosmetic, Diff: "{}"},
	}
	for _, c := range changes {
		check(db.CreateChange(ctx, c))
	}
	tenant, err := db.EnsureTenant(ctx, store.TenantSlack, "T1", "t", "unlimited")
	check(err)
	ch, err := db.EnsureChannel(ctx, tenant.ID, "C1", "c", nil)
	check(err)
	_, err = db.Subscribe(ctx, &store.Subscription{TenantID: tenant.ID, ChannelID: ch.ID, PlatformID: b.ID})
	check(err)

	recent, err := db.RecentChanges(ctx, []string{store.KindSubstantive}, 10)
	check(err)
	if len(recent) != 1 || recent[0].ID != changes[0].ID || recent[0].Document.Platform.Slug != "alpha" || recent[0].Diff != "" {
		t.Errorf("recent substantive changes: %+v", recent)
	}
	all, err := db.PlatformChanges(ctx, a.ID, nil, 0)
	check(err)
	if len(all) != 2 || all[0].ID != changes[1].ID {
		t.Errorf("platform changes newest first: %+v", all)
	}
	both, err := db.ChangesOfPlatforms(ctx, []uint{a.ID, b.ID}, []string{store.KindSubstantive}, 1)
	check(err)
	if len(both) != 1 {
		t.Errorf("limit: %d", len(both))
	}

	stats, err := db.PlatformStats(ctx)
	check(err)
	sa, sb := stats[a.ID], stats[b.ID]
	if len(stats) != 2 || sa == nil || sb == nil {
		t.Fatalf("stats for alpha and beta only: %v", stats)
	}
	if sa.Versions != 3 || sa.Changes != 1 || sa.LastChangeAt == nil || !sa.LastChangeAt.Equal(at.Add(time.Hour)) ||
		sa.LastCapturedAt == nil || !sa.LastCapturedAt.Equal(at.Add(2*time.Hour)) || sa.Subscribers != 0 {
		t.Errorf("alpha: %+v", sa)
	}
	if sb.Versions != 1 || sb.Changes != 0 || sb.LastChangeAt != nil || sb.Subscribers != 1 {
		t.Errorf("beta: %+v", sb)
	}

	got, err := db.ChannelByFeedToken(ctx, ch.FeedToken)
	check(err)
	if got.ID != ch.ID {
		t.Errorf("channel by token: %d", got.ID)
	}
	for _, tok := range []string{"", "nope"} {
		if _, err := db.ChannelByFeedToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token %q: %v", tok, err)
		}
	}

	_, err = db.EnqueueDelivery(ctx, &store.Delivery{TenantID: tenant.ID, ChannelID: ch.ID, Kind: store.DeliveryAlert,
		Payload: "{}", IdempotencyKey: "k", NextAttemptAt: time.Now().Add(-time.Minute)})
	check(err)
	counts, err := db.DeliveryCounts(ctx)
	check(err)
	if counts[store.DeliveryPending] != 1 || counts[store.DeliveryParked] != 0 {
		t.Errorf("delivery counts %v", counts)
	}
	dq, cq, err := db.QueueDepth(ctx, time.Now())
	check(err)
	if dq != 1 || cq != 1 { // beta's document is tracked and never checked
		t.Errorf("queue depth: %d deliveries, %d checks", dq, cq)
	}
	n, err := db.VersionCount(ctx)
	check(err)
	cc, err := db.ChangeCounts(ctx)
	check(err)
	if n != 4 || cc[[2]string{store.KindSubstantive, "critical"}] != 1 || cc[[2]string{store.KindCosmetic, ""}] != 1 {
		t.Errorf("versions %d, change counts %v", n, cc)
	}
	ps, err := db.PlatformsByIDs(ctx, []uint{b.ID, a.ID})
	check(err)
	if len(ps) != 2 || ps[0].Slug != "alpha" {
		t.Errorf("platforms by ids: %+v", ps)
	}
}
