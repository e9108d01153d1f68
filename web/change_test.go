package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"testing"
)

func TestChangeRecord(t *testing.T) {
	f := newFixture(t)
	res := f.get(t, fmt.Sprintf("/changes/%d", f.change.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, res.body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	body := res.body
	esc := template.HTMLEscapeString
	if len(f.summary.Items) == 0 {
		t.Fatal("the corpus change has no provision items: the fixture is wrong")
	}
	want := []string{
		"Coursera", "Privacy Policy", esc(f.summary.Headline), "Critical",
		// the evidence: source, both capture times, both raw and text hashes, downloads
		courseraURL, "7 May 2026, 00:35 UTC", "12 May 2026, 00:35 UTC",
		f.snap5.SHA256, f.snap6.SHA256, f.v5.SHA256, f.v6.SHA256,
		fmt.Sprintf(`href="/snapshots/%d/raw"`, f.snap5.ID), fmt.Sprintf(`href="/snapshots/%d/raw"`, f.snap6.ID),
		// the diff: words highlighted in place, cosmetic edits folded away
		"<ins>", "<del>", `<details class="cosmetic">`, "cosmetic edit: dates",
		// citable
		"Cite this", fmt.Sprintf("%s/changes/%d", f.base, f.change.ID),
		fmt.Sprintf(`<link rel="canonical" href="%s/changes/%d">`, f.base, f.change.ID),
	}
	for _, it := range f.summary.Items {
		if it.Before != "" {
			want = append(want, esc(it.Before))
		}
		if it.After != "" {
			want = append(want, esc(it.After))
		}
		for _, reg := range it.Regulations {
			want = append(want, esc(reg.Cite))
			if reg.URL != "" {
				want = append(want, `href="`+esc(reg.URL)+`"`)
			}
		}
	}
	// Items' sentences carry word marks: look for them without.
	plain := unmark.Replace(body)
	for _, w := range want {
		if !strings.Contains(body, w) && !strings.Contains(plain, w) {
			t.Errorf("record lacks %q", w)
		}
	}
	// The voice sentence is the change that matters: its new words are marked.
	if !strings.Contains(body, "<ins>") || !strings.Contains(body, "voice-enabled features") {
		t.Error("the voice insertion is not shown")
	}
}

func TestChangeRecordCosmetic(t *testing.T) {
	f := newFixture(t)
	res := f.get(t, fmt.Sprintf("/changes/%d", f.netflixChange.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, w := range []string{"cosmetic change", "Recorded, not announced", "not substantive", "None stored."} {
		if !strings.Contains(res.body, w) {
			t.Errorf("cosmetic record lacks %q", w)
		}
	}
}

func TestChangeJSON(t *testing.T) {
	f := newFixture(t)
	res := f.get(t, fmt.Sprintf("/changes/%d.json", f.change.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, res.body)
	}
	var rec changeRecord
	if err := json.Unmarshal([]byte(res.body), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.ID != f.change.ID || rec.URL != fmt.Sprintf("%s/changes/%d", f.base, f.change.ID) || rec.Kind != "substantive" {
		t.Errorf("record head: %+v", rec)
	}
	if rec.Summary == nil || rec.Summary.Headline != f.summary.Headline || len(rec.Summary.Items) != len(f.summary.Items) {
		t.Errorf("summary not carried: %+v", rec.Summary)
	}
	if rec.Diff == nil || len(rec.Diff.Edits) != len(f.diff.Edits) {
		t.Error("diff not carried")
	}
	ev := rec.Evidence
	if ev.Before == nil || ev.Before.TextSHA256 != f.v5.SHA256 || ev.After.TextSHA256 != f.v6.SHA256 {
		t.Fatalf("evidence texts: %+v", ev)
	}
	if len(ev.After.Snapshots) != 1 || ev.After.Snapshots[0].SHA256 != f.snap6.SHA256 ||
		ev.After.Snapshots[0].Download != fmt.Sprintf("%s/snapshots/%d/raw", f.base, f.snap6.ID) {
		t.Errorf("evidence snapshots: %+v", ev.After.Snapshots)
	}
	if !ev.After.CapturedAt.Equal(t006) || !ev.Before.CapturedAt.Equal(t005) {
		t.Errorf("capture times %v, %v", ev.Before.CapturedAt, ev.After.CapturedAt)
	}
	// Conditional: the same record answers 304.
	again := f.get(t, fmt.Sprintf("/changes/%d.json", f.change.ID), "If-None-Match: "+res.Header.Get("ETag"))
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d", again.StatusCode)
	}
}

func TestSnapshotRaw(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		id   uint
		want []byte
	}{{f.snap5.ID, f.html5}, {f.snap6.ID, f.html6}} {
		res := f.get(t, fmt.Sprintf("/snapshots/%d/raw", tc.id))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		if !bytes.Equal([]byte(res.body), tc.want) {
			t.Errorf("snapshot %d: %d bytes served, want the %d captured", tc.id, len(res.body), len(tc.want))
		}
		h := res.Header
		if h.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q", h.Get("Content-Type"))
		}
		if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".html") {
			t.Errorf("Content-Disposition %q", cd)
		}
		if csp := h.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
			t.Errorf("CSP %q: a captured page must run sandboxed", csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Error("no nosniff")
		}
	}
}

func TestBadAndMissing(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		method, path string
		code         int
		contains     string
	}{
		{"GET", "/changes/abc", 400, "is not a change number"},
		{"GET", "/changes/0", 400, "is not a change number"},
		{"GET", "/changes/-1", 400, "is not a change number"},
		{"GET", "/changes/99999999999999999999", 400, "is not a change number"},
		{"GET", "/changes/1.xml", 400, "is not a change number"},
		{"GET", "/changes/987654", 404, "There is no change #987654"},
		{"GET", "/changes/987654.json", 404, `"error"`},
		{"GET", "/changes/abc.json", 400, `"error"`},
		{"GET", "/compare?platforms=", 400, "Name at least one platform"},
		{"GET", "/compare?platforms=,,&category=data_retention", 400, "Name at least one platform"},
		{"GET", "/compare?platforms=a,b,c,d,e,f,g&category=data_retention", 400, "at most 6 platforms"},
		{"GET", "/compare?platforms=coursera&category=no_such_thing", 400, "is not a provision category"},
		{"GET", "/compare?platforms=coursera", 400, "Choose a provision category"},
		{"GET", "/compare?platforms=%3Cb%3E&category=data_retention", 400, "is not a platform name"},
		{"GET", "/compare?platforms=nowhere&category=data_retention", 404, "No platform is called"},
		{"GET", "/compare.json?platforms=&category=x", 400, `"error"`},
		{"GET", "/compare.json", 400, `"error"`},
		{"GET", "/platforms/nowhere", 404, "No platform is called"},
		{"GET", "/platforms/nowhere.json", 404, `"error"`},
		{"GET", "/platforms/nowhere/feed.atom", 404, ""},
		{"GET", "/snapshots/abc/raw", 400, "is not a snapshot number"},
		{"GET", "/snapshots/424242/raw", 404, "There is no snapshot"},
		{"GET", "/feeds/0123456789abcdef0123456789abcdef.atom", 404, ""},
		{"GET", "/feeds/not-a-token.atom", 404, ""},
		{"GET", "/feeds/" + f.channel.FeedToken, 404, ""}, // no .atom
		{"GET", "/no/such/page", 404, "There is no page at this address"},
		{"POST", "/changes/1", 405, "only answers GET"},
		{"DELETE", "/", 405, "only answers GET"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res := f.do(t, tc.method, tc.path)
			if res.StatusCode != tc.code {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.code, res.body)
			}
			if !strings.Contains(res.body, tc.contains) {
				t.Errorf("body lacks %q:\n%s", tc.contains, res.body)
			}
			if tc.code == 404 && strings.HasPrefix(tc.path, "/feeds/") && strings.Contains(res.body, "token") {
				t.Error("an unknown feed says something about tokens")
			}
		})
	}
}
