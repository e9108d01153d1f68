package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

// seedPlatform stores a platform with the given document types.
func seedPlatform(t *testing.T, db *store.DB, slug string, types ...string) *store.Platform {
	t.Helper()
	p := &store.Platform{Slug: slug, Name: slug}
	var docs []store.Document
	for _, ty := range types {
		docs = append(docs, store.Document{Type: ty, Declaration: `{"fetch":"https://example.com/` + slug + `"}`})
	}
	if err := db.UpsertPlatform(context.Background(), p, docs); err != nil {
		t.Fatal(err)
	}
	got, err := db.PlatformBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestEnsureTenantKeepsPlanAndIsIdempotent(t *testing.T) {
	eachStore(t, testEnsureTenantKeepsPlanAndIsIdempotent)
}

func testEnsureTenantKeepsPlanAndIsIdempotent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a, err := db.EnsureTenant(ctx, store.TenantSlack, "T1", "Acme", "free")
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.EnsureTenant(ctx, store.TenantSlack, "T1", "Acme Inc", "unlimited")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID || b.Plan != "free" || b.Name != "Acme Inc" {
		t.Fatalf("second sight = %+v, want same id, plan free kept, name updated", b)
	}
	other, err := db.EnsureTenant(ctx, store.TenantDiscord, "T1", "", "monitor")
	if err != nil {
		t.Fatal(err)
	}
	if other.ID == a.ID {
		t.Fatal("same external id on another chat must be another tenant")
	}
	ts, err := db.Tenants(ctx)
	if err != nil || len(ts) != 2 {
		t.Fatalf("tenants = %d, %v; want 2", len(ts), err)
	}
}

func TestChannelsAndSubscriptionsDoNotCrossTenants(t *testing.T) {
	eachStore(t, testChannelsAndSubscriptionsDoNotCrossTenants)
}

func testChannelsAndSubscriptionsDoNotCrossTenants(t *testing.T, db *store.DB) {
	ctx := context.Background()
	p := seedPlatform(t, db, "coursera", "Privacy Policy", "Terms of Service")
	t1, _ := db.EnsureTenant(ctx, store.TenantSlack, "T1", "", "unlimited")
	t2, _ := db.EnsureTenant(ctx, store.TenantSlack, "T2", "", "unlimited")
	c1, err := db.EnsureChannel(ctx, t1.ID, "C1", "general", nil)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := db.EnsureChannel(ctx, t2.ID, "C1", "general", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c1.ID == c2.ID || c1.FeedToken == c2.FeedToken || c1.FeedToken == "" {
		t.Fatalf("channels: %+v %+v; want distinct rows with distinct feed tokens", c1, c2)
	}
	if !c1.Threads || c1.MinSeverity != "notice" || c1.DigestMode != "weekly" {
		t.Fatalf("new channel defaults = %+v", c1)
	}
	if _, err := db.Subscribe(ctx, &store.Subscription{TenantID: t1.ID, ChannelID: c1.ID, PlatformID: p.ID}); err != nil {
		t.Fatal(err)
	}
	subs2, err := db.ChannelSubscriptions(ctx, c2.ID)
	if err != nil || len(subs2) != 0 {
		t.Fatalf("tenant 2 sees %d subscriptions (%v), want 0", len(subs2), err)
	}
	n, _ := db.TenantPlatformCount(ctx, t2.ID)
	if n != 0 {
		t.Fatalf("tenant 2 counts %d platforms", n)
	}
	subs1, err := db.ChannelSubscriptions(ctx, c1.ID)
	if err != nil || len(subs1) != 1 || len(subs1[0].Platform.Documents) != 2 {
		t.Fatalf("tenant 1 subscriptions = %+v, %v", subs1, err)
	}
}

func TestSubscribeWidensTypes(t *testing.T) { eachStore(t, testSubscribeWidensTypes) }

func testSubscribeWidensTypes(t *testing.T, db *store.DB) {
	ctx := context.Background()
	p := seedPlatform(t, db, "netflix", "Privacy Policy", "Terms of Service", "Cookie Policy")
	tn, _ := db.EnsureTenant(ctx, store.TenantConsole, "local", "", "unlimited")
	ch, _ := db.EnsureChannel(ctx, tn.ID, "console", "", nil)
	tests := []struct {
		add, want string
		created   bool
	}{
		{"Privacy Policy", "Privacy Policy", true},
		{"Terms of Service", "Privacy Policy,Terms of Service", false},
		{"Privacy Policy", "Privacy Policy,Terms of Service", false},
		{"", "", false}, // all types absorbs the list
		{"Cookie Policy", "", false},
	}
	for _, tt := range tests {
		s := &store.Subscription{TenantID: tn.ID, ChannelID: ch.ID, PlatformID: p.ID, DocumentTypes: tt.add}
		created, err := db.Subscribe(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if created != tt.created || s.DocumentTypes != tt.want {
			t.Errorf("subscribe %q: created=%v types=%q, want %v %q", tt.add, created, s.DocumentTypes, tt.created, tt.want)
		}
	}
	s, _ := db.ChannelSubscription(ctx, ch.ID, p.ID)
	if !s.Covers("cookie policy") {
		t.Error("an all-types subscription must cover every type")
	}
	if ok, _ := db.SetMuted(ctx, ch.ID, p.ID, true); !ok {
		t.Error("mute of a tracked platform reported untracked")
	}
	if ok, _ := db.Unsubscribe(ctx, ch.ID, p.ID); !ok {
		t.Error("unsubscribe reported nothing removed")
	}
	if ok, _ := db.SetMuted(ctx, ch.ID, p.ID, true); ok {
		t.Error("mute of an untracked platform reported tracked")
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		types, doc string
		want       bool
	}{
		{"", "Privacy Policy", true},
		{"Privacy Policy", "Privacy Policy", true},
		{"Privacy Policy,Terms of Service", "terms of service", true},
		{"Privacy Policy", "Terms of Service", false},
	}
	for _, tt := range tests {
		if got := (store.Subscription{DocumentTypes: tt.types}).Covers(tt.doc); got != tt.want {
			t.Errorf("Covers(%q, %q) = %v", tt.types, tt.doc, got)
		}
	}
}

func TestThreadUpsertAndChannelUpdate(t *testing.T) { eachStore(t, testThreadUpsertAndChannelUpdate) }

func testThreadUpsertAndChannelUpdate(t *testing.T, db *store.DB) {
	ctx := context.Background()
	p := seedPlatform(t, db, "zoom", "Privacy Policy")
	tn, _ := db.EnsureTenant(ctx, store.TenantConsole, "local", "", "unlimited")
	ch, _ := db.EnsureChannel(ctx, tn.ID, "console", "", nil)
	doc := p.Documents[0]
	if _, err := db.Thread(ctx, ch.ID, doc.ID, store.ThreadChanges); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("thread before any post: %v, want not found", err)
	}
	t0 := time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)
	if err := db.SaveThread(ctx, ch.ID, doc.ID, store.ThreadChanges, "m1", t0); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveThread(ctx, ch.ID, doc.ID, store.ThreadChanges, "m1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	th, err := db.Thread(ctx, ch.ID, doc.ID, store.ThreadChanges)
	if err != nil || th.ParentMessageID != "m1" || !th.LastPostAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("thread = %+v, %v", th, err)
	}
	if err := db.UpdateChannel(ctx, ch.ID, map[string]any{"threads": false}); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Channel(ctx, ch.ID)
	if got.Threads {
		t.Fatal("threads off was not written")
	}
}

func TestDigestDueAndAdvancedOnce(t *testing.T) { eachStore(t, testDigestDueAndAdvancedOnce) }

func testDigestDueAndAdvancedOnce(t *testing.T, db *store.DB) {
	ctx := context.Background()
	tn, _ := db.EnsureTenant(ctx, store.TenantConsole, "local", "", "unlimited")
	due := time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)
	ch, err := db.EnsureChannel(ctx, tn.ID, "console", "", func(c *store.Channel) { c.NextDigestAt = &due })
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := db.DueDigests(ctx, due.Add(-time.Second), 0); len(got) != 0 {
		t.Fatalf("due before its time: %d", len(got))
	}
	got, err := db.DueDigests(ctx, due, 0)
	if err != nil || len(got) != 1 || got[0].Tenant.ID != tn.ID {
		t.Fatalf("due = %+v, %v", got, err)
	}
	next := due.AddDate(0, 0, 7)
	ok1, err1 := db.AdvanceDigest(ctx, ch.ID, *got[0].NextDigestAt, &next)
	ok2, err2 := db.AdvanceDigest(ctx, ch.ID, *got[0].NextDigestAt, &next)
	if err1 != nil || err2 != nil || !ok1 || ok2 {
		t.Fatalf("advance twice = %v/%v %v/%v; want exactly one winner", ok1, err1, ok2, err2)
	}
}

// eachStore runs fn on a SQLite file and, when POLICYBOT_TEST_POSTGRES names
// a server, on PostgreSQL: the chat and outbox queries must mean the same on both.
func eachStore(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, storetest.MustOpen(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.MustOpenPostgres(t)) })
}
