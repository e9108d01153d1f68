package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/policybot/policybot/store"
)

// The benchmarks serve the Coursera 005 → 006 record (a real 42 KB policy,
// 8 edits, 4 provision items) and Coursera's platform page from a SQLite
// store on disk. BenchmarkChangeStoreRead is the baseline: the store reads
// every answer about a change must make. Compare the others to it, e.g.
//
//	go test -run '^$' -bench . -benchtime 200x ./web/
func benchFixture(b *testing.B) *fixture {
	b.Helper()
	return newFixture(b, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) })
}

func BenchmarkChangeStoreRead(b *testing.B) {
	f := benchFixture(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		c, err := f.db.Change(ctx, f.change.ID)
		if err != nil {
			b.Fatal(err)
		}
		for _, v := range []string{c.FromVersion.SnapshotIDs, c.ToVersion.SnapshotIDs} {
			if _, err := f.db.SnapshotsByIDs(ctx, store.SplitIDs(v)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func benchGet(b *testing.B, path string) {
	f := benchFixture(b)
	h := f.srv.Handler()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	b.ResetTimer()
	var n int
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, rec.Code)
		}
		n = rec.Body.Len()
	}
	b.SetBytes(int64(n))
}

func BenchmarkChangeRecordHTML(b *testing.B) { benchGet(b, fmt.Sprintf("/changes/%d", 1)) }
func BenchmarkChangeRecordJSON(b *testing.B) { benchGet(b, fmt.Sprintf("/changes/%d.json", 1)) }
func BenchmarkPlatformPage(b *testing.B)     { benchGet(b, "/platforms/coursera") }
func BenchmarkPlatformFeed(b *testing.B)     { benchGet(b, "/platforms/coursera/feed.atom") }
func BenchmarkCompare(b *testing.B) {
	benchGet(b, "/compare?platforms=coursera,netflix&category=first_party_collection")
}
