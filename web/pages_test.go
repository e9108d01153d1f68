package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/policybot/policybot/store"
)

// unmark drops the word marks, so excerpts can be found whole.
var unmark = strings.NewReplacer("<ins>", "", "</ins>", "", "<del>", "", "</del>", "")

func TestPlatformPage(t *testing.T) {
	f := newFixture(t)
	res := f.get(t, "/platforms/coursera")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, res.body)
	}
	body := res.body
	for _, w := range []string{
		"<h1>Coursera</h1>", "Privacy Policy", courseraURL,
		`<svg viewBox="0 0 720`, `role="img"`, `class="mark sev-critical"`, `class="mark kind-first"`,
		fmt.Sprintf(`<a href="/changes/%d">`, f.change.ID),
		"Voice &amp; biometric data", // a provision category of version 006
		`/compare?platforms=coursera&amp;category=`,
		`href="/platforms/coursera/feed.atom"`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("platform page lacks %q", w)
		}
	}
	// One mark per version, each with its accessible title.
	marks := regexp.MustCompile(`<circle [^>]*class="mark [^"]*"><title>[^<]+</title></circle>`).FindAllString(body, -1)
	if len(marks) != 2 {
		t.Errorf("%d timeline marks with a title, want 2 (one per version)", len(marks))
	}
	// Provisions come from the store, each with its excerpt.
	provs, err := f.db.Provisions(context.Background(), f.coursera.ID, "")
	must(t, err)
	if len(provs) == 0 {
		t.Fatal("fixture has no provisions")
	}
	for _, p := range provs[:3] {
		if !strings.Contains(body, escapeHTML(p.Excerpt)) {
			t.Errorf("provision excerpt missing: %.80s", p.Excerpt)
		}
	}
}

func TestPlatformJSON(t *testing.T) {
	f := newFixture(t)
	res := f.get(t, "/platforms/coursera.json")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, res.body)
	}
	var a Audit
	must(t, json.Unmarshal([]byte(res.body), &a))
	if a.Platform.Slug != "coursera" || len(a.Documents) != 1 {
		t.Fatalf("audit: %+v", a.Platform)
	}
	d := a.Documents[0]
	if len(d.Versions) != 2 || d.Versions[0].TextSHA256 != f.v6.SHA256 || d.Versions[1].Snapshots[0].SHA256 != f.snap5.SHA256 {
		t.Errorf("versions: %+v", d.Versions)
	}
	if len(d.Changes) != 1 || d.Changes[0].URL != fmt.Sprintf("%s/changes/%d", f.base, f.change.ID) {
		t.Errorf("changes: %+v", d.Changes)
	}
	if len(d.Provisions) == 0 {
		t.Error("no provisions")
	}
	// The ETag is about the data, not the time of the request.
	time.Sleep(1100 * time.Millisecond)
	again := f.get(t, "/platforms/coursera.json", "If-None-Match: "+res.Header.Get("ETag"))
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", again.StatusCode)
	}
}

func TestIndexAndList(t *testing.T) {
	f := newFixture(t)
	// A platform a team added from a URL: reachable, never listed.
	ctx := context.Background()
	secret := &store.Platform{Slug: "intranet-vendor", Name: "Intranet Vendor", Custom: true}
	sdocs := []store.Document{{Type: "Terms", Declaration: "{}", URL: "https://vendor.example/terms"}}
	must(t, f.db.UpsertPlatform(ctx, secret, sdocs))
	sv1 := &store.Version{DocumentID: sdocs[0].ID, SHA256: "1", Text: "a", CapturedAt: t005}
	sv2 := &store.Version{DocumentID: sdocs[0].ID, SHA256: "2", Text: "b", CapturedAt: t006}
	must(t, f.db.CreateVersion(ctx, sv1))
	must(t, f.db.CreateVersion(ctx, sv2))
	must(t, f.db.CreateChange(ctx, &store.Change{DocumentID: sdocs[0].ID, FromVersionID: &sv1.ID, ToVersionID: sv2.ID,
		DetectedAt: t006.Add(time.Hour), Kind: store.KindSubstantive, Severity: "notice", Headline: "Intranet Vendor changed its terms"}))
	for _, p := range []string{"/", "/platforms", "/platforms?q=vendor"} {
		if body := f.get(t, p).body; strings.Contains(body, "Intranet Vendor") {
			t.Errorf("%s lists a custom platform", p)
		}
	}
	if r := f.get(t, "/platforms/intranet-vendor"); r.StatusCode != 200 {
		t.Errorf("custom platform page: %d", r.StatusCode)
	}
	idx := f.get(t, "/")
	if idx.StatusCode != 200 {
		t.Fatalf("index: %d", idx.StatusCode)
	}
	for _, w := range []string{escapeHTML(f.summary.Headline), `href="/platforms/coursera"`, `href="/platforms/netflix"`} {
		if !strings.Contains(idx.body, w) {
			t.Errorf("index lacks %q", w)
		}
	}
	if strings.Contains(idx.body, fmt.Sprintf(`/changes/%d"`, f.netflixChange.ID)) {
		t.Error("a cosmetic change is listed among recent changes")
	}
	list := f.get(t, "/platforms?q=net")
	if list.StatusCode != 200 || !strings.Contains(list.body, "Netflix") || strings.Contains(list.body, ">Coursera<") {
		t.Errorf("search for net: %d\n%s", list.StatusCode, list.body)
	}
}

func TestCompare(t *testing.T) {
	f := newFixture(t)
	res := f.get(t, "/compare?platforms=coursera,netflix&category=ai_features")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, res.body)
	}
	cols := strings.Count(res.body, `<section class="column">`)
	if cols != 2 {
		t.Errorf("%d columns, want one per platform", cols)
	}
	if !strings.Contains(res.body, "Coursera AI") || !strings.Contains(res.body, "No provision of this kind") {
		t.Error("compare page lacks Coursera's excerpt or Netflix's absence")
	}
	if !strings.Contains(res.body, `<option value="ai_features" selected>`) {
		t.Error("the form does not keep the chosen category")
	}
	form := f.get(t, "/compare")
	if form.StatusCode != 200 || !strings.Contains(form.body, `<form class="compare-form"`) {
		t.Errorf("compare form: %d", form.StatusCode)
	}

	js := f.get(t, "/compare.json?platforms=netflix,coursera&category=ai_features")
	if js.StatusCode != 200 {
		t.Fatalf("compare.json: %d %s", js.StatusCode, js.body)
	}
	var cmp comparison
	must(t, json.Unmarshal([]byte(js.body), &cmp))
	if len(cmp.Columns) != 2 || cmp.Columns[0].Slug != "netflix" || cmp.Columns[0].Has || !cmp.Columns[1].Has {
		t.Errorf("columns in asked order, netflix without, coursera with: %+v", cmp.Columns)
	}
	if len(cmp.Regulations) == 0 || cmp.Category.ID != "ai_features" {
		t.Errorf("category/regulations: %+v", cmp.Category)
	}
}

func TestHealth(t *testing.T) {
	var schedulerErr error
	f := newFixture(t, func(o *Options) {
		o.Health = func(context.Context) map[string]error {
			return map[string]error{"scheduler": schedulerErr, "slack": nil}
		}
	})
	res := f.get(t, "/healthz")
	var h struct {
		Status string
		Checks map[string]string
	}
	must(t, json.Unmarshal([]byte(res.body), &h))
	if res.StatusCode != 200 || h.Status != "ok" || h.Checks["store"] != "ok" || h.Checks["scheduler"] != "ok" || h.Checks["slack"] != "ok" {
		t.Errorf("healthy: %d %+v", res.StatusCode, h)
	}
	schedulerErr = errors.New("scheduler not running")
	res = f.get(t, "/healthz")
	must(t, json.Unmarshal([]byte(res.body), &h))
	if res.StatusCode != 503 || h.Status != "failing" || h.Checks["scheduler"] != "scheduler not running" {
		t.Errorf("failing: %d %+v", res.StatusCode, h)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("health may be cached")
	}
	// A store that is gone fails the check.
	must(t, f.db.Close())
	res = f.get(t, "/healthz")
	if res.StatusCode != 503 || !strings.Contains(res.body, `"store"`) || strings.Contains(res.body, `"store": "ok"`) {
		t.Errorf("closed store: %d %s", res.StatusCode, res.body)
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	f := newFixture(t)
	f.srv.Mount("POST /hooks/test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	paths := []string{
		"/", "/platforms", "/platforms/coursera", "/platforms/coursera.json", "/platforms/coursera/feed.atom",
		fmt.Sprintf("/changes/%d", f.change.ID), fmt.Sprintf("/changes/%d.json", f.change.ID),
		fmt.Sprintf("/snapshots/%d/raw", f.snap5.ID), "/compare", "/compare?platforms=coursera&category=ai_features",
		"/compare.json?platforms=coursera&category=ai_features", "/feeds/" + f.channel.FeedToken + ".atom",
		"/healthz", "/metrics", "/static/style.css", "/static/favicon.svg", "/favicon.ico",
		"/changes/abc", "/changes/424242", "/nope", "/feeds/x.atom",
	}
	check := func(t *testing.T, res response) {
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("CSP %q", csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
			if h.Get(k) != v {
				t.Errorf("%s: %q", k, h.Get(k))
			}
		}
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			res := f.get(t, p)
			check(t, res)
			if strings.HasPrefix(p, "/snapshots/") {
				return
			}
			if res.StatusCode < 400 && strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				if got := res.Header.Get("Content-Security-Policy"); got != pageCSP {
					t.Errorf("page CSP %q", got)
				}
			}
		})
	}
	t.Run("mounted", func(t *testing.T) {
		res := f.do(t, http.MethodPost, "/hooks/test")
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("mounted route: %d", res.StatusCode)
		}
		check(t, res)
	})
}

func TestEscapesPolicyText(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	evil := `<script>alert("owned")</script>`
	p := &store.Platform{Slug: "evil", Name: "Evil " + evil}
	docs := []store.Document{{Type: "Terms " + evil, Declaration: "{}", URL: "javascript:alert(1)"}}
	must(t, f.db.UpsertPlatform(ctx, p, docs))
	v1 := &store.Version{DocumentID: docs[0].ID, SHA256: "a", Text: "We keep data.", CapturedAt: t005}
	v2 := &store.Version{DocumentID: docs[0].ID, SHA256: "b", Text: "We keep data " + evil, CapturedAt: t006}
	must(t, f.db.CreateVersion(ctx, v1))
	must(t, f.db.CreateVersion(ctx, v2))
	sum := fmt.Sprintf(`{"headline":%q,"severity":"notice","categories":["data_retention"],"items":[{"category":"data_retention","category_name":%q,"direction":"expanded","severity":"notice","before":%q,"after":%q,"regulations":[{"id":"x","cite":%q,"title":"t","url":"javascript:alert(2)"}]}]}`,
		"Headline "+evil, "Cat "+evil, "We keep data.", "We keep data "+evil, "Cite "+evil)
	dif := fmt.Sprintf(`{"kind":"substantive","edits":[{"op":"modified","section":%q,"before":"We keep data.","after":%q,"substantive":true,"words":[{"op":"equal","text":"We keep data"},{"op":"insert","text":%q}]}]}`,
		"Section "+evil, "We keep data "+evil, " "+evil)
	c := &store.Change{DocumentID: docs[0].ID, FromVersionID: &v1.ID, ToVersionID: v2.ID, DetectedAt: t006, Kind: store.KindSubstantive,
		Severity: "notice", Headline: "Headline " + evil, Summary: sum, Diff: dif, Categories: "data_retention"}
	must(t, f.db.CreateChange(ctx, c))
	must(t, f.db.ReplaceProvisions(ctx, docs[0].ID, []store.Provision{{VersionID: v2.ID, DocumentID: docs[0].ID,
		PlatformID: p.ID, Category: "data_retention", Heading: "H " + evil, Excerpt: "We keep data " + evil, Confidence: .9, Evidence: "keep," + evil}}))

	for _, path := range []string{"/", "/platforms", "/platforms/evil", fmt.Sprintf("/changes/%d", c.ID),
		"/compare?platforms=evil&category=data_retention"} {
		res := f.get(t, path)
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", path, res.StatusCode)
			continue
		}
		if strings.Contains(res.body, "<script") {
			t.Errorf("%s: an unescaped <script> reached the page", path)
		}
		if regexp.MustCompile(`(?i)(href|src)="javascript:`).MatchString(res.body) {
			t.Errorf("%s: a javascript: URL reached the page", path)
		}
		if !strings.Contains(res.body, "&lt;script&gt;") {
			t.Errorf("%s: the policy text is not shown escaped", path)
		}
	}
	feed := f.get(t, "/platforms/evil/feed.atom")
	if strings.Contains(feed.body, "<script") {
		t.Error("feed carries raw markup")
	}
}

func TestRequestLogs(t *testing.T) {
	f := newFixture(t)
	f.get(t, "/feeds/"+f.channel.FeedToken+".atom")
	f.get(t, "/changes/abc")
	logs := f.logs.String()
	if strings.Contains(logs, f.channel.FeedToken) {
		t.Fatal("a feed token was logged")
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		must(t, json.Unmarshal([]byte(l), &m))
		lines = append(lines, m)
	}
	want := []struct {
		path   string
		status float64
	}{{"/feeds/REDACTED.atom", 200}, {"/changes/abc", 400}}
	if len(lines) != len(want) {
		t.Fatalf("%d log lines: %s", len(lines), logs)
	}
	for i, w := range want {
		l := lines[i]
		if l["msg"] != "request" || l["method"] != "GET" || l["path"] != w.path || l["status"] != w.status {
			t.Errorf("line %d: %v", i, l)
		}
		if b, _ := l["bytes"].(float64); b <= 0 {
			t.Errorf("line %d: bytes %v", i, l["bytes"])
		}
		if _, ok := l["duration"]; !ok {
			t.Errorf("line %d: no duration", i)
		}
	}
}

func TestStatic(t *testing.T) {
	f := newFixture(t)
	page := f.get(t, "/")
	m := regexp.MustCompile(`href="(/static/style\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("no versioned stylesheet link")
	}
	css := f.get(t, m[1])
	if css.StatusCode != 200 || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet: %d %q", css.StatusCode, css.Header.Get("Content-Type"))
	}
	if cc := css.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned stylesheet Cache-Control %q", cc)
	}
	if cc := f.get(t, "/static/style.css").Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=3600") {
		t.Errorf("unversioned Cache-Control %q", cc)
	}
	if !strings.Contains(css.body, "@media") {
		t.Error("stylesheet is not responsive")
	}
	if r := f.get(t, "/static/nothing.css"); r.StatusCode != 404 {
		t.Errorf("missing static: %d", r.StatusCode)
	}
	if r := f.get(t, "/static/style.css", "If-None-Match: "+css.Header.Get("ETag")); r.StatusCode != 304 {
		t.Errorf("static conditional: %d", r.StatusCode)
	}
}

func escapeHTML(s string) string { return unmark.Replace(htmlEscaper.Replace(s)) }

// htmlEscaper escapes as html/template does for text.
var htmlEscaper = strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;")
