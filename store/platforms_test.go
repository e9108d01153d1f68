package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

func TestUpsertPlatformCreatesThenUpdatesInPlace(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpen(t)
	p := &store.Platform{Slug: "acme", Name: "Acme", Aliases: "acme.example", Category: "Other", Homepage: "https://acme.example"}
	docs := []store.Document{
		{Type: "Privacy Policy", Declaration: `{"fetch":"https://acme.example/p"}`, DeclarationHistory: "[]", URL: "https://acme.example/p"},
		{Type: "Terms of Service", Declaration: `{"fetch":"https://acme.example/t"}`, URL: "https://acme.example/t"},
	}
	if err := db.UpsertPlatform(ctx, p, docs); err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || docs[0].ID == 0 || docs[1].ID == 0 || docs[0].PlatformID != p.ID {
		t.Fatalf("ids not set: platform %d, documents %+v", p.ID, docs)
	}
	if docs[0].Health != store.HealthUnknown {
		t.Errorf("new document health = %q, want unknown", docs[0].Health)
	}

	// The monitor works on the privacy policy.
	d, err := db.Document(ctx, docs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	next := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	lease := time.Date(2030, 6, 1, 12, 5, 0, 0, time.UTC)
	d.ETag, d.LastModified, d.Health, d.ConsecutiveFailures, d.LastError = `"abc"`, "Mon, 01 Jan 2029 00:00:00 GMT", store.HealthBlocked, 2, "403"
	d.NextCheckAt, d.LeaseOwner, d.LeaseUntil = &next, "replica-1", &lease
	if err := db.SaveDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSchedule(ctx, d.ID, time.Hour, next); err != nil {
		t.Fatal(err)
	}

	// Re-import with a new declaration, a new name and one document fewer.
	p2 := &store.Platform{Slug: "acme", Name: "Acme Corp", Aliases: "acme.example,acme", Category: "Shopping", Homepage: "https://www.acme.example"}
	docs2 := []store.Document{{Type: "Privacy Policy", Declaration: `{"fetch":"https://acme.example/privacy"}`, DeclarationHistory: `[{"fetch":"https://acme.example/p","validUntil":"2029-01-01T00:00:00Z"}]`, URL: "https://acme.example/privacy"}}
	if err := db.UpsertPlatform(ctx, p2, docs2); err != nil {
		t.Fatal(err)
	}
	if p2.ID != p.ID || docs2[0].ID != docs[0].ID {
		t.Fatalf("upsert created new rows: platform %d→%d, document %d→%d", p.ID, p2.ID, docs[0].ID, docs2[0].ID)
	}
	got, err := db.PlatformBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Acme Corp" || got.Aliases != "acme.example,acme" || got.Category != "Shopping" || got.Homepage != "https://www.acme.example" {
		t.Errorf("platform not updated: %+v", got)
	}
	if len(got.Documents) != 2 || got.Documents[0].Type != "Privacy Policy" || got.Documents[1].Type != "Terms of Service" {
		t.Fatalf("documents = %+v; the one left out of the import must stay", got.Documents)
	}
	pp := got.Documents[0]
	if pp.URL != "https://acme.example/privacy" || pp.Declaration != docs2[0].Declaration || pp.DeclarationHistory != docs2[0].DeclarationHistory {
		t.Errorf("declaration not updated: %+v", pp)
	}
	if pp.ETag != `"abc"` || pp.LastModified == "" || pp.Health != store.HealthBlocked || pp.ConsecutiveFailures != 2 ||
		pp.LastError != "403" || pp.NextCheckAt == nil || !pp.NextCheckAt.Equal(next) || pp.LeaseOwner != "replica-1" ||
		pp.CheckInterval != time.Hour {
		t.Errorf("monitoring state clobbered: %+v", pp)
	}
}

// A check reads the document, works for a while (a slow site, a browser),
// then saves its monitoring state. A catalog import in between writes a new
// declaration; the check's save must not put the old one back.
func TestSaveDocumentKeepsADeclarationImportedMeanwhile(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpen(t)
	p := &store.Platform{Slug: "acme", Name: "Acme"}
	if err := db.UpsertPlatform(ctx, p, []store.Document{{Type: "Privacy Policy", Declaration: `{"fetch":"https://acme.example/p"}`, URL: "https://acme.example/p"}}); err != nil {
		t.Fatal(err)
	}
	sp, _ := db.PlatformBySlug(ctx, "acme")
	d, err := db.Document(ctx, sp.Documents[0].ID) // the check starts
	if err != nil {
		t.Fatal(err)
	}
	newDecl := `{"fetch":"https://acme.example/privacy","select":"main"}`
	if err := db.UpsertPlatform(ctx, &store.Platform{Slug: "acme", Name: "Acme"}, []store.Document{{Type: "Privacy Policy", Declaration: newDecl, DeclarationHistory: "[]", URL: "https://acme.example/privacy"}}); err != nil {
		t.Fatal(err)
	}
	d.Health, d.ConsecutiveFailures = store.HealthOK, 0 // the check ends
	if err := db.SaveDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Document(ctx, d.ID)
	if got.Declaration != newDecl || got.URL != "https://acme.example/privacy" || got.DeclarationHistory != "[]" || got.Health != store.HealthOK {
		t.Fatalf("after the check's save: declaration %s, url %s, history %q, health %s; want the imported declaration kept", got.Declaration, got.URL, got.DeclarationHistory, got.Health)
	}
}

func TestUpsertPlatformRefusesEmptySlugAndType(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpen(t)
	if err := db.UpsertPlatform(ctx, &store.Platform{Name: "x"}, nil); err == nil {
		t.Error("empty slug accepted")
	}
	err := db.UpsertPlatform(ctx, &store.Platform{Slug: "x", Name: "X"}, []store.Document{{Declaration: "{}"}})
	if err == nil {
		t.Error("document without a type accepted")
	}
	if _, err := db.PlatformBySlug(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused upsert left the platform behind: %v", err)
	}
}

func TestPlatformBySlugNotFound(t *testing.T) {
	db := storetest.MustOpen(t)
	_, err := db.PlatformBySlug(context.Background(), "nope")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestListPlatformsAndDocumentsOf(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpen(t)
	for _, p := range []store.Platform{
		{Slug: "coursera", Name: "Coursera", Aliases: "coursera.org", Category: "Education"},
		{Slug: "netflix", Name: "Netflix", Aliases: "netflix.com", Category: "Video streaming"},
		{Slug: "percent-100", Name: "100% Pure", Category: "Shopping"},
		{Slug: "under_score", Name: "Under", Category: "Other"},
	} {
		p := p
		docs := []store.Document{
			{Type: "Terms of Service", Declaration: "{}"},
			{Type: "Privacy Policy", Declaration: "{}"},
		}
		if err := db.UpsertPlatform(ctx, &p, docs); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"coursera", "netflix", "percent-100", "under_score"}},
		{"COURS", []string{"coursera"}},
		{"netflix.com", []string{"netflix"}},
		{"streaming", []string{"netflix"}},
		{"%", []string{"percent-100"}}, // a literal percent sign, not a wildcard
		{"_", []string{"under_score"}},
		{"nothing", nil},
	}
	for _, tt := range tests {
		ps, err := db.ListPlatforms(ctx, tt.query)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.Slug)
			if len(p.Documents) != 2 {
				t.Errorf("ListPlatforms(%q): %s has %d documents, want 2", tt.query, p.Slug, len(p.Documents))
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ListPlatforms(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
	p, err := db.PlatformBySlug(ctx, "netflix")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := db.DocumentsOf(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Type != "Privacy Policy" || docs[1].Type != "Terms of Service" {
		t.Errorf("DocumentsOf = %+v", docs)
	}
	if none, err := db.DocumentsOf(ctx, 9999); err != nil || len(none) != 0 {
		t.Errorf("DocumentsOf(unknown) = %v, %v", none, err)
	}
}

func TestUpsertPlatformPostgres(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpenPostgres(t)
	p := &store.Platform{Slug: "acme", Name: "Acme"}
	docs := []store.Document{{Type: "Privacy Policy", Declaration: "{}"}}
	for i := 0; i < 2; i++ {
		if err := db.UpsertPlatform(ctx, p, docs); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := db.ListPlatforms(ctx, "ACM")
	if err != nil || len(ps) != 1 || len(ps[0].Documents) != 1 {
		t.Fatalf("ListPlatforms on PostgreSQL = %+v, %v", ps, err)
	}
}
