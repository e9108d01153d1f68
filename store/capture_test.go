package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/policybot/policybot/store"
)

// The monitor's queries — snapshots, versions, changes, provisions, due
// documents and leases — mean the same on SQLite and PostgreSQL.
func TestCaptureQueries(t *testing.T) {
	eachStore(t, testCaptureQueries)
}

func testCaptureQueries(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := time.Date(2026, 5, 7, 0, 35, 0, 0, time.UTC)
	p := &store.Platform{Slug: "coursera", Name: "Coursera"}
	docs := []store.Document{
		{Type: "Privacy Policy", Declaration: `{"fetch":"https://www.coursera.org/about/privacy"}`},
		{Type: "Terms of Service", Declaration: `{"fetch":"https://www.coursera.org/about/terms"}`},
	}
	if err := db.UpsertPlatform(ctx, p, docs); err != nil {
		t.Fatal(err)
	}
	privacy, terms := docs[0], docs[1]

	// Snapshots are stored once per SHA-256 and come back byte for byte.
	page := bytes.Repeat([]byte("<p>We may share your data.</p>\n"), 200)
	s1, err := db.PutSnapshot(ctx, privacy.ID, "https://www.coursera.org/about/privacy", 200, "text/html", page, t0)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := db.PutSnapshot(ctx, privacy.ID, "https://www.coursera.org/about/privacy", 200, "text/html", page, t0.Add(time.Hour))
	if err != nil || s2.ID != s1.ID {
		t.Fatalf("same bytes stored twice: %d and %d (%v)", s1.ID, s2.ID, err)
	}
	got, raw, err := db.Snapshot(ctx, s1.ID)
	if err != nil || !bytes.Equal(raw, page) || got.SHA256 != store.SHA256(page) || got.Size != int64(len(page)) {
		t.Fatalf("snapshot round trip: %v, size %d", err, got.Size)
	}
	if int64(len(got.Data)) >= got.Size {
		t.Errorf("snapshot stored uncompressed: %d bytes for %d", len(got.Data), got.Size)
	}

	// Versions, newest first; the latest one; changes between them.
	v1 := &store.Version{DocumentID: privacy.ID, SHA256: store.SHA256([]byte("a")), Text: "a", SnapshotIDs: store.JoinIDs([]uint{s1.ID}), CapturedAt: t0}
	v2 := &store.Version{DocumentID: privacy.ID, SHA256: store.SHA256([]byte("b")), Text: "b", CapturedAt: t0.Add(24 * time.Hour)}
	for _, v := range []*store.Version{v1, v2} {
		if err := db.CreateVersion(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	latest, err := db.LatestVersion(ctx, privacy.ID)
	if err != nil || latest.ID != v2.ID {
		t.Fatalf("latest = %+v (%v), want version %d", latest, err, v2.ID)
	}
	listed, err := db.Versions(ctx, privacy.ID, 0, false)
	if err != nil || len(listed) != 2 || listed[0].ID != v2.ID || listed[0].Text != "" {
		t.Fatalf("versions without text, newest first: %+v (%v)", listed, err)
	}
	ch := &store.Change{DocumentID: privacy.ID, FromVersionID: &v1.ID, ToVersionID: v2.ID, DetectedAt: t0.Add(24 * time.Hour),
		Kind: store.KindSubstantive, Severity: "important", Headline: "Coursera now shares more."}
	if err := db.CreateChange(ctx, ch); err != nil {
		t.Fatal(err)
	}
	full, err := db.Change(ctx, ch.ID)
	if err != nil || full.Document.Platform.Slug != "coursera" || full.FromVersion == nil || full.FromVersion.Text != "a" || full.ToVersion.Text != "b" {
		t.Fatalf("change with its document, platform and versions: %+v (%v)", full, err)
	}
	week, err := db.ChangesSince(ctx, []uint{p.ID}, t0, t0.Add(7*24*time.Hour))
	if err != nil || len(week) != 1 || week[0].Document.Platform.Name != "Coursera" {
		t.Fatalf("changes of the week: %+v (%v)", week, err)
	}
	if none, _ := db.ChangesSince(ctx, []uint{p.ID}, t0.Add(48*time.Hour), t0.Add(72*time.Hour)); len(none) != 0 {
		t.Errorf("changes outside the period: %d", len(none))
	}

	// The provision index is replaced, not appended to.
	for range 2 {
		err := db.ReplaceProvisions(ctx, privacy.ID, []store.Provision{
			{VersionID: v2.ID, DocumentID: privacy.ID, PlatformID: p.ID, Category: "third_party_sharing", Excerpt: "We may share your data.", Confidence: 0.9},
			{VersionID: v2.ID, DocumentID: privacy.ID, PlatformID: p.ID, Category: "data_retention", Excerpt: "We keep it.", Confidence: 0.8},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if ps, err := db.Provisions(ctx, p.ID, ""); err != nil || len(ps) != 2 {
		t.Fatalf("provisions = %d (%v), want 2 after replacing twice", len(ps), err)
	}
	if ps, _ := db.Provisions(ctx, p.ID, "data_retention"); len(ps) != 1 {
		t.Errorf("provisions of one category = %d", len(ps))
	}

	// Only documents someone tracks are due; a subscription naming types covers only those.
	now := t0.Add(30 * 24 * time.Hour)
	if due, err := db.DueDocuments(ctx, now, 0); err != nil || len(due) != 0 {
		t.Fatalf("untracked documents due: %d (%v)", len(due), err)
	}
	tenant, err := db.EnsureTenant(ctx, store.TenantConsole, "console", "Console", "unlimited")
	if err != nil {
		t.Fatal(err)
	}
	channel, err := db.EnsureChannel(ctx, tenant.ID, "console", "console", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Subscribe(ctx, &store.Subscription{TenantID: tenant.ID, ChannelID: channel.ID, PlatformID: p.ID,
		DocumentTypes: "Terms of Service", CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	due, err := db.DueDocuments(ctx, now, 0)
	if err != nil || len(due) != 1 || due[0].ID != terms.ID || due[0].Platform.Slug != "coursera" {
		t.Fatalf("due = %+v (%v), want only the subscribed terms", due, err)
	}

	// A lease is held by one owner until it expires or is given back.
	if ok, err := db.LeaseDocument(ctx, terms.ID, "a", now, time.Minute); err != nil || !ok {
		t.Fatalf("first lease: %v %v", ok, err)
	}
	if ok, _ := db.LeaseDocument(ctx, terms.ID, "b", now.Add(30*time.Second), time.Minute); ok {
		t.Error("a second owner took a held lease")
	}
	if due, _ := db.DueDocuments(ctx, now.Add(30*time.Second), 0); len(due) != 0 {
		t.Error("a leased document is listed as due")
	}
	if ok, _ := db.LeaseDocument(ctx, terms.ID, "b", now.Add(2*time.Minute), time.Minute); !ok {
		t.Error("an expired lease was not taken over")
	}
	if err := db.ReleaseDocument(ctx, terms.ID, "b"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.LeaseDocument(ctx, terms.ID, "a", now.Add(2*time.Minute), time.Minute); !ok {
		t.Error("a released lease was not free")
	}
}
