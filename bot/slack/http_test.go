package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/commands"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// counting wraps the real router and counts the commands that reach it.
type counting struct {
	bot.Handler
	mu   sync.Mutex
	reqs []bot.Request
	// gate, when set, holds every command until it is closed.
	gate chan struct{}
}

func (c *counting) Handle(ctx context.Context, req bot.Request) []bot.Message {
	c.mu.Lock()
	c.reqs = append(c.reqs, req)
	gate := c.gate
	c.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return c.Handler.Handle(ctx, req)
}

func (c *counting) Requests() []bot.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]bot.Request(nil), c.reqs...)
}

// httpBot is the adapter in HTTP mode in front of the real command router
// on a SQLite store, served on 127.0.0.1.
type httpBot struct {
	t       *testing.T
	fake    *fakeSlack
	db      *store.DB
	handler *counting
	srv     *httptest.Server
	now     func() time.Time
	seq     atomic.Int64
}

func newHTTPBot(t *testing.T) *httpBot {
	t.Helper()
	fake := newFakeSlack(t, nil)
	fake.admins["UADMIN"] = true
	db := storetest.MustOpen(t)
	router := commands.New(db, config.Default(), nil, commands.Options{})
	h := &counting{Handler: router}
	a, err := New(Options{BotToken: "xoxb-test", SigningSecret: secret, APIURL: fake.URL(), Pace: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	startAdapter(t, a, h)
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &httpBot{t: t, fake: fake, db: db, handler: h, srv: srv, now: time.Now}
}

func sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", ts)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// request is one HTTP request to the adapter; zero fields mean a valid one.
type request struct {
	path        string
	contentType string
	body        []byte
	secret      string
	ts          string
	noSignature bool
	headers     map[string]string
}

func (b *httpBot) do(r request) (int, time.Duration) {
	b.t.Helper()
	if r.contentType == "" {
		r.contentType = "application/x-www-form-urlencoded"
	}
	if r.secret == "" {
		r.secret = secret
	}
	if r.ts == "" {
		// A fresh second each time, as Slack's own requests differ.
		r.ts = strconv.FormatInt(b.now().Unix()-b.seq.Add(1), 10)
	}
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+r.path, strings.NewReader(string(r.body)))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", r.contentType)
	req.Header.Set("X-Slack-Request-Timestamp", r.ts)
	if !r.noSignature {
		req.Header.Set("X-Slack-Signature", sign(r.secret, r.ts, r.body))
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, time.Since(start)
}

func (b *httpBot) slash(team, user, command, text, responseName string) []byte {
	return []byte(url.Values{
		"team_id": {team}, "team_domain": {"acme"}, "channel_id": {"C1"}, "channel_name": {"policy-watch"},
		"user_id": {user}, "user_name": {strings.ToLower(user)}, "command": {command}, "text": {text},
		"response_url": {b.fake.ResponseURL(responseName)}, "trigger_id": {"1.2.3"},
	}.Encode())
}

func (b *httpBot) responses(name string) []responsePost {
	var out []responsePost
	for _, r := range b.fake.Responses() {
		if r.Path == "/response/"+name {
			out = append(out, r)
		}
	}
	return out
}

func (b *httpBot) waitResponse(name string, n int) []responsePost {
	b.t.Helper()
	b.fake.waitFor("an answer on response_url "+name, func() bool { return len(b.responses(name)) >= n })
	return b.responses(name)
}

func (b *httpBot) tenantExists(team string) bool {
	_, err := b.db.TenantByExternal(context.Background(), store.TenantSlack, team)
	return err == nil
}

func TestSlashCommandSigned(t *testing.T) {
	b := newHTTPBot(t)
	status, took := b.do(request{path: "/slack/commands", body: b.slash("T1", "UADMIN", "/track", "coursera", "track")})
	if status != http.StatusOK {
		t.Fatalf("a signed command got %d", status)
	}
	if took > 3*time.Second {
		t.Errorf("acknowledged after %s; Slack gives up after 3s", took)
	}
	r := b.waitResponse("track", 1)[0]
	if r.responseType() != "in_channel" || !strings.Contains(r.text(), "Now tracking Coursera") {
		t.Fatalf("answer = %s %q; want the channel told “Now tracking Coursera”", r.responseType(), r.text())
	}
	if bl, ok := r.Body["blocks"].([]any); !ok || len(bl) == 0 || r.Body["replace_original"] != false {
		t.Errorf("answer body = %v; want Block Kit blocks that replace nothing", r.Body)
	}
	req := b.handler.Requests()[0]
	want := bot.Request{TenantKind: "slack", TenantID: "T1", TenantName: "acme", ChannelID: "C1", ChannelName: "policy-watch",
		UserID: "UADMIN", UserName: "uadmin", IsAdmin: true, Text: "/track coursera"}
	if req != want {
		t.Errorf("request = %+v\nwant      %+v", req, want)
	}
	// The store has what the command did.
	tenant, err := b.db.TenantByExternal(context.Background(), store.TenantSlack, "T1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := b.db.PlatformBySlug(context.Background(), "coursera")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.db.TenantTracks(context.Background(), tenant.ID, p.ID); err != nil || !ok {
		t.Errorf("tenant tracks coursera = %v, %v", ok, err)
	}

	// Answers for the asker alone are ephemeral; the umbrella command works too.
	b.do(request{path: "/slack/commands", body: b.slash("T1", "U2", "/policybot", "list", "list")})
	r = b.waitResponse("list", 1)[0]
	if r.responseType() != "ephemeral" || !strings.Contains(r.text(), "Coursera") {
		t.Errorf("/policybot list answered %s %q", r.responseType(), r.text())
	}
	b.do(request{path: "/slack/commands", body: b.slash("T1", "U2", "/policybot", "", "help")})
	if r := b.waitResponse("help", 1)[0]; !strings.Contains(r.text(), "/track") {
		t.Errorf("/policybot alone should answer with help, got %q", r.text())
	}
}

// Unsigned, badly signed, stale, replayed and malformed requests are refused
// with 401 before anything reads them, and change nothing.
func TestSlashCommandRefused(t *testing.T) {
	b := newHTTPBot(t)
	old := strconv.FormatInt(time.Now().Add(-6*time.Minute).Unix(), 10)
	future := strconv.FormatInt(time.Now().Add(6*time.Minute).Unix(), 10)
	jsonBody := []byte(`{"team_id":"T6","channel_id":"C1","user_id":"UADMIN","command":"/track","text":"netflix"}`)
	tests := []struct {
		name string
		req  request
	}{
		{"bad signature", request{body: b.slash("T2", "UADMIN", "/track", "netflix", "bad"), secret: "not-the-secret"}},
		{"old timestamp", request{body: b.slash("T3", "UADMIN", "/track", "netflix", "old"), ts: old}},
		{"future timestamp", request{body: b.slash("T3", "UADMIN", "/track", "netflix", "future"), ts: future}},
		{"missing signature", request{body: b.slash("T4", "UADMIN", "/track", "netflix", "missing"), noSignature: true}},
		{"missing timestamp", request{body: b.slash("T4", "UADMIN", "/track", "netflix", "nots"), ts: " "}},
		{"malformed signature", request{body: b.slash("T4", "UADMIN", "/track", "netflix", "malformed"),
			headers: map[string]string{"X-Slack-Signature": "v0=zz"}}},
		{"non-form body", request{body: jsonBody, contentType: "application/json"}},
	}
	for _, tt := range tests {
		tt.req.path = "/slack/commands"
		if status, _ := b.do(tt.req); status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", tt.name, status)
		}
	}
	// A replay: the same signed request twice. The first is answered, the
	// second refused.
	body := b.slash("T5", "UADMIN", "/track", "netflix", "replay")
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	if status, _ := b.do(request{path: "/slack/commands", body: body, ts: ts}); status != http.StatusOK {
		t.Fatalf("first of the replayed pair got %d", status)
	}
	if status, _ := b.do(request{path: "/slack/commands", body: body, ts: ts}); status != http.StatusUnauthorized {
		t.Errorf("replayed request got %d, want 401", status)
	}
	upper := "v0=" + strings.ToUpper(strings.TrimPrefix(sign(secret, ts, body), "v0="))
	if status, _ := b.do(request{path: "/slack/commands", body: body, ts: ts, headers: map[string]string{"X-Slack-Signature": upper}}); status != http.StatusUnauthorized {
		t.Errorf("a replay with the signature in upper case got %d, want 401", status)
	}
	b.waitResponse("replay", 1)
	time.Sleep(100 * time.Millisecond) // room for a wrongly accepted second answer to arrive
	if n := len(b.responses("replay")); n != 1 {
		t.Errorf("the replayed command was answered %d times", n)
	}
	reqs := b.handler.Requests()
	if len(reqs) != 1 || reqs[0].TenantID != "T5" {
		t.Errorf("commands that reached the router: %+v; want only the first of the replayed pair", reqs)
	}
	for _, team := range []string{"T2", "T3", "T4", "T6"} {
		if b.tenantExists(team) {
			t.Errorf("a refused request from %s changed the store", team)
		}
	}
	for _, name := range []string{"bad", "old", "future", "missing", "nots", "malformed"} {
		if n := len(b.responses(name)); n != 0 {
			t.Errorf("refused request %s was answered", name)
		}
	}
}

// Slack gives three seconds: the request is acknowledged while the work
// goes on, and the answer arrives later through response_url.
func TestSlashCommandAcknowledgedBeforeWork(t *testing.T) {
	b := newHTTPBot(t)
	gate := make(chan struct{})
	b.handler.mu.Lock()
	b.handler.gate = gate
	b.handler.mu.Unlock()
	status, took := b.do(request{path: "/slack/commands", body: b.slash("T1", "UADMIN", "/list", "", "slow")})
	if status != http.StatusOK || took > time.Second {
		t.Fatalf("status %d after %s while the command was still being worked on", status, took)
	}
	if len(b.responses("slow")) != 0 {
		t.Fatal("answered before the work finished")
	}
	close(gate)
	if r := b.waitResponse("slow", 1)[0]; r.responseType() != "ephemeral" {
		t.Errorf("answer = %v", r.Body)
	}
}

func (b *httpBot) click(user, value, responseName string) []byte {
	payload := map[string]any{
		"type": "block_actions", "team": map[string]any{"id": "T1", "domain": "acme"},
		"user":         map[string]any{"id": user, "name": strings.ToLower(user)},
		"channel":      map[string]any{"id": "C1", "name": "policy-watch"},
		"container":    map[string]any{"type": "message", "message_ts": "1778544000.000001", "channel_id": "C1"},
		"response_url": b.fake.ResponseURL(responseName),
		"actions": []map[string]any{{"type": "button", "action_id": actionCommand + ":2:mute", "block_id": "b",
			"value": value, "text": map[string]any{"type": "plain_text", "text": "Mute this platform"}}},
	}
	js, _ := json.Marshal(payload)
	return []byte(url.Values{"payload": {string(js)}}.Encode())
}

// Buttons run their command with the clicker's permissions, as if typed.
func TestButtonClick(t *testing.T) {
	b := newHTTPBot(t)
	b.do(request{path: "/slack/commands", body: b.slash("T1", "UADMIN", "/track", "coursera", "track")})
	b.waitResponse("track", 1)
	b.do(request{path: "/slack/commands", body: b.slash("T1", "UADMIN", "/settings", "admins-only on", "admins")})
	if r := b.waitResponse("admins", 1)[0]; !strings.Contains(r.text(), "Only admins can now") {
		t.Fatalf("admins-only on: %q", r.text())
	}

	// A member's click is refused like a member's command.
	if status, _ := b.do(request{path: "/slack/interactivity", body: b.click("UMEMBER", "/mute coursera", "member")}); status != http.StatusOK {
		t.Fatalf("click got %d", status)
	}
	if r := b.waitResponse("member", 1)[0]; r.responseType() != "ephemeral" || !strings.Contains(r.text(), "Only admins") {
		t.Errorf("member's click answered %s %q", r.responseType(), r.text())
	}
	// An admin's click mutes the platform, and says so in the channel.
	b.do(request{path: "/slack/interactivity", body: b.click("UADMIN", "/mute coursera", "admin")})
	r := b.waitResponse("admin", 1)[0]
	if !strings.Contains(strings.ToLower(r.text()), "mute") || r.Body["replace_original"] != false {
		t.Errorf("admin's click answered %v", r.Body)
	}
	ctx := context.Background()
	tenant, _ := b.db.TenantByExternal(ctx, store.TenantSlack, "T1")
	ch, err := b.db.EnsureChannel(ctx, tenant.ID, "C1", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := b.db.PlatformBySlug(ctx, "coursera")
	sub, err := b.db.ChannelSubscription(ctx, ch.ID, p.ID)
	if err != nil || !sub.Muted {
		t.Errorf("subscription muted = %v, %v", sub, err)
	}
	// Admin status came from users.info, looked up once per person while fresh.
	b.fake.mu.Lock()
	lookups := b.fake.userInfos
	b.fake.mu.Unlock()
	if lookups != 2 {
		t.Errorf("users.info called %d times for two people, want 2 (cached)", lookups)
	}

	// A link button's click is acknowledged and runs nothing.
	before := len(b.handler.Requests())
	js, _ := json.Marshal(map[string]any{"type": "block_actions", "team": map[string]any{"id": "T1"},
		"user": map[string]any{"id": "UADMIN"}, "channel": map[string]any{"id": "C1"}, "response_url": b.fake.ResponseURL("link"),
		"actions": []map[string]any{{"type": "button", "action_id": actionLink + ":0:record", "block_id": "Xy1", "value": ""}}})
	if status, _ := b.do(request{path: "/slack/interactivity", body: []byte(url.Values{"payload": {string(js)}}.Encode())}); status != http.StatusOK {
		t.Errorf("link click got %d", status)
	}
	time.Sleep(50 * time.Millisecond)
	if len(b.handler.Requests()) != before {
		t.Error("a link button ran a command")
	}
	// Clicks are signed requests like any other.
	if status, _ := b.do(request{path: "/slack/interactivity", body: b.click("UADMIN", "/unmute coursera", "forged"), secret: "x"}); status != http.StatusUnauthorized {
		t.Errorf("forged click got %d", status)
	}
}

func TestEvents(t *testing.T) {
	b := newHTTPBot(t)
	// Slack checks the URL when the app is configured.
	body := []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/slack/events", strings.NewReader(string(body)))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sign(secret, ts, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || got["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("url_verification: %d %v", resp.StatusCode, got)
	}

	// A mention is a command; Slack's retries of it are answered once.
	event := func(id, text string) []byte {
		return []byte(fmt.Sprintf(`{"type":"event_callback","team_id":"T1","event_id":%q,"event_time":1778544000,
			"event":{"type":"app_mention","user":"UADMIN","text":%q,"ts":"1778544000.000100","channel":"C1"}}`, id, text))
	}
	for i := 0; i < 3; i++ { // the event and two retries, each freshly signed
		status, _ := b.do(request{path: "/slack/events", contentType: "application/json", body: event("Ev1", "<@UBOT> track tinder"),
			headers: map[string]string{"X-Slack-Retry-Num": strconv.Itoa(i)}})
		if status != http.StatusOK {
			t.Fatalf("event delivery %d got %d", i, status)
		}
	}
	b.fake.waitFor("the mention answered", func() bool { return len(b.fake.Posts()) >= 1 })
	time.Sleep(100 * time.Millisecond)
	posts := b.fake.Posts()
	if len(posts) != 1 {
		t.Fatalf("a mention retried twice was answered %d times", len(posts))
	}
	if posts[0].Get("thread_ts") != "1778544000.000100" || !strings.Contains(posts[0].Get("text"), "Now tracking Tinder") {
		t.Errorf("mention answer: thread %q text %q", posts[0].Get("thread_ts"), posts[0].Get("text"))
	}
	if reqs := b.handler.Requests(); len(reqs) != 1 || reqs[0].Text != "track tinder" {
		t.Errorf("router saw %+v", reqs)
	}
	// An answer for the asker alone is ephemeral, in the thread.
	b.do(request{path: "/slack/events", contentType: "application/json", body: event("Ev2", "<@UBOT> list")})
	b.fake.waitFor("the ephemeral answer", func() bool { return len(b.fake.Ephemeral()) == 1 })
	if e := b.fake.Ephemeral()[0]; e.Get("user") != "UADMIN" || e.Get("thread_ts") != "1778544000.000100" {
		t.Errorf("ephemeral answer to %q in %q", e.Get("user"), e.Get("thread_ts"))
	}
	// Events are signed like everything else.
	if status, _ := b.do(request{path: "/slack/events", contentType: "application/json", body: event("Ev3", "<@UBOT> list"), secret: "x"}); status != 401 {
		t.Errorf("a forged event got %d", status)
	}
}

func TestOversizeBody(t *testing.T) {
	b := newHTTPBot(t)
	body := []byte("text=" + strings.Repeat("a", 2<<20))
	if status, _ := b.do(request{path: "/slack/commands", body: body}); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MiB body got %d", status)
	}
}

func TestResponseURLAllowed(t *testing.T) {
	a, err := New(Options{BotToken: "xoxb-x", SigningSecret: "s", APIURL: "http://127.0.0.1:9999/api"})
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]bool{
		"https://hooks.slack.com/commands/T1/1/abc": true,
		"https://slack.com/x":                       true,
		"http://hooks.slack.com/commands/T1/1/abc":  false,
		"https://hooks.slack.com.evil.example/x":    false,
		"https://evil.example/hooks.slack.com":      false,
		"http://127.0.0.1:9999/response/1":          true,
		"http://127.0.0.1:9998/response/1":          false,
		"https://user@hooks.slack.com/x":            false,
		"::not a url":                               false,
	} {
		if got := a.allowedResponseURL(u); got != want {
			t.Errorf("allowedResponseURL(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestNew(t *testing.T) {
	for _, tt := range []struct {
		opts Options
		err  string
	}{
		{Options{}, "bot token"},
		{Options{BotToken: "xoxb-1"}, "SLACK_APP_TOKEN"},
		{Options{BotToken: "xoxb-1", SigningSecret: "s", APIURL: "nope"}, "not an absolute URL"},
		{Options{BotToken: "xoxb-1", SigningSecret: "s"}, ""},
		{Options{BotToken: "xoxb-1", AppToken: "xapp-1"}, ""},
	} {
		a, err := New(tt.opts)
		if tt.err == "" {
			if err != nil {
				t.Errorf("New(%+v): %v", tt.opts, err)
			} else if a.SocketMode() != (tt.opts.AppToken != "") || a.Name() != "slack" {
				t.Errorf("New(%+v): socket mode %v, name %q", tt.opts, a.SocketMode(), a.Name())
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("New(%+v) = %v, want an error about %q", tt.opts, err, tt.err)
		}
	}
}
