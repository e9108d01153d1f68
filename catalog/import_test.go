package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

// The whole built-in catalog goes into a real SQLite file; importing it again
// changes nothing, and the monitor's state on a document survives.
func TestImportBuiltinTwiceKeepsMonitoringState(t *testing.T) {
	testImportTwice(t, storetest.MustOpen(t))
}

// The same on PostgreSQL, when a test server is configured (.ci/run starts one).
func TestImportBuiltinTwicePostgres(t *testing.T) {
	testImportTwice(t, storetest.MustOpenPostgres(t))
}

func testImportTwice(t *testing.T, db *store.DB) {
	ctx := context.Background()
	ps := catalog.Builtin().All()
	docs := 0
	for _, p := range ps {
		docs += len(p.Documents)
	}

	stats, err := catalog.Import(ctx, db, ps)
	if err != nil {
		t.Fatal(err)
	}
	want := catalog.ImportStats{Platforms: len(ps), NewPlatforms: len(ps), Documents: docs, NewDocuments: docs}
	if stats != want {
		t.Fatalf("first import = %+v, want %+v", stats, want)
	}

	// The monitor has been at work on Coursera's privacy policy.
	cour, err := db.PlatformBySlug(ctx, "coursera")
	if err != nil {
		t.Fatal(err)
	}
	var pp store.Document
	for _, d := range cour.Documents {
		if d.Type == "Privacy Policy" {
			pp = d
		}
	}
	if pp.ID == 0 || pp.URL != "https://www.coursera.org/about/privacy" || pp.Health != store.HealthUnknown {
		t.Fatalf("coursera privacy policy row = %+v", pp)
	}
	var src catalog.DocumentSource
	if err := json.Unmarshal([]byte(pp.Declaration), &src); err != nil || src.Select[0].CSS != "div.coursera-tos" {
		t.Fatalf("declaration column = %s (%v)", pp.Declaration, err)
	}
	var hist []catalog.HistoricalSource
	if err := json.Unmarshal([]byte(pp.DeclarationHistory), &hist); err != nil || len(hist) != 1 || hist[0].ValidUntil.IsZero() {
		t.Fatalf("history column = %s (%v)", pp.DeclarationHistory, err)
	}
	next := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	markMonitored(t, db, pp.ID, next)

	stats, err = catalog.Import(ctx, db, ps)
	if err != nil {
		t.Fatal(err)
	}
	want = catalog.ImportStats{Platforms: len(ps), Documents: docs}
	if stats != want {
		t.Errorf("second import = %+v, want %+v (nothing new, nothing changed)", stats, want)
	}
	after, err := db.PlatformBySlug(ctx, "coursera")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range after.Documents {
		if d.Type != "Privacy Policy" {
			continue
		}
		if d.ID != pp.ID || d.ETag != `"v1"` || d.Health != store.HealthFailing || d.ConsecutiveFailures != 3 ||
			d.NextCheckAt == nil || !d.NextCheckAt.Equal(next) {
			t.Errorf("re-import clobbered monitoring state: %+v", d)
		}
	}
	all, err := db.ListPlatforms(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(ps) {
		t.Errorf("store has %d platforms, want %d", len(all), len(ps))
	}
}

// A changed declaration is updated in place; its monitoring state stays.
func TestImportUpdatesDeclaration(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpen(t)
	p := catalog.Platform{Slug: "acme", Name: "Acme", Category: "Other", Aliases: []string{"acme.example"},
		Documents: map[string]catalog.DocumentSource{"Privacy Policy": {Fetch: "https://acme.example/privacy"}}}
	if _, err := catalog.Import(ctx, db, []catalog.Platform{p}); err != nil {
		t.Fatal(err)
	}
	before, _ := db.PlatformBySlug(ctx, "acme")
	next := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	markMonitored(t, db, before.Documents[0].ID, next)

	p.Name = "Acme Corp"
	p.Documents = map[string]catalog.DocumentSource{
		"Privacy Policy":   {Fetch: "https://acme.example/legal/privacy", Select: catalog.Selectors{{CSS: "main"}}},
		"Terms of Service": {Fetch: "https://acme.example/terms"},
	}
	stats, err := catalog.Import(ctx, db, []catalog.Platform{p})
	if err != nil {
		t.Fatal(err)
	}
	if stats.NewDocuments != 1 || stats.UpdatedDocuments != 1 || stats.NewPlatforms != 0 {
		t.Errorf("stats = %+v", stats)
	}
	after, err := db.PlatformBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if after.Name != "Acme Corp" || after.ID != before.ID || len(after.Documents) != 2 {
		t.Fatalf("platform after update = %+v", after)
	}
	d := after.Documents[0]
	if d.URL != "https://acme.example/legal/privacy" || d.ETag != `"v1"` || !d.NextCheckAt.Equal(next) {
		t.Errorf("privacy policy after update = %+v", d)
	}
}

func TestImportRollsBackOnError(t *testing.T) {
	ctx := context.Background()
	db := storetest.MustOpen(t)
	ps := []catalog.Platform{
		{Slug: "fine", Name: "Fine", Documents: map[string]catalog.DocumentSource{"Privacy Policy": {Fetch: "https://fine.example"}}},
		{Slug: "", Name: "No slug"}, // the store refuses it
	}
	if _, err := catalog.Import(ctx, db, ps); err == nil {
		t.Fatal("import of a platform without a slug succeeded")
	}
	if _, err := db.PlatformBySlug(ctx, "fine"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed import left rows behind: %v", err)
	}
}

// markMonitored writes what the monitor would after a few failed checks,
// through the store's own SaveDocument.
func markMonitored(t *testing.T, db *store.DB, docID uint, next time.Time) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Document(ctx, docID)
	if err != nil {
		t.Fatal(err)
	}
	d.ETag, d.Health, d.ConsecutiveFailures, d.NextCheckAt = `"v1"`, store.HealthFailing, 3, &next
	if err := db.SaveDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkImportBuiltin measures loading the whole built-in catalog into a
// fresh SQLite file (first) and into one that has it already (again).
func BenchmarkImportBuiltin(b *testing.B) {
	ps := catalog.Builtin().All()
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			db := storetest.MustOpen(b)
			b.StartTimer()
			if _, err := catalog.Import(context.Background(), db, ps); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("again", func(b *testing.B) {
		db := storetest.MustOpen(b)
		if _, err := catalog.Import(context.Background(), db, ps); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := catalog.Import(context.Background(), db, ps); err != nil {
				b.Fatal(err)
			}
		}
	})
}
