package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/internal/demo"
	"github.com/policybot/policybot/metrics"
	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

// The capture times of the corpus files (testdata/PROVENANCE.md).
var (
	t005        = time.Date(2026, 5, 7, 0, 35, 46, 0, time.UTC)
	t006        = time.Date(2026, 5, 12, 0, 35, 47, 0, time.UTC)
	tNetflix005 = time.Date(2026, 4, 11, 0, 43, 51, 0, time.UTC)
)

const courseraURL = "https://www.coursera.org/about/privacy"

// fixture is a store seeded from the corpus and a running server over it.
type fixture struct {
	db      *store.DB
	srv     *Server
	ts      *httptest.Server
	base    string
	metrics *metrics.Metrics
	logs    *syncBuffer

	coursera      *store.Platform
	change        *store.Change // coursera 005 → 006
	v5, v6        *store.Version
	snap5, snap6  *store.Snapshot
	html5, html6  []byte
	summary       analysis.ChangeSummary
	diff          diff.Result
	channel       *store.Channel
	mutedChannel  *store.Channel
	netflixChange *store.Change // a cosmetic one, never in feeds
}

func readTestdata(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", rel))
	if err != nil {
		tb.Fatalf("testdata: %v", err)
	}
	return b
}

// newFixture seeds Coursera's privacy policy 005 → 006 (raw snapshots,
// versions, the change with its real diff and summary, provisions), Netflix
// with one version and its provisions, and a channel subscribed to both.
func newFixture(tb testing.TB, opts ...func(*Options)) *fixture {
	tb.Helper()
	ctx := context.Background()
	f := &fixture{db: storetest.MustOpen(tb), logs: &syncBuffer{}}
	db := f.db

	decl := readTestdata(tb, "coursera/declaration.json")
	coursera := &store.Platform{Slug: "coursera", Name: "Coursera", Category: "Education", Homepage: "https://www.coursera.org"}
	docs := []store.Document{{Type: "Privacy Policy", Declaration: string(decl), URL: courseraURL}}
	must(tb, db.UpsertPlatform(ctx, coursera, docs))
	f.coursera = coursera
	doc := docs[0]

	f.html5, f.html6 = demo.CourseraBefore(), demo.CourseraAfter()
	md5, md6 := string(readTestdata(tb, "coursera/005-2026-05-07.md")), string(readTestdata(tb, "coursera/006-2026-05-12.md"))
	var err error
	f.snap5, err = db.PutSnapshot(ctx, doc.ID, courseraURL, 200, "text/html; charset=utf-8", f.html5, t005)
	must(tb, err)
	f.snap6, err = db.PutSnapshot(ctx, doc.ID, courseraURL, 200, "text/html; charset=utf-8", f.html6, t006)
	must(tb, err)
	f.v5 = &store.Version{DocumentID: doc.ID, SHA256: store.SHA256([]byte(md5)), Text: md5,
		SnapshotIDs: store.JoinIDs([]uint{f.snap5.ID}), CapturedAt: t005}
	must(tb, db.CreateVersion(ctx, f.v5))
	f.v6 = &store.Version{DocumentID: doc.ID, SHA256: store.SHA256([]byte(md6)), Text: md6,
		SnapshotIDs: store.JoinIDs([]uint{f.snap6.ID}), CapturedAt: t006}
	must(tb, db.CreateVersion(ctx, f.v6))

	// The change as the monitor records it.
	f.diff = diff.Compare(md5, md6)
	f.summary = analysis.Summarize("Coursera", "Privacy Policy", f.diff)
	diffJSON, _ := json.Marshal(f.diff)
	sumJSON, _ := json.Marshal(f.summary)
	f.change = &store.Change{DocumentID: doc.ID, FromVersionID: &f.v5.ID, ToVersionID: f.v6.ID, DetectedAt: t006.Add(time.Minute),
		Kind: store.KindSubstantive, Severity: string(f.summary.Severity), Headline: f.summary.Headline,
		Summary: string(sumJSON), Diff: string(diffJSON), Categories: strings.Join(f.summary.Categories, ",")}
	must(tb, db.CreateChange(ctx, f.change))
	must(tb, db.ReplaceProvisions(ctx, doc.ID, provisionRows(doc, f.v6, analysis.Default().Provisions(md6))))

	netflix := &store.Platform{Slug: "netflix", Name: "Netflix", Category: "Streaming"}
	ndocs := []store.Document{{Type: "Privacy Policy", Declaration: "{}", URL: "https://help.netflix.com/legal/privacy"}}
	must(tb, db.UpsertPlatform(ctx, netflix, ndocs))
	nmd := string(readTestdata(tb, "netflix/005-2026-04-11.md"))
	nv := &store.Version{DocumentID: ndocs[0].ID, SHA256: store.SHA256([]byte(nmd)), Text: nmd, CapturedAt: tNetflix005}
	must(tb, db.CreateVersion(ctx, nv))
	must(tb, db.ReplaceProvisions(ctx, ndocs[0].ID, provisionRows(ndocs[0], nv, analysis.Default().Provisions(nmd))))
	// A cosmetic change: recorded and shown on the record, never announced.
	nv2text := nmd + "\n"
	nv2 := &store.Version{DocumentID: ndocs[0].ID, SHA256: store.SHA256([]byte(nv2text)), Text: nv2text, CapturedAt: tNetflix005.Add(48 * time.Hour)}
	must(tb, db.CreateVersion(ctx, nv2))
	f.netflixChange = &store.Change{DocumentID: ndocs[0].ID, FromVersionID: &nv.ID, ToVersionID: nv2.ID,
		DetectedAt: nv2.CapturedAt, Kind: store.KindCosmetic}
	must(tb, db.CreateChange(ctx, f.netflixChange))

	tenant, err := db.EnsureTenant(ctx, store.TenantSlack, "T0001", "Acme Legal", "unlimited")
	must(tb, err)
	f.channel, err = db.EnsureChannel(ctx, tenant.ID, "C0001", "privacy-watch", nil)
	must(tb, err)
	_, err = db.Subscribe(ctx, &store.Subscription{TenantID: tenant.ID, ChannelID: f.channel.ID, PlatformID: coursera.ID, CreatedBy: "U1"})
	must(tb, err)
	_, err = db.Subscribe(ctx, &store.Subscription{TenantID: tenant.ID, ChannelID: f.channel.ID, PlatformID: netflix.ID, CreatedBy: "U1"})
	must(tb, err)
	f.mutedChannel, err = db.EnsureChannel(ctx, tenant.ID, "C0002", "quiet", nil)
	must(tb, err)
	_, err = db.Subscribe(ctx, &store.Subscription{TenantID: tenant.ID, ChannelID: f.mutedChannel.ID, PlatformID: coursera.ID, CreatedBy: "U1"})
	must(tb, err)
	_, err = db.SetMuted(ctx, f.mutedChannel.ID, coursera.ID, true)
	must(tb, err)

	// Listen first, so the server's public URL is its real address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(tb, err)
	f.base = "http://" + ln.Addr().String()
	f.metrics = metrics.New(metrics.Options{Store: db, NoRuntime: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	o := Options{DB: db, PublicURL: f.base, Metrics: f.metrics, Logger: slog.New(slog.NewJSONHandler(f.logs, nil))}
	for _, fn := range opts {
		fn(&o)
	}
	f.srv = New(o)
	f.ts = httptest.NewUnstartedServer(f.srv.Handler())
	f.ts.Listener.Close()
	f.ts.Listener = ln
	f.ts.Start()
	tb.Cleanup(f.ts.Close)
	return f
}

func provisionRows(doc store.Document, v *store.Version, ps []analysis.Provision) []store.Provision {
	rows := make([]store.Provision, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, store.Provision{VersionID: v.ID, DocumentID: doc.ID, PlatformID: doc.PlatformID,
			Category: p.Category, Heading: p.Heading, Excerpt: p.Excerpt, Start: p.Start, End: p.End,
			Confidence: p.Confidence, Evidence: strings.Join(p.Evidence, ",")})
	}
	return rows
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// response is a finished request, body read.
type response struct {
	*http.Response
	body string
}

// get requests path from the fixture's server with optional headers
// ("Name: value").
func (f *fixture) get(tb testing.TB, path string, headers ...string) response {
	tb.Helper()
	return f.do(tb, http.MethodGet, path, headers...)
}

func (f *fixture) do(tb testing.TB, method, path string, headers ...string) response {
	tb.Helper()
	req, err := http.NewRequest(method, f.base+path, nil)
	must(tb, err)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	res, err := f.ts.Client().Do(req)
	must(tb, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(tb, err)
	return response{res, string(b)}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
