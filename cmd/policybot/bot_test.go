package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/internal/demo"
	"github.com/policybot/policybot/store"
)

// The end-to-end tests drive the real program: the console adapter, the
// router, the real monitor fetching coursera's privacy policy (two real
// versions, demo/PROVENANCE) from a server on 127.0.0.1, the outbox and the
// notifier, on a SQLite file.

// envChild makes the test binary act as policybot itself, so the crash test
// can run it as a subprocess and SIGKILL it.
const envChild = "POLICYBOT_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(envChild); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := NewMain(os.Stdin, os.Stdout, os.Stderr, os.Getenv).Execute(ctx, strings.Fields(args))
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// syncBuffer is a bytes.Buffer safe for the program writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// line is one message of `console --format json`.
type line struct {
	Kind    string `json:"kind"`
	Channel string `json:"channel"`
	Thread  string `json:"thread"`
	ID      string `json:"id"`
	Text    string `json:"text"`
}

func parseLines(t *testing.T, out string) []line {
	t.Helper()
	var ls []line
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", sc.Text(), err)
		}
		ls = append(ls, l)
	}
	return ls
}

// waitFor polls out until pred holds for its lines, or fails after timeout.
func waitFor(t *testing.T, out fmt.Stringer, timeout time.Duration, what string, pred func([]line) bool) []line {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ls := parseLines(t, out.String())
		if pred(ls) {
			return ls
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; output:\n%s", what, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func count(ls []line, kind string) int {
	n := 0
	for _, l := range ls {
		if l.Kind == kind {
			n++
		}
	}
	return n
}

func has(ls []line, kind, text string) bool {
	for _, l := range ls {
		if l.Kind == kind && strings.Contains(l.Text, text) {
			return true
		}
	}
	return false
}

// pages are the two versions of coursera's privacy policy.
func pages(t *testing.T) ([]byte, []byte) {
	t.Helper()
	return demo.CourseraBefore(), demo.CourseraAfter()
}

// seedCoursera puts coursera in a fresh store at dir with its privacy policy
// fetched from the local server: the store's declaration is what the monitor reads.
func seedCoursera(t *testing.T, dir, fetchURL string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "policybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cp, ok := catalog.Builtin().Lookup("coursera")
	if !ok {
		t.Fatal("coursera missing from the catalog")
	}
	src := cp.Documents[catalog.PrivacyPolicy]
	src.Fetch = fetchURL
	cp.Documents = map[string]catalog.DocumentSource{catalog.PrivacyPolicy: src}
	cp.History = nil
	if _, err := catalog.Import(ctx, db, []catalog.Platform{cp}); err != nil {
		t.Fatal(err)
	}
}

func testEnv(dir string, extra ...string) map[string]string {
	env := map[string]string{
		"POLICYBOT_DATA_DIR":            dir,
		"POLICYBOT_FETCH_ALLOW_PRIVATE": "true",
		"POLICYBOT_HTTP_ADDR":           "127.0.0.1:0",
		"POLICYBOT_PUBLIC_URL":          "http://policybot.test",
		"POLICYBOT_LOG_LEVEL":           "warn",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

func TestConsoleEndToEnd(t *testing.T) {
	before, after := pages(t)
	ps, err := startPolicyServer(before)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	dir := t.TempDir()
	seedCoursera(t, dir, ps.url)
	env := testEnv(dir)

	in, feed := io.Pipe()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	m := NewMain(in, out, errOut, func(k string) string { return env[k] })
	done := make(chan int, 1)
	go func() { done <- m.Execute(context.Background(), []string{"console", "--format", "json"}); m.Close() }()
	send := func(s string) {
		if _, err := io.WriteString(feed, s+"\n"); err != nil {
			t.Fatal(err)
		}
	}

	send("/track coursera")
	waitFor(t, out, 30*time.Second, "the /track answer", func(ls []line) bool {
		return has(ls, "reply", "Now tracking Coursera (Privacy Policy)") && has(ls, "reply", "current version captured")
	})
	ps.serve(after)
	send("/check coursera")
	ls := waitFor(t, out, 30*time.Second, "the alert and its thread", func(ls []line) bool {
		return has(ls, "ephemeral", "Checked Coursera: 1 document(s) changed") && count(ls, "alert") == 1 && count(ls, "thread-reply") >= 1
	})
	var alert line
	for _, l := range ls {
		if l.Kind == "alert" {
			alert = l
		}
	}
	for _, want := range []string{"Coursera · Privacy Policy", "http://policybot.test/changes/", "View change record", "/mute coursera"} {
		if !strings.Contains(alert.Text, want) {
			t.Errorf("alert lacks %q:\n%s", want, alert.Text)
		}
	}
	send("/history coursera")
	send("/digest now")
	send("/list")
	feed.Close()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("console exit status %d; stderr:\n%s", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("console did not exit at end of input")
	}
	ls = parseLines(t, out.String())
	if n := count(ls, "alert"); n != 1 {
		t.Fatalf("%d alerts, want exactly 1", n)
	}
	replies := 0
	for _, l := range ls {
		if l.Kind == "thread-reply" {
			replies++
			if l.Thread != alert.ID {
				t.Errorf("thread reply %s is in thread %q, want the alert's %q", l.ID, l.Thread, alert.ID)
			}
			if !strings.Contains(l.Text, "Before:") && !strings.Contains(l.Text, "After:") {
				t.Errorf("thread reply without before/after: %s", l.Text)
			}
		}
	}
	if replies == 0 {
		t.Fatal("the alert has no thread replies")
	}
	if !has(ls, "ephemeral", "Privacy Policy: 2 version(s), 1 change(s)") {
		t.Errorf("/history does not show both versions and the change:\n%s", out.String())
	}
	if !has(ls, "digest", "1 change this week") || !has(ls, "digest", "http://policybot.test/changes/") {
		t.Errorf("/digest now does not list the change:\n%s", out.String())
	}
	if !has(ls, "ephemeral", "checked just now, ok") {
		t.Errorf("/list does not show the last check and health:\n%s", out.String())
	}
}

// child runs the test binary as `policybot ARGS` with env, its stdin a pipe.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *syncBuffer
	stderr *syncBuffer
}

func startChild(t *testing.T, env map[string]string, args string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+args)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &child{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = c.stdout, c.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return c
}

func TestKilledBeforePostingDeliversExactlyOnceAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the program as a subprocess")
	}
	before, after := pages(t)
	ps, err := startPolicyServer(before)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	dir := t.TempDir()
	seedCoursera(t, dir, ps.url)

	// First run: the notifier stops after claiming the alert, before posting it.
	first := startChild(t, testEnv(dir, envTestHook, "block-before-post", envLease, "1s"), "console --format json")
	io.WriteString(first.stdin, "/track coursera\n")
	waitFor(t, first.stdout, 30*time.Second, "the /track answer", func(ls []line) bool { return has(ls, "reply", "Now tracking Coursera") })
	ps.serve(after)
	io.WriteString(first.stdin, "/check coursera\n")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(first.stderr.String(), "blocking before post") {
		if time.Now().After(deadline) {
			t.Fatalf("the notifier never reached the hook; stderr:\n%s", first.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The change and its delivery are committed; nothing is posted. Kill.
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()
	if n := count(parseLines(t, first.stdout.String()), "alert"); n != 0 {
		t.Fatalf("the killed run posted %d alerts before the hook", n)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "policybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := db.Deliveries(context.Background(), "")
	db.Close()
	if len(ds) != 1 || ds[0].Status != store.DeliveryPending || ds[0].ChangeID == nil {
		t.Fatalf("after the kill the outbox holds %+v, want one pending alert", ds)
	}

	// Second run on the same file, no hook: once the dead run's lease
	// expires, the alert goes out, once.
	second := startChild(t, testEnv(dir, envLease, "1s"), "console --format json")
	second.stdin.Close()
	waitDone := make(chan error, 1)
	go func() { waitDone <- second.cmd.Wait() }()
	select {
	case err := <-waitDone:
		if err != nil {
			t.Fatalf("restart exited with %v; stderr:\n%s", err, second.stderr.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("restart did not exit")
	}
	ls := parseLines(t, second.stdout.String())
	if n := count(ls, "alert"); n != 1 {
		t.Fatalf("restart posted %d alerts, want exactly 1:\n%s", n, second.stdout.String())
	}
	if count(ls, "thread-reply") == 0 {
		t.Fatal("restart posted the alert without its thread")
	}
	db, _ = store.Open(context.Background(), filepath.Join(dir, "policybot.db"))
	defer db.Close()
	ds, _ = db.Deliveries(context.Background(), "")
	if len(ds) != 1 || ds[0].Status != store.DeliveryDelivered || ds[0].Attempts != 2 {
		t.Fatalf("outbox after restart: %+v", ds)
	}
}

func TestRunServesHealthzAndStopsOnCancel(t *testing.T) {
	dir := t.TempDir()
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(dir, "POLICYBOT_HTTP_ADDR", addr)
	in, feed := io.Pipe()
	defer feed.Close()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	m := NewMain(in, out, errOut, func(k string) string { return env[k] })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- m.Execute(ctx, []string{"run"}); m.Close() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(body), `"status": "ok"`) { // web's JSON health
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered ok: %v; stderr:\n%s", err, errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// With no platform in the store, run imported the built-in catalog.
	io.WriteString(feed, "/help\n")
	waitFor2 := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "/track PLATFORM") {
		if time.Now().After(waitFor2) {
			t.Fatalf("console did not answer /help:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The command was counted by the metrics the web server exposes.
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metricsText), `command="help"`) {
		t.Errorf("/metrics does not count the /help command:\n%.2000s", metricsText)
	}
	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, errOut.String())
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

func TestTenantCommands(t *testing.T) {
	dir := t.TempDir()
	env := testEnv(dir)
	getenv := func(k string) string { return env[k] }
	run := func(stdin string, args ...string) (int, string, string) {
		out, errOut := &syncBuffer{}, &syncBuffer{}
		m := NewMain(strings.NewReader(stdin), out, errOut, getenv)
		defer m.Close()
		return m.Execute(context.Background(), args), out.String(), errOut.String()
	}
	if code, out, _ := run("", "tenant", "list"); code != 0 || !strings.Contains(out, "no tenants yet") {
		t.Fatalf("empty list: %d %q", code, out)
	}
	// The console's first command creates its tenant with the default plan.
	if code, _, errOut := run("/list\n", "console"); code != 0 {
		t.Fatalf("console: %d %s", code, errOut)
	}
	code, out, _ := run("", "tenant", "list")
	if code != 0 || !strings.Contains(out, "console:local") || !strings.Contains(out, "unlimited") {
		t.Fatalf("list: %d %q", code, out)
	}
	if code, out, _ := run("", "tenant", "plan", "console:local", "free"); code != 0 || !strings.Contains(out, "now on the free plan (was unlimited)") {
		t.Fatalf("plan: %d %q", code, out)
	}
	if code, out, _ := run("/track coursera\n/track netflix\n", "console"); code != 0 || !strings.Contains(out, "Your plan (free) tracks 1 platform(s)") {
		t.Fatalf("free plan not enforced: %d\n%s", code, out)
	}
	for _, bad := range [][]string{
		{"tenant", "plan", "console:local", "gold"},
		{"tenant", "plan", "slack:T404", "free"},
		{"tenant", "plan", "nocolon", "free"},
		{"tenant", "frob"},
	} {
		if code, _, errOut := run("", bad...); code == 0 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want a failure that says why", bad, code, errOut)
		}
	}
}

func TestDemoRunsOffline(t *testing.T) {
	out, errOut := &syncBuffer{}, &syncBuffer{}
	m := NewMain(strings.NewReader(""), out, errOut, func(k string) string {
		return map[string]string{"POLICYBOT_LOG_LEVEL": "warn"}[k]
	})
	defer m.Close()
	start := time.Now()
	if code := m.Execute(context.Background(), []string{"demo"}); code != 0 {
		t.Fatalf("demo exit %d; stderr:\n%s", code, errOut.String())
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("demo took %s; a newcomer should see it in under a minute", d)
	}
	text := out.String()
	for _, want := range []string{"» /track coursera", "Now tracking Coursera", "[alert ", "↳ [thread-reply ", "» /history coursera", "2 version(s), 1 change(s)"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
}
