package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/policybot/policybot/bot/console"
	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/internal/demo"
	"github.com/policybot/policybot/store"
)

// The memory tests run `policybot run` the way it runs for months: the whole
// built-in catalog imported, platforms tracked from sites played by servers
// on loopback addresses, hundreds of checks and chat commands. They measure
// the Go heap (in this process) and the resident set (of a subprocess), fail
// when the heap grows with the work done (a leak guard), and check that
// stopping the bot ends its goroutines.
//
// Every site has an address of its own in 127.0.0.0/8, because the fetcher
// is polite per host (one request at a time, a second apart): with distinct
// hosts, checks follow each other without waiting. Only loopback is ever
// fetched: the catalog platforms are pointed at the sites before they are
// tracked, and assertLoopbackOnly stops the test otherwise.

// sitePage is a real policy page and the catalog platform that publishes it.
type sitePage struct {
	slug, docType, file string
}

// memorySites are the catalog platforms tracked, each served from its own
// loopback address with its real page (testdata/memory/PROVENANCE).
var memorySites = []sitePage{
	{"coursera", catalog.PrivacyPolicy, ""}, // internal/demo's snapshot
	// The extractor's test copy of this snapshot (provenance there).
	{"netflix", catalog.PrivacyPolicy, "../../monitor/extract/testdata/corpus/netflix/privacy-policy/005-2026-04-11.html"},
	{"tinder", catalog.PrivacyPolicy, "testdata/memory/tinder-privacy-006-2026-03-06.html"},
}

// customSites is how many more documents are tracked by URL (platforms made
// from a URL, extracted without a declaration), again each on its own
// address, cycling through the same pages.
const customSites = 17

// site is one loopback web server playing a platform's site: it serves its
// page at every path.
type site struct {
	base string
	page atomic.Pointer[[]byte]
	// nonce makes every answer differ in its bytes (a counter in a
	// comment), as on sites that embed a request id or a CSRF token, while
	// the text stays the same.
	nonce atomic.Bool
	srv   *http.Server
}

func startSite(t testing.TB, ip string, page []byte) *site {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s (the memory tests need several loopback addresses): %v", ip, err)
	}
	s := &site{base: "http://" + ln.Addr().String()}
	s.page.Store(&page)
	var n atomic.Int64
	s.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(*s.page.Load())
		if s.nonce.Load() {
			fmt.Fprintf(w, "\n<!-- %s request %d -->\n", s.base, n.Add(1))
		}
	})}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// sitePages reads the pages of memorySites.
func sitePages(t testing.TB) [][]byte {
	t.Helper()
	pages := make([][]byte, len(memorySites))
	for i, s := range memorySites {
		if s.file == "" {
			pages[i] = demo.CourseraBefore()
			continue
		}
		b, err := os.ReadFile(s.file)
		if err != nil {
			t.Fatal(err)
		}
		pages[i] = b
	}
	return pages
}

// onLoopback returns a copy of a catalog platform whose every document (and
// every page of a combined one) is fetched from base instead of the
// platform's real site, with no declaration history.
func onLoopback(p catalog.Platform, base string) catalog.Platform {
	docs := make(map[string]catalog.DocumentSource, len(p.Documents))
	for typ, src := range p.Documents {
		path := base + "/" + url.PathEscape(typ)
		if len(src.Combine) > 0 {
			combine := make([]catalog.Page, len(src.Combine))
			for i, pg := range src.Combine {
				pg.Fetch = path + "/" + strconv.Itoa(i)
				combine[i] = pg
			}
			src.Combine, src.Fetch = combine, ""
		} else {
			src.Fetch = path
		}
		docs[typ] = src
	}
	p.Documents, p.History = docs, nil
	return p
}

// pointAtSite rewrites a catalog platform in the store so that every one of
// its documents is fetched from base, and proves it did.
func pointAtSite(t testing.TB, db *store.DB, slug, base string) {
	t.Helper()
	ctx := context.Background()
	cp, ok := catalog.Builtin().Lookup(slug)
	if !ok {
		t.Fatalf("%s is missing from the catalog", slug)
	}
	if _, err := catalog.Import(ctx, db, []catalog.Platform{onLoopback(cp, base)}); err != nil {
		t.Fatal(err)
	}
	assertLoopbackOnly(t, db, slug)
}

// assertLoopbackOnly stops the test unless every document of the platform
// in the store is fetched from a loopback address: the test must never make
// the bot fetch a real site.
func assertLoopbackOnly(t testing.TB, db *store.DB, slug string) {
	t.Helper()
	ctx := context.Background()
	p, err := db.PlatformBySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range p.Documents {
		doc, err := db.Document(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var src catalog.DocumentSource
		if err := json.Unmarshal([]byte(doc.Declaration), &src); err != nil {
			t.Fatal(err)
		}
		for _, pg := range src.Pages() {
			u, err := url.Parse(pg.Fetch)
			if err != nil || !net.ParseIP(u.Hostname()).IsLoopback() {
				t.Fatalf("%s %s would fetch %q, not a loopback address", slug, d.Type, pg.Fetch)
			}
		}
	}
}

// tailBuffer keeps what the console printed since the last reset, bounded,
// so that the test itself does not grow with the bot's output.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

const tailMax = 256 << 10

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if len(w.b) > tailMax {
		w.b = append(w.b[:0:0], w.b[len(w.b)-tailMax/2:]...)
	}
	return len(p), nil
}

func (w *tailBuffer) reset() {
	w.mu.Lock()
	w.b = w.b[:0]
	w.mu.Unlock()
}

func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}

// memoryBot is `policybot run` in this process (Main.runBot, as Execute
// runs it), with the console adapter fed through a pipe.
type memoryBot struct {
	m        *Main
	parts    *botParts
	feed     *io.PipeWriter
	out      *tailBuffer
	errOut   *syncBuffer
	answered chan struct{}
	cancel   context.CancelFunc
	done     chan error
}

func startMemoryBot(t testing.TB, env map[string]string) *memoryBot {
	t.Helper()
	in, feed := io.Pipe()
	b := &memoryBot{feed: feed, out: &tailBuffer{}, errOut: &syncBuffer{}, answered: make(chan struct{}, 1), done: make(chan error, 1)}
	b.m = NewMain(in, b.out, b.errOut, func(k string) string { return env[k] })
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	started := make(chan *botParts, 1)
	go func() {
		err := b.m.runBot(ctx, botOptions{format: console.FormatJSON,
			started:  func(p *botParts) { started <- p },
			answered: func() { b.answered <- struct{}{} }})
		b.m.Close()
		in.Close()
		b.done <- err
	}()
	select {
	case b.parts = <-started:
	case err := <-b.done:
		t.Fatalf("policybot run stopped at start: %v; stderr:\n%s", err, b.errOut.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("policybot run did not start; stderr:\n%s", b.errOut.String())
	}
	t.Cleanup(func() { b.stop(t) })
	return b
}

// command types a line at the console and returns what was printed by the
// time it was answered.
func (b *memoryBot) command(t testing.TB, line string) string {
	t.Helper()
	b.out.reset()
	if _, err := io.WriteString(b.feed, line+"\n"); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	select {
	case <-b.answered:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: no answer in a minute; stderr:\n%s", line, b.errOut.String())
	}
	return b.out.String()
}

// stop cancels the bot (what SIGTERM does) and waits for it to end.
func (b *memoryBot) stop(t testing.TB) {
	t.Helper()
	if b.cancel == nil {
		return
	}
	b.cancel()
	b.cancel = nil
	b.feed.Close()
	select {
	case err := <-b.done:
		if err != nil {
			t.Errorf("policybot run: %v", err)
		}
	case <-time.After(shutdownGrace + 10*time.Second):
		t.Errorf("policybot run did not stop after cancel; stderr:\n%s", b.errOut.String())
	}
}

// liveHeap is the Go heap that survives a collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// heapProfile writes a heap profile named for a stage into
// $POLICYBOT_MEMORY_PROFILES when it is set (read it with
// `go tool pprof -sample_index=inuse_space -top FILE`).
func heapProfile(t testing.TB, stage string) {
	t.Helper()
	dir := os.Getenv("POLICYBOT_MEMORY_PROFILES")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, stage+".pprof"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Fatal(err)
	}
}

// memoryRig is the loopback sites and the bot that tracks them.
type memoryRig struct {
	sites []*site
	bot   *memoryBot
	dir   string
	docs  []store.Document
}

// startMemoryRig starts the sites and runs the bot on a fresh data
// directory, so that it imports the whole built-in catalog.
func startMemoryRig(t testing.TB, firstIP, custom int, extraEnv ...string) *memoryRig {
	t.Helper()
	pages := sitePages(t)
	r := &memoryRig{dir: t.TempDir()}
	for i := range len(memorySites) + custom {
		r.sites = append(r.sites, startSite(t, fmt.Sprintf("127.0.0.%d", firstIP+i), pages[i%len(pages)]))
	}
	r.bot = startMemoryBot(t, testEnv(r.dir, extraEnv...))
	r.bot.command(t, "/help") // the console answers once the catalog is in
	return r
}

// trackCatalog points the catalog platforms at their sites and tracks them.
func (r *memoryRig) trackCatalog(t testing.TB) {
	t.Helper()
	for i, s := range memorySites {
		pointAtSite(t, r.bot.m.DB, s.slug, r.sites[i].base)
		if out := r.bot.command(t, "/track "+s.slug+" "+s.docType); !strings.Contains(out, "Now tracking") {
			t.Fatalf("/track %s: %s", s.slug, out)
		}
	}
	r.tracked(t)
}

// trackCustom tracks the other sites by URL.
func (r *memoryRig) trackCustom(t testing.TB) {
	t.Helper()
	for _, s := range r.sites[len(memorySites):] {
		if out := r.bot.command(t, "/track "+s.base+"/legal/privacy"); !strings.Contains(out, "Now tracking") {
			t.Fatalf("/track %s: %s", s.base, out)
		}
	}
	r.tracked(t)
}

func (r *memoryRig) tracked(t testing.TB) {
	t.Helper()
	docs, err := r.bot.m.DB.TrackedDocuments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		assertLoopbackOnly(t, r.bot.m.DB, d.Platform.Slug)
	}
	r.docs = docs
}

// checks runs n checks through the bot's monitor, round robin over the
// tracked documents, one at a time, so that nothing is in flight when it
// returns. It returns how many of each outcome there were.
func (r *memoryRig) checks(t testing.TB, n int) map[string]int {
	t.Helper()
	outcomes := map[string]int{}
	for i := range n {
		d := r.docs[i%len(r.docs)]
		res, err := r.bot.parts.monitor.Check(context.Background(), d.ID)
		if err != nil {
			t.Fatalf("check %s: %v", d.Platform.Slug, err)
		}
		outcomes[res.Outcome+res.Reason]++
	}
	return outcomes
}

// commandMix is what people type, over and over: reads, settings, a
// misspelt platform (answered with the catalog's suggestions), untrack and
// track again. Each is answered with one message.
var commandMix = []string{
	"/list",
	"/help",
	"/history coursera",
	"/provisions netflix",
	"/compare coursera netflix tinder",
	"/settings severity important",
	"/track netflx",
	"/help track",
	"/untrack tinder",
	"/track tinder privacy",
	"/settings severity notice",
	"/digest weekly monday 09:00 Europe/Paris",
	"/provisions coursera third_party_sharing",
	"/history tinder",
}

func (r *memoryRig) commands(t testing.TB, n int) {
	t.Helper()
	for i := range n {
		line := commandMix[i%len(commandMix)]
		if out := r.bot.command(t, line); !strings.Contains(out, `"kind"`) {
			t.Fatalf("%s: no answer", line)
		}
	}
}

// Leak-guard slack: the heap after the work may exceed the heap after a
// warm-up by this much (or by half, if more) without failing. The bot's
// whole heap is about 5 MiB; a leak of a page per check (200-450 KB) or of
// 15 KB per check or command shows well above it, while a collection that
// happens to run with a notifier pass in flight stays well below.
const heapSlack = 3 << 20

func heapGrewBy(before, after uint64) (uint64, bool) {
	if after <= before {
		return 0, false
	}
	limit := max(uint64(heapSlack), before/2)
	return after - before, after-before > limit
}

// TestHeapStaysFlat measures the heap of `policybot run` at each stage of
// its life and fails when checks or commands make it grow.
func TestHeapStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hundreds of checks and commands")
	}
	if os.Getenv("POLICYBOT_MEMORY_PROFILES") != "" {
		runtime.MemProfileRate = 1
	}
	const checks, commands = 200, 200
	base := liveHeap()
	r := startMemoryRig(t, 10, customSites)
	started := liveHeap()
	heapProfile(t, "1-started")
	r.trackCatalog(t)
	trackedFew := liveHeap()
	r.trackCustom(t)
	tracked := liveHeap()
	heapProfile(t, "2-tracked")

	r.checks(t, 2*len(r.docs)) // warm-up: connections, caches of the first checks
	warmChecks := liveHeap()
	t0 := time.Now()
	outcomes := r.checks(t, checks)
	tookChecks := time.Since(t0)
	afterChecks := liveHeap()
	heapProfile(t, "3-checks")

	r.commands(t, 2*len(commandMix))
	warmCommands := liveHeap()
	t0 = time.Now()
	r.commands(t, commands)
	tookCommands := time.Since(t0)
	afterCommands := liveHeap()
	heapProfile(t, "4-commands")

	t.Logf("Go heap after GC (this test process alone: %s):", mib(base))
	t.Logf("  started, catalog of 468 platforms imported  %s", mib(started))
	t.Logf("  tracking %d catalog platforms                 %s", len(memorySites), mib(trackedFew))
	t.Logf("  tracking %d documents                        %s", len(r.docs), mib(tracked))
	t.Logf("  after %d warm-up checks                      %s", 2*len(r.docs), mib(warmChecks))
	t.Logf("  after %d more checks (%s, %v)  %s", checks, tookChecks.Round(time.Millisecond), outcomes, mib(afterChecks))
	t.Logf("  after %d warm-up commands                    %s", 2*len(commandMix), mib(warmCommands))
	t.Logf("  after %d more commands (%s)            %s", commands, tookCommands.Round(time.Millisecond), mib(afterCommands))
	if outcomes[store.OutcomeUnchanged] != checks {
		t.Errorf("outcomes %v, want %d unchanged: the checks did not do the full fetch-extract-compare", outcomes, checks)
	}
	if d, grew := heapGrewBy(warmChecks, afterChecks); grew {
		t.Errorf("the heap grew by %s over %d checks (%s → %s): something keeps what each check made",
			mib(d), checks, mib(warmChecks), mib(afterChecks))
	}
	if d, grew := heapGrewBy(warmCommands, afterCommands); grew {
		t.Errorf("the heap grew by %s over %d commands (%s → %s): something keeps what each command made",
			mib(d), commands, mib(warmCommands), mib(afterCommands))
	}
}

// reportOnly skips a test that measures for the report rather than guards,
// unless POLICYBOT_MEMORY_REPORT is set: each runs for half a minute.
func reportOnly(t *testing.T) {
	if testing.Short() || os.Getenv("POLICYBOT_MEMORY_REPORT") == "" {
		t.Skip("a measurement for the memory report: set POLICYBOT_MEMORY_REPORT=1 to run it")
	}
}

// vmStatus reads a field (VmRSS, VmHWM) of /proc/PID/status, in bytes.
func vmStatus(pid int, field string) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// goMemstats reads the go_memstats_* gauges of a running bot's /metrics.
func goMemstats(t testing.TB, addr string) map[string]uint64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, l := range strings.Split(string(body), "\n") {
		name, value, ok := strings.Cut(strings.TrimPrefix(l, "go_memstats_"), " ")
		if !ok || len(name) == len(l) || strings.HasPrefix(l, "#") {
			continue
		}
		if f, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = uint64(f)
		}
	}
	return out
}

// checkCount is how many checks the store holds for the tracked documents.
func checkCount(t testing.TB, db *store.DB) int {
	t.Helper()
	docs, err := db.TrackedDocuments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range docs {
		cs, err := db.Checks(context.Background(), d.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		n += len(cs)
	}
	return n
}

// TestResidentMemoryOfRun runs `policybot run` as a process of its own, its
// console on a pipe and its scheduler checking every document each second,
// and reports its resident set at each stage. It runs the test binary as
// policybot (see TestMain), or the binary named by POLICYBOT_BINARY:
//
//	go build -o /tmp/policybot ./cmd/policybot
//	POLICYBOT_MEMORY_REPORT=1 POLICYBOT_BINARY=/tmp/policybot \
//		go test -run TestResidentMemoryOfRun -v ./cmd/policybot
func TestResidentMemoryOfRun(t *testing.T) {
	reportOnly(t)
	const checks, commands = 200, 200
	pages := sitePages(t)
	var sites []*site
	for i := range len(memorySites) + customSites {
		sites = append(sites, startSite(t, fmt.Sprintf("127.0.0.%d", 60+i), pages[i%len(pages)]))
	}
	dir := t.TempDir()
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv(dir, "POLICYBOT_CHECK_INTERVAL", "1s", "POLICYBOT_CHECK_JITTER", "0s", "POLICYBOT_HTTP_ADDR", addr)
	var c *child
	if bin := os.Getenv("POLICYBOT_BINARY"); bin != "" {
		c = startBinary(t, bin, env, "run", "--format", "json")
	} else {
		c = startChild(t, env, "run --format json")
	}
	pid := c.cmd.Process.Pid
	// rss is the resident set, split into anonymous memory (Go's heap and
	// stacks, SQLite's page caches) and mapped files (the binary), with
	// the Go heap the process reports on /metrics.
	rss := func() string {
		t.Helper()
		var parts []string
		for _, f := range []string{"VmRSS", "RssAnon", "RssFile"} {
			n, err := vmStatus(pid, f)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, f+" "+mib(n))
		}
		m := goMemstats(t, addr)
		return fmt.Sprintf("%s; Go heap in use %s of %s obtained from the OS, %s returned",
			strings.Join(parts, ", "), mib(m["heap_inuse_bytes"]), mib(m["heap_sys_bytes"]), mib(m["heap_released_bytes"]))
	}
	answers := 0
	say := func(command string) string {
		t.Helper()
		if _, err := io.WriteString(c.stdin, command+"\n"); err != nil {
			t.Fatal(err)
		}
		answers++
		ls := waitFor(t, c.stdout, 60*time.Second, "the answer to "+command, func(ls []line) bool {
			return count(ls, "reply")+count(ls, "ephemeral") >= answers
		})
		return ls[len(ls)-1].Text
	}
	say("/help") // answered once the catalog is imported
	started := rss()

	db, err := store.Open(context.Background(), filepath.Join(dir, "policybot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, s := range memorySites {
		pointAtSite(t, db, s.slug, sites[i].base)
		if out := say("/track " + s.slug + " " + s.docType); !strings.Contains(out, "Now tracking") {
			t.Fatalf("/track %s: %s", s.slug, out)
		}
	}
	for _, s := range sites[len(memorySites):] {
		if out := say("/track " + s.base + "/legal/privacy"); !strings.Contains(out, "Now tracking") {
			t.Fatalf("/track %s: %s", s.base, out)
		}
	}
	docs, err := db.TrackedDocuments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		assertLoopbackOnly(t, db, d.Platform.Slug)
	}
	tracked := rss()

	first := checkCount(t, db)
	t0 := time.Now()
	for checkCount(t, db) < first+checks {
		if time.Since(t0) > 3*time.Minute {
			t.Fatalf("the scheduler ran %d checks in 3 minutes; stderr:\n%s", checkCount(t, db)-first, c.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	tookChecks := time.Since(t0)
	afterChecks := rss()
	for i := range commands {
		say(commandMix[i%len(commandMix)])
	}
	afterCommands := rss()
	peak, _ := vmStatus(pid, "VmHWM")

	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("policybot run after SIGTERM: %v; stderr:\n%s", err, c.stderr.String())
		}
	case <-time.After(shutdownGrace + 10*time.Second):
		t.Errorf("policybot run did not stop after SIGTERM")
	}
	t.Logf("resident set of policybot run (pid %d):", pid)
	t.Logf("  started, catalog imported:    %s", started)
	t.Logf("  tracking %d documents:        %s", len(docs), tracked)
	t.Logf("  after %d scheduled checks (%s): %s", checks, tookChecks.Round(time.Second), afterChecks)
	t.Logf("  after %d commands:            %s", commands, afterCommands)
	t.Logf("  peak (VmHWM):                 %s", mib(peak))
}

// startBinary runs a built policybot with env and args, its stdin a pipe.
func startBinary(t *testing.T, bin string, env map[string]string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
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

// TestStoreGrowthPerCheck measures what the SQLite file gains per check:
// a verification of a page whose bytes repeat (only a row in checks), and
// of a page whose bytes differ on every fetch while its text does not (a row
// and a new compressed snapshot each time). The figures feed the estimate
// of how the store grows in a year.
func TestStoreGrowthPerCheck(t *testing.T) {
	reportOnly(t)
	r := startMemoryRig(t, 90, customSites)
	r.trackCatalog(t)
	r.trackCustom(t)
	dbPath := filepath.Join(r.dir, "policybot.db")
	raw, err := sql.Open("sqlite3", "file:"+dbPath+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	size := func() int64 {
		t.Helper()
		// Everything written so far into the main file, then its size.
		if _, err := raw.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			t.Fatal(err)
		}
		var pages, pageSize int64
		if err := raw.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
		if err := raw.QueryRow("PRAGMA page_size").Scan(&pageSize); err != nil {
			t.Fatal(err)
		}
		return pages * pageSize
	}
	const n = 200
	r.checks(t, len(r.docs)) // the first verification of each
	before := size()
	r.checks(t, n)
	same := size()
	for _, s := range r.sites {
		s.nonce.Store(true)
	}
	r.checks(t, n)
	nonce := size()
	var rows, snapshots, snapBytes int64
	for q, dst := range map[string]*int64{
		"SELECT COUNT(*) FROM checks":                          &rows,
		"SELECT COUNT(*) FROM snapshots":                       &snapshots,
		"SELECT COALESCE(SUM(LENGTH(data)), 0) FROM snapshots": &snapBytes,
	} {
		if err := raw.QueryRow(q).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	perCheck := float64(same-before) / n
	perNonce := float64(nonce-same) / n
	t.Logf("store file: %d checks, %d snapshots (%.0f KB compressed in all)", rows, snapshots, float64(snapBytes)/1000)
	t.Logf("  a verification, same bytes:             %6.0f bytes per check", perCheck)
	t.Logf("  a verification, bytes differ each time: %6.0f bytes per check (a new gzip snapshot of %s)", perNonce, pagesList())
	t.Logf("  per tracked document per year at 4 checks a day: %.1f MB (same bytes), %.0f MB (bytes that differ)",
		perCheck*4*365/1e6, perNonce*4*365/1e6)
	if perNonce <= perCheck {
		t.Errorf("a page whose bytes change costs %.0f bytes per check, no more than one whose bytes repeat (%.0f)", perNonce, perCheck)
	}

	// Coursera publishes its next version: a version, a change with its
	// diff and summary, and an alert in the outbox; then a digest.
	ctx := context.Background()
	after := demo.CourseraAfter()
	r.sites[0].page.Store(&after)
	r.sites[0].nonce.Store(false)
	beforeChange := size()
	res, err := r.bot.parts.monitor.Check(ctx, r.docs[0].ID)
	if err != nil || res.Change == nil {
		t.Fatalf("coursera's next version: %+v, %v", res, err)
	}
	if out := r.bot.command(t, "/digest now"); !strings.Contains(out, "digest") {
		t.Fatalf("/digest now: %s", out)
	}
	if err := r.bot.parts.notifier.Drain(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	withChange := size()
	ch, err := r.bot.m.DB.Change(ctx, res.Change.ID)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := r.bot.m.DB.Deliveries(ctx, store.DeliveryDelivered)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		t.Logf("  a delivered %s: %d bytes of payload", d.Kind, len(d.Payload))
	}
	t.Logf("  coursera's change %s→%s: %.0f KB in all (version text %d KB, diff %d KB, summary %d KB)",
		"005", "006", float64(withChange-beforeChange)/1000, len(ch.ToVersion.Text)/1000, len(ch.Diff)/1000, len(ch.Summary)/1000)
}

func pagesList() string {
	var names []string
	for _, s := range memorySites {
		names = append(names, s.slug)
	}
	return strings.Join(names, ", ")
}

// settleGoroutines waits until no more than want goroutines run, or fails
// the test after timeout with the stacks of those that remain.
func settleGoroutines(t *testing.T, want int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			var sb strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&sb, 1)
			t.Fatalf("%d goroutines %s after the bot stopped, want at most %d:\n%s", n, timeout, want, sb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// goroutineSlack allows for runtime helpers that come and go (a finalizer,
// a timer's goroutine) without letting a leaked worker through.
const goroutineSlack = 2

// TestRunStopsItsGoroutines starts the bot, tracks and checks two
// platforms, answers commands, cancels it, and waits for the goroutines it
// started (scheduler, workers, notifier, digests, web server, console,
// fetcher connections) to end.
func TestRunStopsItsGoroutines(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops the bot")
	}
	pages := sitePages(t)
	var sites []*site
	for i := range 2 {
		sites = append(sites, startSite(t, fmt.Sprintf("127.0.0.%d", 40+i), pages[i]))
	}
	before := runtime.NumGoroutine()
	b := startMemoryBot(t, testEnv(t.TempDir()))
	b.command(t, "/help")
	for i, s := range memorySites[:len(sites)] {
		pointAtSite(t, b.m.DB, s.slug, sites[i].base)
		if out := b.command(t, "/track "+s.slug+" "+s.docType); !strings.Contains(out, "Now tracking") {
			t.Fatalf("/track %s: %s", s.slug, out)
		}
	}
	b.command(t, "/check "+memorySites[0].slug)
	b.command(t, "/list")
	running := runtime.NumGoroutine()
	b.stop(t)
	t.Logf("goroutines: %d before the bot, %d while it ran", before, running)
	settleGoroutines(t, before+goroutineSlack, 10*time.Second)
}

// runUntilStopped runs `policybot run` with env in this process; stop
// cancels it (what SIGTERM does) and waits until it has returned.
func runUntilStopped(t *testing.T, env map[string]string) (p *chatProcess, stop func()) {
	t.Helper()
	p = &chatProcess{addr: env["POLICYBOT_HTTP_ADDR"], stderr: &syncBuffer{}, exited: make(chan struct{})}
	m := NewMain(strings.NewReader(""), io.Discard, p.stderr, func(k string) string { return env[k] })
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		p.code = m.Execute(ctx, []string{"run"})
		m.Close()
		close(p.exited)
	}()
	stop = func() {
		cancel()
		select {
		case <-p.exited:
			if p.code != 0 {
				t.Errorf("policybot run exited %d; stderr:\n%s", p.code, p.stderr.String())
			}
		case <-time.After(shutdownGrace + 10*time.Second):
			t.Fatalf("policybot run did not stop after cancel; stderr:\n%s", p.stderr.String())
		}
	}
	t.Cleanup(stop)
	return p, stop
}

// closeSharedIdleConnections lets go of the keep-alive connections that the
// chat adapters' HTTP clients leave in http.DefaultTransport, which belongs
// to the process, not to the bot: they would end by themselves after 90 s.
func closeSharedIdleConnections() {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

func TestRunStopsItsGoroutinesAfterChatCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops the bot")
	}
	t.Run("slack slash command", func(t *testing.T) {
		s := startSite(t, "127.0.0.50", demo.CourseraBefore())
		slack := newSlackStandIn(t)
		dir := t.TempDir()
		seedCoursera(t, dir, s.base+"/about/privacy")
		addr, err := freeLoopbackAddr()
		if err != nil {
			t.Fatal(err)
		}
		before := runtime.NumGoroutine()
		p, stop := runUntilStopped(t, testEnv(dir, "POLICYBOT_HTTP_ADDR", addr,
			"SLACK_BOT_TOKEN", "xoxb-test", "SLACK_SIGNING_SECRET", chatSlackSecret,
			"POLICYBOT_SLACK_API_URL", slack.APIURL()))
		p.waitHealth(t, "slack to be ok", func(h chatHealth) bool { return h.Checks["slack"] == "ok" })
		c := &slackClient{p: p}
		if code, _ := c.post(t, "/slack/commands", chatSlackSecret, slashCommand("/track", "coursera", "UADMIN", slack.ResponseURL("track"))); code != http.StatusOK {
			t.Fatalf("/track: status %d", code)
		}
		chatWait(t, 30*time.Second, "the /track answer", func() bool { return len(slack.Responses("track")) > 0 },
			func() string { return p.stderr.String() })
		running := runtime.NumGoroutine()
		stop()
		t.Logf("goroutines: %d before the bot, %d while it ran", before, running)
		closeSharedIdleConnections()
		settleGoroutines(t, before+goroutineSlack, 10*time.Second)
	})
	t.Run("discord interaction", func(t *testing.T) {
		discord := newDiscordStandIn(t)
		key := discordKey(11)
		dir := t.TempDir()
		seedCoursera(t, dir, loopbackOnly) // nothing is tracked, so nothing is fetched
		addr, err := freeLoopbackAddr()
		if err != nil {
			t.Fatal(err)
		}
		before := runtime.NumGoroutine()
		p, stop := runUntilStopped(t, testEnv(dir, append([]string{"POLICYBOT_HTTP_ADDR", addr}, discordEnv(discord, key)...)...))
		p.waitHealth(t, "discord to be ok", func(h chatHealth) bool { return h.Checks["discord"] == "ok" })
		list := `{"id":"900000000000000003","application_id":"` + discordAppID + `","type":2,"token":"list-token","version":1,` +
			`"guild_id":"800000000000000001","channel_id":"800000000000000002",` +
			`"member":{"user":{"id":"700000000000000001","username":"ann"},"permissions":"16"},` +
			`"data":{"id":"600000000000000002","name":"list","type":1}}`
		if code, body := discordSigned(t, p, key, list); code != http.StatusOK || !strings.Contains(string(body), "track") {
			t.Fatalf("/list: %d %s", code, body)
		}
		running := runtime.NumGoroutine()
		stop()
		t.Logf("goroutines: %d before the bot, %d while it ran", before, running)
		closeSharedIdleConnections()
		settleGoroutines(t, before+goroutineSlack, 10*time.Second)
	})
}

// A client that keeps its connection open after a request (a browser, a
// scraper, someone on purpose) must not keep a goroutine of the web server
// for ever: the server closes the connection once it has been idle.
func TestWebServerClosesIdleConnections(t *testing.T) {
	srv, addr, err := startHTTP("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}), 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: policybot.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server closed the connection after the request; the test needs it kept alive")
	}
	// Now idle: the server must hang up.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("reading an idle keep-alive connection: %v, want EOF (closed by the server)", err)
	}
}
