package monitor_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/internal/demo"
	"github.com/policybot/policybot/monitor"
	"github.com/policybot/policybot/monitor/fetch"
	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

// policyServer serves one page at a time on 127.0.0.1, as a policy site
// would, with an ETag so that conditional requests can be answered with 304.
type policyServer struct {
	mu       sync.Mutex
	status   int
	body     []byte
	etag     string
	requests int
	srv      *httptest.Server
}

func newPolicyServer(t *testing.T) *policyServer {
	ps := &policyServer{status: 200}
	ps.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.mu.Lock()
		defer ps.mu.Unlock()
		ps.requests++
		if ps.etag != "" && r.Header.Get("If-None-Match") == ps.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if ps.etag != "" {
			w.Header().Set("ETag", ps.etag)
		}
		w.WriteHeader(ps.status)
		_, _ = w.Write(ps.body)
	}))
	t.Cleanup(ps.srv.Close)
	return ps
}

func (ps *policyServer) serve(status int, body []byte, etag string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.status, ps.body, ps.etag = status, body, etag
}

// alertRecorder is the change hook: it counts the changes that would alert.
type alertRecorder struct {
	mu     sync.Mutex
	alerts []*analysis.ChangeSummary
	kinds  []string
	health []bool
}

func (a *alertRecorder) onChange(_ context.Context, _ *store.DB, _ *store.Document, ch *store.Change, s *analysis.ChangeSummary) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.kinds = append(a.kinds, ch.Kind)
	if s != nil {
		a.alerts = append(a.alerts, s)
	}
	return nil
}

func (a *alertRecorder) onHealth(_ context.Context, _ *store.DB, _ *store.Document, broken bool, _ string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.health = append(a.health, broken)
	return nil
}

// setup imports coursera from the built-in catalog with its privacy notice
// pointed at the local server, and returns the monitor and the document id.
func setup(t *testing.T, url string, rec *alertRecorder) (*store.DB, *monitor.Monitor, uint) {
	t.Helper()
	return setupOn(t, storetest.MustOpen(t), url, rec)
}

// setupOn is setup on a given store (SQLite or PostgreSQL).
func setupOn(t *testing.T, db *store.DB, url string, rec *alertRecorder) (*store.DB, *monitor.Monitor, uint) {
	t.Helper()
	ctx := context.Background()
	p, ok := catalog.Builtin().Lookup("coursera")
	if !ok {
		t.Fatal("coursera not in the catalog")
	}
	src := p.Documents["Privacy Policy"]
	src.Fetch = url
	p.Documents = map[string]catalog.DocumentSource{"Privacy Policy": src}
	if _, err := catalog.Import(ctx, db, []catalog.Platform{p}); err != nil {
		t.Fatal(err)
	}
	sp, err := db.PlatformBySlug(ctx, "coursera")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default().Fetch
	cfg.AllowPrivate = true
	cfg.Retries = 1
	f := fetch.New(cfg, fetch.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), fetch.WithHostGap(0), fetch.WithBackoff(time.Millisecond, 5*time.Millisecond))
	t.Cleanup(f.Close)
	m := monitor.New(db, f, monitor.Options{
		Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnChange:         rec.onChange,
		OnHealth:         rec.onHealth,
		FailureThreshold: 2,
	})
	return db, m, sp.Documents[0].ID
}

// reindent rewrites the page the way a redeploy does: new indentation, a
// consent banner, and fresh tracking tokens in every link; the policy itself
// is untouched.
func reindent(page []byte) []byte {
	s := strings.ReplaceAll(string(page), "><", ">\n      <")
	banner := `<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk"><p>We use cookies to personalise ads. ` +
		`By clicking Accept All you agree to our use of cookies.</p><button>Accept All</button></div></div>`
	s = strings.Replace(s, "<body", banner+"<body", 1)
	s = strings.Replace(s, "</body>", banner+"</body>", 1)
	link := regexp.MustCompile(`href="(https://www\.coursera\.org/[^"?#]*)"`)
	s = link.ReplaceAllString(s, `href="$1?utm_source=newsletter&amp;utm_campaign=x9&amp;sessionid=7f3a2b"`)
	return []byte(s)
}

// The whole capture flow means the same on SQLite and on PostgreSQL (when
// POLICYBOT_TEST_POSTGRES names a server, as in CI).
func TestCheckEndToEnd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testCheckEndToEnd(t, storetest.MustOpen(t)) })
	t.Run("postgres", func(t *testing.T) { testCheckEndToEnd(t, storetest.MustOpenPostgres(t)) })
}

func testCheckEndToEnd(t *testing.T, onto *store.DB) {
	ctx := context.Background()
	v005, v006 := demo.CourseraBefore(), demo.CourseraAfter()
	ps := newPolicyServer(t)
	rec := &alertRecorder{}
	db, m, docID := setupOn(t, onto, ps.srv.URL+"/about/privacy", rec)

	check := func(step string) monitor.Result {
		t.Helper()
		r, err := m.Check(ctx, docID)
		if err != nil {
			t.Fatalf("%s: check could not run: %v", step, err)
		}
		return r
	}
	versions := func() int {
		vs, err := db.Versions(ctx, docID, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		return len(vs)
	}

	// 1. First capture.
	ps.serve(200, v005, `"v005"`)
	if r := check("first"); r.Outcome != store.OutcomeFirst || r.Change != nil {
		t.Fatalf("first: %+v", r)
	}
	if versions() != 1 {
		t.Fatalf("versions after first capture = %d", versions())
	}

	// 2. The same again: a 304 to the conditional request, then a 200 with the same text.
	if r := check("304"); r.Outcome != store.OutcomeUnchanged {
		t.Fatalf("304: %+v", r)
	}
	checks, _ := db.Checks(ctx, docID, 1)
	if !checks[0].NotModified {
		t.Error("304 not recorded as a verification by Not Modified")
	}
	ps.serve(200, v005, "")
	if r := check("same 200"); r.Outcome != store.OutcomeUnchanged {
		t.Fatalf("same 200: %+v", r)
	}

	// 3. Re-indented, a consent banner, new link tokens: no substantive change.
	ps.serve(200, reindent(v005), "")
	r := check("reindented")
	if r.Outcome == store.OutcomeFailed || (r.Change != nil && r.Change.Kind == store.KindSubstantive) {
		t.Fatalf("re-indented page with banner and tokens: %+v", r)
	}
	t.Logf("re-indented page with banner and tokens: outcome %s, change %+v", r.Outcome, r.Change)

	// 4. A 503 and an error page: failures, never versions.
	before := versions()
	ps.serve(503, []byte("<html><body><h1>Service Unavailable</h1></body></html>"), "")
	if r := check("503"); r.Outcome != store.OutcomeFailed {
		t.Fatalf("503: %+v", r)
	}
	outage := []byte(`<html><head><title>Coursera</title></head><body><div class="coursera-tos"><h1>We're all mixed up</h1>` +
		`<p>Refresh this page or try again later. It may take some time to get things up again.</p><a href="/">go back</a></div></body></html>`)
	ps.serve(200, outage, "")
	r = check("error page")
	if r.Outcome != store.OutcomeFailed || r.Reason == "" {
		t.Fatalf("error page: %+v", r)
	}
	if versions() != before {
		t.Fatalf("a failure recorded a version: %d → %d", before, versions())
	}
	doc, _ := db.Document(ctx, docID)
	if doc.Health != store.HealthFailing || len(rec.health) != 1 || !rec.health[0] {
		t.Fatalf("after 2 failures: health %q, notices %v; want failing and one broken notice", doc.Health, rec.health)
	}

	// 5. The next real version: substantive, one alert, and the monitor recovers.
	ps.serve(200, v006, "")
	r = check("006")
	if r.Outcome != store.OutcomeChanged || r.Change == nil || r.Change.Kind != store.KindSubstantive {
		t.Fatalf("006: %+v", r)
	}
	if len(rec.alerts) != 1 {
		t.Fatalf("alerts = %d, want 1", len(rec.alerts))
	}
	if len(rec.health) != 2 || rec.health[1] {
		t.Fatalf("recovery notice missing: %v", rec.health)
	}
	ch, err := db.Change(ctx, r.Change.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ch.Summary, "transcri") || ch.Severity == "" || ch.Diff == "" {
		t.Errorf("change record lacks the voice transcription item, severity or diff: severity %q, summary %.300s", ch.Severity, ch.Summary)
	}

	// 6. A flip back and forth: reverted, no second alert.
	for i, page := range [][]byte{v005, v006, v005} {
		ps.serve(200, page, "")
		r := check(fmt.Sprintf("flip %d", i))
		if r.Change == nil || r.Change.Kind != store.KindReverted {
			t.Fatalf("flip %d: %+v, want a reverted change", i, r)
		}
	}
	if len(rec.alerts) != 1 {
		t.Fatalf("alerts after flapping = %d, want still 1", len(rec.alerts))
	}

	// Every capture stored its raw bytes once: the flips added no snapshot.
	var snaps []store.Snapshot
	for _, c := range mustChecks(t, db, docID) {
		ids := store.SplitIDs(c.SnapshotIDs)
		got, _ := db.SnapshotsByIDs(ctx, ids)
		snaps = append(snaps, got...)
	}
	distinct := map[string]bool{}
	for _, s := range snaps {
		distinct[s.SHA256] = true
	}
	// v005, the outage page, v006: a 503 is not a capture, and the re-indented
	// page verified the text without keeping its bytes (only their hash).
	if len(distinct) != 3 {
		t.Errorf("distinct snapshots = %d, want 3", len(distinct))
	}
	var verifiedHashes int
	for _, c := range mustChecks(t, db, docID) {
		if c.Outcome == store.OutcomeUnchanged && !c.NotModified {
			if c.SnapshotIDs != "" || len(c.RawSHA256) != 64 {
				t.Errorf("verification %d keeps snapshots %q, hashes %q; want only the hash", c.ID, c.SnapshotIDs, c.RawSHA256)
			}
			verifiedHashes++
		}
	}
	if verifiedHashes != 2 {
		t.Errorf("verifications with a 200 = %d, want 2 (same page, re-indented page)", verifiedHashes)
	}
	_, raw, err := db.Snapshot(ctx, snaps[len(snaps)-1].ID)
	if err != nil || !bytes.Equal(raw, v005) && !bytes.Equal(raw, v006) {
		t.Errorf("snapshot bytes are not exactly what was served (err %v)", err)
	}
}

func mustChecks(t *testing.T, db *store.DB, docID uint) []store.Check {
	t.Helper()
	cs, err := db.Checks(context.Background(), docID, 0)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestCheckBlockedPageIsAFailureWithRetryAfter(t *testing.T) {
	ctx := context.Background()
	ps := newPolicyServer(t)
	ps.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7200")
		http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
	})
	rec := &alertRecorder{}
	db, m, docID := setup(t, ps.srv.URL+"/about/privacy", rec)
	start := time.Now()
	r, err := m.Check(ctx, docID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != store.OutcomeFailed || r.Reason != string(fetch.KindBlocked) {
		t.Fatalf("429: %+v, want a blocked failure", r)
	}
	doc, _ := db.Document(ctx, docID)
	if doc.NextCheckAt == nil || doc.NextCheckAt.Before(start.Add(2*time.Hour-time.Minute)) {
		t.Errorf("next check %v ignores Retry-After: 7200", doc.NextCheckAt)
	}
}

// An extractor upgrade re-reads the stored snapshot before comparing: the
// difference is recorded as a technical version that never alerts, and the
// capture that follows compares like with like.
func TestExtractorUpgradeIsTechnicalNotAnAlert(t *testing.T) {
	ctx := context.Background()
	ps := newPolicyServer(t)
	rec := &alertRecorder{}
	db, m, docID := setup(t, ps.srv.URL+"/about/privacy", rec)
	ps.serve(200, demo.CourseraBefore(), "")
	if r, err := m.Check(ctx, docID); err != nil || r.Outcome != store.OutcomeFirst {
		t.Fatalf("first: %+v %v", r, err)
	}
	// Make the stored version look like an older extractor's output.
	v, err := db.LatestVersion(ctx, docID)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RewriteVersionForTest(ctx, v.ID, strings.Replace(v.Text, "Personal Data", "personal data", 3)+"\n\nSkip to main content", "0"); err != nil {
		t.Fatal(err)
	}

	r, err := m.Check(ctx, docID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != store.OutcomeUnchanged {
		t.Fatalf("after an extractor upgrade the unchanged page must verify, got %+v", r)
	}
	if len(rec.alerts) != 0 {
		t.Fatalf("an extractor upgrade alerted: %+v", rec.alerts)
	}
	if len(rec.kinds) != 1 || rec.kinds[0] != store.KindTechnical {
		t.Fatalf("changes recorded = %v, want one technical", rec.kinds)
	}
	latest, _ := db.LatestVersion(ctx, docID)
	if !latest.Technical || latest.ID == v.ID {
		t.Fatalf("latest version %d technical=%v, want a new technical version", latest.ID, latest.Technical)
	}
}

// The scheduler and a person's /check can reach one document together:
// they take turns, so a first capture is recorded once, not twice.
func TestConcurrentChecksOfOneDocumentTakeTurns(t *testing.T) {
	ctx := context.Background()
	ps := newPolicyServer(t)
	rec := &alertRecorder{}
	db, m, docID := setup(t, ps.srv.URL+"/about/privacy", rec)
	ps.serve(200, demo.CourseraBefore(), "")
	const n = 4
	outcomes := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := m.Check(ctx, docID)
			if err != nil {
				t.Error(err)
				return
			}
			outcomes <- r.Outcome
		}()
	}
	wg.Wait()
	close(outcomes)
	count := map[string]int{}
	for o := range outcomes {
		count[o]++
	}
	if count[store.OutcomeFirst] != 1 || count[store.OutcomeUnchanged] != n-1 {
		t.Fatalf("outcomes = %v, want one first and %d unchanged", count, n-1)
	}
	vs, err := db.Versions(ctx, docID, 0, false)
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions = %d (%v), want 1", len(vs), err)
	}
	doc, _ := db.Document(ctx, docID)
	if doc.LeaseOwner != "" || doc.LeaseUntil != nil {
		t.Errorf("lease not given back: %q until %v", doc.LeaseOwner, doc.LeaseUntil)
	}
	if s := m.LockedDocumentsForTest(); s != 0 {
		t.Errorf("%d document locks kept after the checks", s)
	}
}

// A text that comes back within days is flapping (reverted, no alert); one
// that comes back after the other text stood for months is the platform
// undoing a change, and the people who were told of the change are told
// of its undoing.
func TestReturnToAnOldTextAfterMonthsIsAChange(t *testing.T) {
	ctx := context.Background()
	ps := newPolicyServer(t)
	rec := &alertRecorder{}
	db := storetest.MustOpen(t)
	_, _, docID := setupOn(t, db, ps.srv.URL+"/about/privacy", rec)
	now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	cfg := config.Default().Fetch
	cfg.AllowPrivate = true
	f := fetch.New(cfg, fetch.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), fetch.WithHostGap(0))
	t.Cleanup(f.Close)
	m := monitor.New(db, f, monitor.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), OnChange: rec.onChange, OnHealth: rec.onHealth,
		Now: func() time.Time { return now },
	})
	check := func(page []byte, after time.Duration) monitor.Result {
		t.Helper()
		now = now.Add(after)
		ps.serve(200, page, "")
		r, err := m.Check(ctx, docID)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := demo.CourseraBefore(), demo.CourseraAfter()
	check(a, 0)
	if r := check(b, 6*time.Hour); r.Change == nil || r.Change.Kind != store.KindSubstantive {
		t.Fatalf("A→B: %+v", r)
	}
	// B stands for four months, then the platform goes back to A.
	r := check(a, 120*24*time.Hour)
	if r.Change == nil || r.Change.Kind != store.KindSubstantive || len(rec.alerts) != 2 {
		t.Fatalf("B→A after four months: %+v, %d alerts; want a substantive change and a second alert", r.Change, len(rec.alerts))
	}
	// Flipping back six hours later is flapping again.
	if r := check(b, 6*time.Hour); r.Change == nil || r.Change.Kind != store.KindReverted || len(rec.alerts) != 2 {
		t.Fatalf("A→B six hours later: %+v, %d alerts; want reverted and no new alert", r.Change, len(rec.alerts))
	}
}

// A declaration that changes (catalog import with a new selector) reads the
// same page differently: like an extractor upgrade, the stored snapshot is
// re-read first, the difference is a technical version, and nobody is told
// the policy changed.
func TestDeclarationChangeIsTechnicalNotAnAlert(t *testing.T) {
	ctx := context.Background()
	ps := newPolicyServer(t)
	rec := &alertRecorder{}
	db, m, docID := setup(t, ps.srv.URL+"/about/privacy", rec)
	ps.serve(200, demo.CourseraBefore(), "")
	if r, err := m.Check(ctx, docID); err != nil || r.Outcome != store.OutcomeFirst {
		t.Fatalf("first: %+v %v", r, err)
	}
	first, _ := db.LatestVersion(ctx, docID)

	// The operator imports a declaration that also removes the page's tables.
	p, _ := catalog.Builtin().Lookup("coursera")
	src := p.Documents["Privacy Policy"]
	src.Fetch = ps.srv.URL + "/about/privacy"
	src.Remove = append(append(catalog.Selectors(nil), src.Remove...), catalog.Selector{CSS: "table"})
	p.Documents = map[string]catalog.DocumentSource{"Privacy Policy": src}
	if _, err := catalog.Import(ctx, db, []catalog.Platform{p}); err != nil {
		t.Fatal(err)
	}

	r, err := m.Check(ctx, docID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != store.OutcomeUnchanged || len(rec.alerts) != 0 {
		t.Fatalf("after a declaration change the unchanged page must verify, got %+v and %d alert(s)", r, len(rec.alerts))
	}
	latest, _ := db.LatestVersion(ctx, docID)
	if latest.ID == first.ID || !latest.Technical || len(latest.Text) >= len(first.Text) {
		t.Fatalf("latest version %d technical=%v (%d bytes, first %d): want a shorter technical version", latest.ID, latest.Technical, len(latest.Text), len(first.Text))
	}
}

// A site that keeps failing with pages that differ by a nonce keeps the page
// that started the failures, and only the hashes of the ones after it.
func TestRepeatedFailuresKeepTheFirstPage(t *testing.T) {
	ctx := context.Background()
	ps := newPolicyServer(t)
	rec := &alertRecorder{}
	db, m, docID := setup(t, ps.srv.URL+"/about/privacy", rec)
	for i := range 4 {
		ps.serve(200, []byte(fmt.Sprintf(`<html><head><title>Just a moment...</title></head><body><div class="coursera-tos">`+
			`<h1>Checking your browser before accessing coursera.org</h1><p>Ray ID: %08x</p></div></body></html>`, i*7919)), "")
		if r, err := m.Check(ctx, docID); err != nil || r.Outcome != store.OutcomeFailed {
			t.Fatalf("check %d: %+v %v", i, r, err)
		}
	}
	checks := mustChecks(t, db, docID)
	withBytes := 0
	for _, c := range checks {
		if c.SnapshotIDs != "" {
			withBytes++
		}
		if len(c.RawSHA256) != 64 {
			t.Errorf("failed check %d has no hash of what it saw: %q", c.ID, c.RawSHA256)
		}
	}
	if withBytes != 1 {
		t.Errorf("failed checks keeping their page = %d, want 1 (the first)", withBytes)
	}
}
