package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// cliRun runs one policybot command line against the store in dir.
func cliRun(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := NewMain(strings.NewReader(""), &out, &errOut, func(k string) string { return env[k] })
	code = m.Execute(context.Background(), args)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

// switchable serves one page at a time.
type switchable struct {
	mu     sync.Mutex
	status int
	body   []byte
}

func (s *switchable) set(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(s.status)
	_, _ = w.Write(s.body)
}

// checkLine is the JSON contract of `policybot check --format json`.
type checkLine struct {
	Platform string `json:"platform"`
	Document string `json:"document"`
	Outcome  string `json:"outcome"`
	Change   *struct {
		ID       uint   `json:"id"`
		Kind     string `json:"kind"`
		Severity string `json:"severity"`
	} `json:"change"`
	Error *string `json:"error"`
}

func decodeCheck(t *testing.T, out string) []checkLine {
	t.Helper()
	var lines []checkLine
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var l checkLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("check output is not JSON lines: %v\n%s", err, out)
		}
		lines = append(lines, l)
	}
	return lines
}

func TestCheckHistoryProvisionsCompareCLI(t *testing.T) {
	before, after := pages(t)
	page := &switchable{status: 200, body: before}
	srv := httptest.NewServer(page)
	defer srv.Close()
	dir := t.TempDir()
	seedCoursera(t, dir, srv.URL+"/about/privacy")
	env := testEnv(dir)

	run := func(args ...string) string {
		t.Helper()
		code, out, errOut := cliRun(t, env, args...)
		if code != 0 {
			t.Fatalf("policybot %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}

	first := decodeCheck(t, run("check", "--format", "json", "coursera"))
	if len(first) != 1 || first[0].Outcome != "first" || first[0].Change != nil || first[0].Platform != "coursera" ||
		first[0].Document != "Privacy Policy" || first[0].Error == nil {
		t.Fatalf("first check: %+v", first)
	}
	if same := decodeCheck(t, run("check", "--format", "json", "coursera")); same[0].Outcome != "unchanged" {
		t.Fatalf("second check: %+v", same)
	}
	// A failure is an outcome, not a failed command: exit status 0.
	page.set(503, []byte("<h1>Service Unavailable</h1>"))
	failed := decodeCheck(t, run("check", "--format", "json", "coursera"))
	if failed[0].Outcome != "failed" || failed[0].Error == nil || *failed[0].Error == "" {
		t.Fatalf("503 check: %+v", failed)
	}
	page.set(200, after)
	changed := decodeCheck(t, run("check", "--format", "json", "coursera"))
	if changed[0].Outcome != "changed" || changed[0].Change == nil || changed[0].Change.Kind != "substantive" || changed[0].Change.Severity == "" {
		t.Fatalf("changed check: %+v", changed)
	}

	var events []historyEvent
	if err := json.Unmarshal([]byte(run("history", "--format", "json", "coursera", "Privacy", "Policy")), &events); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range events {
		kinds[e.Event]++
		if e.Event == "version" && len(e.SHA256) != 64 {
			t.Errorf("version without its hash: %+v", e)
		}
		if e.Event == "change" && (e.Kind != "substantive" || !strings.HasPrefix(e.URL, "http://policybot.test/changes/")) {
			t.Errorf("change event: %+v", e)
		}
	}
	if kinds["version"] != 2 || kinds["change"] != 1 || kinds["verification"] != 1 || kinds["failure"] != 1 {
		t.Fatalf("history events = %v, want 2 versions, 1 change, 1 verification, 1 failure", kinds)
	}
	if text := run("history", "coursera"); !strings.Contains(text, "substantive") || !strings.Contains(text, "503") {
		t.Errorf("text history lacks the change or the failure:\n%s", text)
	}

	prov := run("provisions", "coursera", "voice_biometric")
	if !strings.Contains(strings.ToLower(prov), "transcribed") {
		t.Errorf("voice provision excerpt missing:\n%s", prov)
	}
	var provJSON struct {
		Provisions []struct{ Category, Excerpt string }
	}
	if err := json.Unmarshal([]byte(run("provisions", "--format", "json", "coursera")), &provJSON); err != nil || len(provJSON.Provisions) < 5 {
		t.Errorf("provisions JSON: %v, %d provisions", err, len(provJSON.Provisions))
	}

	// A second platform to compare with: the same pages under another slug.
	code, _, errOut := cliRun(t, env, "check", "--format", "json", srv.URL+"/legal/privacy")
	if code != 0 {
		t.Fatalf("check URL: exit %d: %s", code, errOut)
	}
	// Another page of the same site as the same type does not replace the tracked one.
	if code, _, errOut := cliRun(t, env, "check", srv.URL+"/legal/privacy-v2"); code != 1 || !strings.Contains(errOut, "already tracked from") {
		t.Errorf("check of another page of a tracked site: exit %d, %s", code, errOut)
	}
	cmp := run("compare", "coursera", "127-0-0-1", "--category", "third_party_sharing")
	if !strings.Contains(cmp, "2 of 2 platforms") {
		t.Errorf("compare:\n%s", cmp)
	}
}

func TestCheckCLIErrors(t *testing.T) {
	env := testEnv(t.TempDir(), "POLICYBOT_FETCH_ALLOW_PRIVATE", "false")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"check"}, 2, "want one PLATFORM or URL"},
		{[]string{"check", "--format", "xml", "coursera"}, 2, "want text or json"},
		{[]string{"check", "corsera"}, 1, "did you mean coursera"},
		// The address policy answers before anything is fetched or stored.
		{[]string{"check", "http://127.0.0.1:9/privacy"}, 1, "loopback"},
		{[]string{"check", "ftp://example.com/privacy"}, 1, "http"},
		{[]string{"history", "nothing-here"}, 1, "not tracked here"},
		{[]string{"provisions", "coursera", "no-such-category"}, 1, "unknown category"},
		{[]string{"compare", "coursera"}, 2, "at least two"},
	} {
		code, out, errOut := cliRun(t, env, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("policybot %s: exit %d, output %q; want exit %d and %q", strings.Join(tc.args, " "), code, out+errOut, tc.code, tc.want)
		}
	}
}

func TestScheduleOverridesTheInterval(t *testing.T) {
	dir := t.TempDir()
	seedCoursera(t, dir, "http://127.0.0.1:9/privacy")
	env := testEnv(dir)
	code, out, errOut := cliRun(t, env, "schedule", "coursera", "Privacy", "Policy", "30m")
	if code != 0 || !strings.Contains(out, "every 30m0s") {
		t.Fatalf("schedule: exit %d\n%s%s", code, out, errOut)
	}
	m := NewMain(strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return env[k] })
	defer m.Close()
	if err := m.OpenStore(context.Background()); err != nil {
		t.Fatal(err)
	}
	p, err := m.DB.PlatformBySlug(context.Background(), "coursera")
	if err != nil {
		t.Fatal(err)
	}
	d := p.Documents[0]
	if d.CheckInterval != 30*time.Minute || d.NextCheckAt == nil || time.Until(*d.NextCheckAt) > 31*time.Minute {
		t.Fatalf("document after schedule: interval %s, next %v", d.CheckInterval, d.NextCheckAt)
	}
	for _, args := range [][]string{{"schedule", "coursera"}, {"schedule", "coursera", "5s"}, {"schedule", "coursera", "Cookies", "1h"}} {
		if code, _, _ := cliRun(t, env, args...); code == 0 {
			t.Errorf("policybot %s: exit 0, want an error", strings.Join(args, " "))
		}
	}
	if code, out, _ := cliRun(t, env, "schedule", "coursera", "default"); code != 0 || !strings.Contains(out, "(the default)") {
		t.Errorf("schedule default: exit %d, %s", code, out)
	}
}
