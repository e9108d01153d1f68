package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// These tests prove that `policybot run` wires the chat adapters: the real
// program (config from the environment, store, monitor, router, notifier,
// web server) with Slack and Discord configured, driven only through its HTTP
// address, talking to local stand-ins of Slack's and Discord's APIs. Every
// request goes to 127.0.0.1.

const chatSlackSecret = "e2e3f1c0ffee4badc0de5eed5a1ad000"

// loopbackOnly is coursera's address in tests that track nothing: seeding
// the store keeps run from importing the built-in catalog with its public
// URLs, so even a stray check could only reach this machine.
const loopbackOnly = "http://127.0.0.1:9/about/privacy"

// chatWait polls cond until it holds, or fails the test after timeout.
func chatWait(t *testing.T, timeout time.Duration, what string, cond func() bool, show func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			extra := ""
			if show != nil {
				extra = "\n" + show()
			}
			t.Fatalf("timed out after %s waiting for %s%s", timeout, what, extra)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// chatProcess is `policybot run` going in this process until the test ends.
type chatProcess struct {
	addr   string
	stderr *syncBuffer
	exited chan struct{} // closed when Execute has returned, with code set
	code   int
}

func (p *chatProcess) url(path string) string { return "http://" + p.addr + path }

// launchRun runs `policybot run` with env (whose POLICYBOT_HTTP_ADDR must be
// a free loopback port) until the test ends, then checks that it stopped
// cleanly.
func launchRun(t *testing.T, env map[string]string) *chatProcess {
	t.Helper()
	p := &chatProcess{addr: env["POLICYBOT_HTTP_ADDR"], stderr: &syncBuffer{}, exited: make(chan struct{})}
	m := NewMain(strings.NewReader(""), &syncBuffer{}, p.stderr, func(k string) string { return env[k] })
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		p.code = m.Execute(ctx, []string{"run"})
		m.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-p.exited:
			if p.code != 0 {
				t.Errorf("policybot run exited %d; stderr:\n%s", p.code, p.stderr.String())
			}
		case <-time.After(shutdownGrace + 10*time.Second):
			t.Errorf("policybot run did not stop after cancel; stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// waitHealth polls /healthz until ready holds for its answer.
func (p *chatProcess) waitHealth(t *testing.T, what string, ready func(h chatHealth) bool) chatHealth {
	t.Helper()
	var h chatHealth
	var last string
	chatWait(t, 30*time.Second, what, func() bool {
		select {
		case <-p.exited:
			t.Fatalf("policybot run exited %d while the test waited for %s; stderr:\n%s", p.code, what, p.stderr.String())
		default:
		}
		var err error
		if h, err = p.health(); err != nil {
			last = err.Error()
			return false
		}
		last = fmt.Sprintf("%+v", h)
		return ready(h)
	}, func() string { return "last /healthz: " + last + "\nstderr:\n" + p.stderr.String() })
	return h
}

// startRunProcess is launchRun, returning once /healthz reports every one
// of chats "ok".
func startRunProcess(t *testing.T, env map[string]string, chats ...string) *chatProcess {
	t.Helper()
	p := launchRun(t, env)
	p.waitHealth(t, "/healthz to report "+strings.Join(chats, " and ")+" ok", func(h chatHealth) bool {
		for _, c := range chats {
			if h.Checks[c] != "ok" {
				return false
			}
		}
		return h.Status == "ok" && h.Code == http.StatusOK
	})
	return p
}

type chatHealth struct {
	Code   int               `json:"-"`
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func (p *chatProcess) health() (chatHealth, error) {
	var h chatHealth
	resp, err := http.Get(p.url("/healthz"))
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return h, fmt.Errorf("/healthz %s: %w", resp.Status, err)
	}
	h.Code = resp.StatusCode
	return h, nil
}

// metric reads one sample of /metrics, or -1 when it is absent.
func (p *chatProcess) metric(t *testing.T, sample string) float64 {
	t.Helper()
	resp, err := http.Get(p.url("/metrics"))
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, sample+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("/metrics: %q: %v", l, err)
			}
			return f
		}
	}
	return -1
}

// --- Slack ---------------------------------------------------------------

// slackStandIn plays Slack's Web API on 127.0.0.1: it records
// chat.postMessage forms and response_url posts, answers users.info (admin or
// not), and keeps every other method it is asked for, so a test can see that
// the bot called nothing unexpected.
type slackStandIn struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	posts      []url.Values
	responses  map[string][]map[string]any
	userInfos  int
	unexpected []string
	admins     map[string]bool
}

func newSlackStandIn(t *testing.T) *slackStandIn {
	s := &slackStandIn{t: t, responses: map[string][]map[string]any{}, admins: map[string]bool{"UADMIN": true}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", s.postMessage)
	mux.HandleFunc("POST /api/users.info", s.usersInfo)
	// HTTP mode asks once at start whether Slack accepts the bot token.
	mux.HandleFunc("POST /api/auth.test", func(w http.ResponseWriter, r *http.Request) {
		s.form(r)
		chatJSON(w, map[string]any{"ok": true, "team": "Acme", "team_id": "T1", "user": "policybot", "user_id": "UBOT"})
	})
	// FindPosted reads these only when a delivery is retried; nothing was posted before.
	mux.HandleFunc("POST /api/conversations.history", s.noMessages)
	mux.HandleFunc("POST /api/conversations.replies", s.noMessages)
	mux.HandleFunc("POST /response/{name}", s.response)
	// Socket Mode's first call; refusing it is fatal to the adapter.
	mux.HandleFunc("POST /api/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.unexpected = append(s.unexpected, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		chatJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.unexpected = append(s.unexpected, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		chatJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// APIURL is what POLICYBOT_SLACK_API_URL is set to.
func (s *slackStandIn) APIURL() string { return s.srv.URL + "/api/" }

// ResponseURL is a response_url on the stand-in: the adapter answers only
// to Slack's hosts or to its configured API host, which this is.
func (s *slackStandIn) ResponseURL(name string) string { return s.srv.URL + "/response/" + name }

func chatJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// form reads an API call's form and checks that it carries the bot token.
func (s *slackStandIn) form(r *http.Request) url.Values {
	body, _ := io.ReadAll(r.Body)
	v, err := url.ParseQuery(string(body))
	if err != nil {
		s.t.Errorf("slack stand-in: %s: body is not a form: %v", r.URL.Path, err)
	}
	if v.Get("token") != "xoxb-test" && r.Header.Get("Authorization") != "Bearer xoxb-test" {
		s.t.Errorf("slack stand-in: %s without the bot token", r.URL.Path)
	}
	return v
}

func (s *slackStandIn) postMessage(w http.ResponseWriter, r *http.Request) {
	v := s.form(r)
	s.mu.Lock()
	ts := fmt.Sprintf("1778544000.%06d", len(s.posts)+1)
	v.Set("ts", ts)
	s.posts = append(s.posts, v)
	s.mu.Unlock()
	chatJSON(w, map[string]any{"ok": true, "channel": v.Get("channel"), "ts": ts})
}

func (s *slackStandIn) usersInfo(w http.ResponseWriter, r *http.Request) {
	v := s.form(r)
	s.mu.Lock()
	s.userInfos++
	admin := s.admins[v.Get("user")]
	s.mu.Unlock()
	chatJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": v.Get("user"), "name": "ann", "is_admin": admin}})
}

func (s *slackStandIn) noMessages(w http.ResponseWriter, r *http.Request) {
	s.form(r)
	chatJSON(w, map[string]any{"ok": true, "messages": []any{}})
}

func (s *slackStandIn) response(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.t.Errorf("slack stand-in: response_url body is not JSON: %v", err)
	}
	s.mu.Lock()
	s.responses[r.PathValue("name")] = append(s.responses[r.PathValue("name")], body)
	s.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (s *slackStandIn) Posts() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.posts...)
}

// Responses are the posts to one response_url.
func (s *slackStandIn) Responses(name string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.responses[name]...)
}

func (s *slackStandIn) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unexpected...)
}

// responseText is what a response_url post shows, blocks included.
func responseText(b map[string]any) string {
	var sb strings.Builder
	for _, str := range jsonStrings(b) {
		sb.WriteString(str)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// jsonStrings lists every string in a decoded JSON value. Mentions must be
// looked for in these: encoding/json writes < as \u003c, so the raw JSON
// of blocks never shows them.
func jsonStrings(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// postStrings are the texts of a chat.postMessage form: its text and every
// string inside its blocks.
func postStrings(t *testing.T, v url.Values) []string {
	t.Helper()
	out := []string{v.Get("text")}
	if b := v.Get("blocks"); b != "" {
		var blocks any
		if err := json.Unmarshal([]byte(b), &blocks); err != nil {
			t.Fatalf("blocks are not JSON: %v", err)
		}
		out = append(out, jsonStrings(blocks)...)
	}
	return out
}

// slackMention is Slack markup that notifies people: <!channel>, <!here>,
// <!everyone>, <!subteam^…>, <@U…>, and <#C…> references.
var slackMention = regexp.MustCompile(`<[!@#][^>]*>`)

// slackClient posts to the running bot as Slack does.
type slackClient struct {
	p   *chatProcess
	seq atomic.Int64
}

// post sends form to path signed with secret (unsigned when secret is
// empty), and returns the status and how long the answer took. Each call
// signs with its own timestamp, so no two requests share a signature.
func (c *slackClient) post(t *testing.T, path, secret string, form url.Values) (int, time.Duration) {
	t.Helper()
	body := form.Encode()
	start := time.Now()
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequest(http.MethodPost, c.p.url(path), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if secret != "" {
			ts := strconv.FormatInt(time.Now().Unix()-c.seq.Add(1), 10)
			mac := hmac.New(sha256.New, []byte(secret))
			fmt.Fprintf(mac, "v0:%s:%s", ts, body)
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		}
		sent := time.Now()
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		// 503 means the adapter's Run has not begun yet; Slack would not
		// retry a slash command, but the test may.
		if resp.StatusCode == http.StatusServiceUnavailable && attempt < 50 && time.Since(start) < 10*time.Second {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		return resp.StatusCode, time.Since(sent)
	}
}

func slashCommand(command, text, user, responseURL string) url.Values {
	return url.Values{
		"token": {"verification-token-unused"}, "team_id": {"T0E2E"}, "team_domain": {"e2e"},
		"channel_id": {"C0ALERTS"}, "channel_name": {"policy-alerts"},
		"user_id": {user}, "user_name": {"ann"},
		"command": {command}, "text": {text}, "response_url": {responseURL},
		"trigger_id": {"13345224609.738474920.8088930838d88f008e0"},
	}
}

// withMentions is coursera's next version with Slack mention markup typed
// into one changed sentence (the thread quotes changed sentences whole) (as text: &lt; in the HTML), so the alert's
// thread quotes it and the test can see it arrive inert.
func withMentions(t *testing.T, page []byte) []byte {
	t.Helper()
	const at = "including for customer services and engagement purposes.</li>"
	if !bytes.Contains(page, []byte(at)) {
		t.Fatalf("the next version no longer contains %q", at)
	}
	return bytes.Replace(page, []byte(at),
		[]byte("including for customer services (ask &lt;!channel&gt;, &lt;!here&gt; or &lt;@UADMIN&gt;) and engagement purposes.</li>"), 1)
}

func TestChatSlackHTTPThroughRun(t *testing.T) {
	t.Parallel()
	before, after := pages(t)
	ps, err := startPolicyServer(before)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	slack := newSlackStandIn(t)
	dir := t.TempDir()
	seedCoursera(t, dir, ps.url)
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	p := startRunProcess(t, testEnv(dir, "POLICYBOT_HTTP_ADDR", addr,
		"SLACK_BOT_TOKEN", "xoxb-test", "SLACK_SIGNING_SECRET", chatSlackSecret,
		"POLICYBOT_SLACK_API_URL", slack.APIURL()), "slack")
	c := &slackClient{p: p}

	// Only Slack's signature gets in.
	for _, tc := range []struct{ name, secret string }{{"unsigned", ""}, {"signed with another secret", "not-the-secret"}} {
		if code, _ := c.post(t, "/slack/commands", tc.secret, slashCommand("/track", "coursera", "UADMIN", slack.ResponseURL("forged"))); code != http.StatusUnauthorized {
			t.Errorf("%s /slack/commands: status %d, want 401", tc.name, code)
		}
	}

	// /track: acknowledged at once, answered in the channel through response_url.
	code, took := c.post(t, "/slack/commands", chatSlackSecret, slashCommand("/track", "coursera", "UADMIN", slack.ResponseURL("track")))
	if code != http.StatusOK || took > 3*time.Second {
		t.Fatalf("/track: status %d after %s; Slack wants 200 within 3s", code, took)
	}
	chatWait(t, 30*time.Second, "the /track answer on its response_url", func() bool { return len(slack.Responses("track")) > 0 },
		func() string { return p.stderr.String() })
	tr := slack.Responses("track")[0]
	if text := responseText(tr); !strings.Contains(text, "Now tracking Coursera") {
		t.Fatalf("/track answered %q, want it to say Now tracking Coursera", text)
	}
	if tr["response_type"] != "in_channel" {
		t.Errorf("/track answer is %v, want in_channel: tracking changes the channel, so everyone sees it", tr["response_type"])
	}

	// Coursera publishes its next version; an admin checks now.
	ps.serve(withMentions(t, after))
	code, took = c.post(t, "/slack/commands", chatSlackSecret, slashCommand("/check", "coursera", "UADMIN", slack.ResponseURL("check")))
	if code != http.StatusOK || took > 3*time.Second {
		t.Fatalf("/check: status %d after %s; Slack wants 200 within 3s", code, took)
	}
	chatWait(t, 30*time.Second, "the /check answer", func() bool { return len(slack.Responses("check")) > 0 },
		func() string { return p.stderr.String() })
	if text := responseText(slack.Responses("check")[0]); !strings.Contains(text, "Checked Coursera: 1 document(s) changed") {
		t.Fatalf("/check answered %q", text)
	}

	// The notifier posts the alert and its thread (about a post a second:
	// the adapter paces each channel), then counts the delivery.
	delivered := `policybot_delivery_attempts_total{adapter="slack",result="delivered"}`
	chatWait(t, 45*time.Second, "the alert's delivery", func() bool { return p.metric(t, delivered) >= 1 },
		func() string {
			return fmt.Sprintf("%d posts so far; stderr:\n%s", len(slack.Posts()), p.stderr.String())
		})
	if n := p.metric(t, delivered); n != 1 {
		t.Errorf("%s = %v, want 1", delivered, n)
	}

	posts := slack.Posts()
	var parent url.Values
	parentAt := -1
	for i, v := range posts {
		if v.Get("thread_ts") == "" {
			if parent != nil {
				t.Fatalf("more than one top-level post: %q and %q", parent.Get("text"), v.Get("text"))
			}
			parent, parentAt = v, i
		}
	}
	if parent == nil {
		t.Fatalf("no alert among %d posts", len(posts))
	}
	if parent.Get("channel") != "C0ALERTS" {
		t.Errorf("alert went to %q, want the tracking channel C0ALERTS", parent.Get("channel"))
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(parent.Get("blocks")), &blocks); err != nil || len(blocks) == 0 {
		t.Fatalf("the alert has no Block Kit blocks (%v): %q", err, parent.Get("blocks"))
	}
	if !strings.Contains(strings.Join(postStrings(t, parent), "\n"), "Coursera") {
		t.Errorf("the alert does not name Coursera: %q", parent.Get("text"))
	}
	if !strings.Contains(parent.Get("metadata"), "policybot_delivery") {
		t.Errorf("the alert lacks the metadata FindPosted relies on: %q", parent.Get("metadata"))
	}
	replies := 0
	for i, v := range posts {
		if i == parentAt {
			continue
		}
		replies++
		if v.Get("thread_ts") != parent.Get("ts") || i < parentAt {
			t.Errorf("post %d is in thread %q (posted %s the alert), want a reply in the alert's thread %q after it",
				i, v.Get("thread_ts"), map[bool]string{true: "before", false: "after"}[i < parentAt], parent.Get("ts"))
		}
	}
	if replies == 0 {
		t.Fatal("the alert has no thread replies")
	}

	// Policy text is inert: the mentions typed into the page arrive escaped.
	escaped := false
	check := func(where string, strs []string) {
		for _, s := range strs {
			if m := slackMention.FindString(s); m != "" {
				t.Errorf("%s contains the live mention %q in %q", where, m, s)
			}
			escaped = escaped || strings.Contains(s, "&lt;!channel&gt;")
		}
	}
	for i, v := range posts {
		check(fmt.Sprintf("chat.postMessage %d", i), postStrings(t, v))
	}
	for _, name := range []string{"track", "check"} {
		for _, r := range slack.Responses(name) {
			check("response_url "+name, jsonStrings(r))
		}
	}
	if !escaped {
		t.Error("the mention typed into the policy never reached Slack: the thread should quote it, escaped")
	}
	slack.mu.Lock()
	lookups := slack.userInfos
	slack.mu.Unlock()
	if lookups == 0 {
		t.Error("the admin-only /check went through without asking Slack (users.info) whether the user is an admin")
	}
	if len(slack.Responses("forged")) > 0 {
		t.Error("an unsigned request was answered")
	}
	if u := slack.Unexpected(); len(u) > 0 {
		t.Errorf("the bot called Slack methods the stand-in does not serve: %v", u)
	}
}

// --- Discord -------------------------------------------------------------

// discordStandIn plays Discord's REST API on 127.0.0.1: command
// registration, interaction follow-ups and edits of the original answer. It
// refuses the gateway lookup, which an HTTP-interactions bot must not need,
// and records every request.
type discordStandIn struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	requests []discordCall
}

type discordCall struct {
	Method, Path, Auth string
	Body               []byte
}

func newDiscordStandIn(t *testing.T) *discordStandIn {
	s := &discordStandIn{t: t}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *discordStandIn) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, discordCall{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Body: body})
	s.mu.Unlock()
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPut && strings.HasSuffix(p, "/commands"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body) // Discord answers with the commands it now has
	case strings.Contains(p, "/webhooks/") && r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case strings.Contains(p, "/webhooks/"):
		chatJSON(w, map[string]any{"id": "7001", "channel_id": "C0ALERTS", "content": ""})
	case strings.HasSuffix(p, "/gateway/bot"):
		w.WriteHeader(http.StatusServiceUnavailable)
	default:
		w.WriteHeader(http.StatusNotFound)
		chatJSON(w, map[string]any{"message": "404: Not Found", "code": 0})
	}
}

func (s *discordStandIn) Calls(method, pathPart string) []discordCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []discordCall
	for _, c := range s.requests {
		if (method == "" || c.Method == method) && strings.Contains(c.Path, pathPart) {
			out = append(out, c)
		}
	}
	return out
}

func (s *discordStandIn) All() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.requests {
		out = append(out, c.Method+" "+c.Path)
	}
	return out
}

// discordSigned posts an interaction to the running bot signed with key as
// Discord does: Ed25519 over the timestamp and the body.
func discordSigned(t *testing.T, p *chatProcess, key ed25519.PrivateKey, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.url("/discord/interactions"), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != nil {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, []byte(ts+body))))
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST /discord/interactions: %v", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

const (
	discordAppID = "110000000000000001"
	discordToken = "discord-e2e-bot-token"
)

// discordKey is a fixed test key, so a failure can be reproduced.
func discordKey(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func discordEnv(s *discordStandIn, key ed25519.PrivateKey) []string {
	return []string{
		"DISCORD_PUBLIC_KEY", hex.EncodeToString(key.Public().(ed25519.PublicKey)),
		"DISCORD_APP_ID", discordAppID, "DISCORD_BOT_TOKEN", discordToken,
		"POLICYBOT_DISCORD_API_URL", s.srv.URL,
	}
}

func TestChatDiscordInteractionsThroughRun(t *testing.T) {
	t.Parallel()
	// Coursera's page is held until the test lets it go, so /track's first
	// capture outlasts Discord's 3 s and the answer must be deferred and
	// then delivered through the REST stand-in.
	before, _ := pages(t)
	release := make(chan struct{})
	letGo := sync.OnceFunc(func() { close(release) })
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(before)
	}))
	t.Cleanup(page.Close)
	t.Cleanup(letGo) // before page.Close, which waits for held requests
	discord := newDiscordStandIn(t)
	key := discordKey(7)
	dir := t.TempDir()
	seedCoursera(t, dir, page.URL+"/about/privacy")
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	p := startRunProcess(t, testEnv(dir, append([]string{"POLICYBOT_HTTP_ADDR", addr}, discordEnv(discord, key)...)...), "discord")

	// Run registered the slash commands with the stand-in (so nothing went to discord.com).
	chatWait(t, 30*time.Second, "the command registration", func() bool {
		return len(discord.Calls(http.MethodPut, "/applications/"+discordAppID+"/commands")) > 0
	}, func() string { return fmt.Sprint(discord.All(), "\n", p.stderr.String()) })
	reg := discord.Calls(http.MethodPut, "/applications/"+discordAppID+"/commands")[0]
	if reg.Auth != "Bot "+discordToken {
		t.Errorf("registration sent Authorization %q, want the bot token", reg.Auth)
	}
	var cmds []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(reg.Body, &cmds); err != nil {
		t.Fatalf("registration body: %v", err)
	}
	names := map[string]bool{}
	for _, c := range cmds {
		names[c.Name] = true
	}
	for _, want := range []string{"track", "check", "list", "help"} {
		if !names[want] {
			t.Errorf("/%s was not registered; registered %v", want, names)
		}
	}

	// PING → PONG, signed; anything not signed with the application's key → 401.
	ping := `{"id":"900000000000000001","application_id":"` + discordAppID + `","type":1,"token":"ping-token","version":1}`
	if code, body := discordSigned(t, p, key, ping); code != http.StatusOK || !regexp.MustCompile(`"type":\s*1\b`).Match(body) {
		t.Fatalf("signed PING: %d %s, want 200 with a PONG (type 1)", code, body)
	}
	if code, _ := discordSigned(t, p, discordKey(8), ping); code != http.StatusUnauthorized {
		t.Errorf("PING signed with another key: %d, want 401", code)
	}
	if code, _ := discordSigned(t, p, nil, ping); code != http.StatusUnauthorized {
		t.Errorf("unsigned PING: %d, want 401", code)
	}

	// /track coursera, by a member who can manage the channel (permission 16).
	track := `{"id":"900000000000000002","application_id":"` + discordAppID + `","type":2,"token":"track-token","version":1,` +
		`"guild_id":"800000000000000001","channel_id":"800000000000000002",` +
		`"member":{"user":{"id":"700000000000000001","username":"ann"},"permissions":"16"},` +
		`"data":{"id":"600000000000000001","name":"track","type":1,"options":[{"name":"platform","type":3,"value":"coursera"}]}}`
	code, body := discordSigned(t, p, key, track)
	if code != http.StatusOK {
		t.Fatalf("/track: %d %s", code, body)
	}
	var first struct {
		Type int `json:"type"`
		Data struct {
			Flags int `json:"flags"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &first); err != nil {
		t.Fatalf("/track answer is not JSON: %v: %s", err, body)
	}
	// 5 is "thinking…"; without flag 64 (ephemeral) the channel sees it,
	// as it will see the answer: /track changes the channel.
	if first.Type != 5 || first.Data.Flags&64 != 0 {
		t.Fatalf("/track while the page is held: %s, want a public deferral (type 5, not ephemeral)", body)
	}
	letGo()
	edit := "/webhooks/" + discordAppID + "/track-token/messages/@original"
	var answer string
	chatWait(t, 30*time.Second, "the deferred /track answer", func() bool {
		edits := discord.Calls(http.MethodPatch, edit)
		if len(edits) == 0 {
			return false
		}
		answer = string(edits[0].Body)
		return true
	}, func() string { return fmt.Sprint(discord.All(), "\n", p.stderr.String()) })
	if !strings.Contains(answer, "Now tracking Coursera") {
		t.Errorf("/track's deferred answer is %s, want Now tracking Coursera", answer)
	}
	if !regexp.MustCompile(`"allowed_mentions":\{"parse":\[\]`).MatchString(answer) {
		t.Errorf("/track answer does not turn mentions off (allowed_mentions with an empty parse list): %s", answer)
	}
	if g := discord.Calls("", "/gateway"); len(g) > 0 {
		t.Errorf("the HTTP-interactions bot looked up the gateway: %v", discord.All())
	}
}

// --- both ----------------------------------------------------------------

func TestChatHealthzListsSlackAndDiscord(t *testing.T) {
	t.Parallel()
	slack := newSlackStandIn(t)
	discord := newDiscordStandIn(t)
	key := discordKey(9)
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	seedCoursera(t, dir, loopbackOnly) // nothing is tracked, so nothing is fetched
	env := testEnv(dir, append([]string{"POLICYBOT_HTTP_ADDR", addr,
		"SLACK_BOT_TOKEN", "xoxb-test", "SLACK_SIGNING_SECRET", chatSlackSecret,
		"POLICYBOT_SLACK_API_URL", slack.APIURL()}, discordEnv(discord, key)...)...)
	p := startRunProcess(t, env, "slack", "discord")

	h, err := p.health()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"store", "scheduler", "slack", "discord"} {
		if h.Checks[want] != "ok" {
			t.Errorf("/healthz check %q = %q, want ok (all: %v)", want, h.Checks[want], h.Checks)
		}
	}
	if _, ok := h.Checks["console"]; ok {
		t.Errorf("/healthz lists the console although chats are configured: %v", h.Checks)
	}
	// Both endpoints are mounted on the one server, each behind its own signature.
	c := &slackClient{p: p}
	if code, _ := c.post(t, "/slack/commands", "", slashCommand("/list", "", "UADMIN", slack.ResponseURL("x"))); code != http.StatusUnauthorized {
		t.Errorf("unsigned /slack/commands: %d, want 401", code)
	}
	if code, _ := discordSigned(t, p, nil, `{"type":1}`); code != http.StatusUnauthorized {
		t.Errorf("unsigned /discord/interactions: %d, want 401", code)
	}
}

// A chat whose adapter stopped hears no commands: /healthz must fail and say
// which and why, not stay green because the web server still answers.
func TestChatHealthzFailsWhenSlackRefusesTheAppToken(t *testing.T) {
	t.Parallel()
	slack := newSlackStandIn(t)
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	seedCoursera(t, dir, loopbackOnly)
	p := launchRun(t, testEnv(dir, "POLICYBOT_HTTP_ADDR", addr,
		"SLACK_BOT_TOKEN", "xoxb-test", "SLACK_APP_TOKEN", "xapp-refused", "POLICYBOT_SLACK_API_URL", slack.APIURL()))
	h := p.waitHealth(t, "/healthz to report the stopped Slack adapter", func(h chatHealth) bool {
		return strings.HasPrefix(h.Checks["slack"], "not answering commands")
	})
	if h.Code != http.StatusServiceUnavailable || h.Status != "failing" {
		t.Errorf("/healthz with Slack stopped: %d %q, want 503 failing", h.Code, h.Status)
	}
	if !strings.Contains(h.Checks["slack"], "invalid_auth") {
		t.Errorf("/healthz says %q for slack, want Slack's reason (invalid_auth)", h.Checks["slack"])
	}
	if u := slack.Unexpected(); len(u) == 0 || u[0] != "POST /api/apps.connections.open" {
		t.Errorf("Socket Mode did not ask the stand-in for a connection: %v", u)
	}
}

// discordGateway is Discord's gateway on 127.0.0.1, in front of the REST
// stand-in: Hello, READY after Identify, RESUMED after Resume, heartbeats
// acknowledged. A test can drop the connection (kick) and turn new ones
// away (refuse), as during a Discord outage.
type discordGateway struct {
	rest *discordStandIn
	srv  *httptest.Server
	kick chan struct{}

	mu       sync.Mutex
	refuse   bool
	sessions []int // the opcode each connection began with: 2 identify, 6 resume
}

func newDiscordGateway(t *testing.T) *discordGateway {
	g := &discordGateway{rest: newDiscordStandIn(t), kick: make(chan struct{})}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Upgrade") != "":
			g.serveGateway(w, r)
		case r.Method == http.MethodGet && r.URL.Path == "/api/v9/gateway":
			chatJSON(w, map[string]string{"url": "ws" + strings.TrimPrefix(g.srv.URL, "http") + "/gateway"})
		default:
			g.rest.serve(w, r)
		}
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *discordGateway) setRefuse(refuse bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refuse = refuse
}

func (g *discordGateway) Sessions() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.sessions...)
}

func (g *discordGateway) serveGateway(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	refuse := g.refuse
	g.mu.Unlock()
	if refuse {
		http.Error(w, "gateway unavailable", http.StatusServiceUnavailable)
		return
	}
	c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	var wmu sync.Mutex
	send := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return c.WriteJSON(v)
	}
	if send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}}) != nil {
		return
	}
	var hello struct {
		Op int `json:"op"`
	}
	if err := c.ReadJSON(&hello); err != nil || (hello.Op != 2 && hello.Op != 6) {
		return
	}
	g.mu.Lock()
	g.sessions = append(g.sessions, hello.Op)
	g.mu.Unlock()
	first := map[string]any{"op": 0, "t": "READY", "s": 1, "d": map[string]any{
		"v": 9, "session_id": "e2e-session", "user": map[string]any{"id": "900", "username": "policybot", "bot": true},
		"guilds": []any{}, "application": map[string]any{"id": discordAppID}}}
	if hello.Op == 6 {
		first = map[string]any{"op": 0, "t": "RESUMED", "s": 2, "d": map[string]any{}}
	}
	if send(first) != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var m struct {
				Op int `json:"op"`
			}
			if c.ReadJSON(&m) != nil {
				return
			}
			if m.Op == 1 {
				_ = send(map[string]any{"op": 11})
			}
		}
	}()
	select {
	case <-g.kick:
	case <-done:
	case <-r.Context().Done():
	}
}

// A Discord gateway session that drops while the bot runs hears no
// commands until discordgo reconnects: /healthz must fail meanwhile, with
// how long, and pass again once the session is resumed.
func TestChatHealthzFollowsTheDiscordGateway(t *testing.T) {
	t.Parallel()
	gw := newDiscordGateway(t)
	addr, err := freeLoopbackAddr()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	seedCoursera(t, dir, loopbackOnly)
	p := startRunProcess(t, testEnv(dir, "POLICYBOT_HTTP_ADDR", addr,
		"DISCORD_BOT_TOKEN", discordToken, "DISCORD_APP_ID", discordAppID, "POLICYBOT_DISCORD_API_URL", gw.srv.URL), "discord")

	gw.setRefuse(true)
	select {
	case gw.kick <- struct{}{}:
	case <-time.After(10 * time.Second):
		t.Fatalf("the gateway stand-in has no connection to drop; sessions %v", gw.Sessions())
	}
	h := p.waitHealth(t, "/healthz to report the dropped gateway", func(h chatHealth) bool {
		return h.Code == http.StatusServiceUnavailable
	})
	if h.Status != "failing" || !regexp.MustCompile(`^discord: gateway disconnected \d+s ago; reconnecting$`).MatchString(h.Checks["discord"]) {
		t.Errorf("/healthz with the gateway down: %q, discord %q; want failing, and how long it has been disconnected", h.Status, h.Checks["discord"])
	}

	gw.setRefuse(false)
	p.waitHealth(t, "/healthz to pass again after the reconnection", func(h chatHealth) bool {
		return h.Code == http.StatusOK && h.Checks["discord"] == "ok"
	})
	if got := fmt.Sprint(gw.Sessions()); got != "[2 6]" {
		t.Errorf("gateway sessions began with opcodes %s, want [2 6]: an identify, then a resume of the same session", got)
	}
}
