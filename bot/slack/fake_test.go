package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/policybot/policybot/bot"
)

// fakeSlack is slack-go's slacktest server (on 127.0.0.1) with our own
// handlers for the methods the adapter calls, recording what it was sent:
// chat.postMessage and chat.postEphemeral forms, response_url posts, and
// users.info lookups.
type fakeSlack struct {
	t   testing.TB
	srv *slacktest.Server

	mu        sync.Mutex
	posts     []url.Values // accepted chat.postMessage calls
	ephemeral []url.Values // accepted chat.postEphemeral calls
	responses []responsePost
	userInfos int
	calls     int // chat.postMessage calls, failed ones included
	admins    map[string]bool
	// fail, when set, may answer a chat.postMessage call instead of
	// accepting it; record says whether Slack posted it anyway (the answer
	// was lost on the way back).
	fail func(call int, form url.Values) (status int, header http.Header, body string, record bool)
	// extra routes (e.g. a websocket stand-in) registered before start.
	changed chan struct{}
}

type responsePost struct {
	Path string
	Body map[string]any
}

func newFakeSlack(t testing.TB, extra map[string]http.HandlerFunc) *fakeSlack {
	t.Helper()
	f := &fakeSlack{t: t, admins: map[string]bool{}, changed: make(chan struct{}, 100)}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.postMessage)
		c.Handle("/chat.postEphemeral", f.postEphemeral)
		c.Handle("/conversations.history", f.history)
		c.Handle("/conversations.replies", f.replies)
		c.Handle("/users.info", f.usersInfo)
		c.Handle("/response/", f.response)
		for pattern, h := range extra {
			c.Handle(pattern, h)
		}
	})
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

// URL is the API base to give the adapter.
func (f *fakeSlack) URL() string { return f.srv.GetAPIURL() }

// ResponseURL is a response_url on the fake.
func (f *fakeSlack) ResponseURL(name string) string { return f.srv.GetAPIURL() + "response/" + name }

func (f *fakeSlack) form(r *http.Request) url.Values {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("fake slack: read body: %v", err)
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		f.t.Errorf("fake slack: %s: body is not a form: %v", r.URL.Path, err)
	}
	return v
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeSlack) notify() {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

func (f *fakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	v := f.form(r)
	f.mu.Lock()
	f.calls++
	call := f.calls
	fail := f.fail
	f.mu.Unlock()
	if fail != nil {
		if status, header, body, record := fail(call, v); status != 0 {
			if record {
				f.record(v)
			}
			for k, vs := range header {
				w.Header()[k] = vs
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
			return
		}
	}
	ts := f.record(v)
	writeJSON(w, map[string]any{"ok": true, "channel": v.Get("channel"), "ts": ts})
}

// record keeps an accepted post and returns its ts.
func (f *fakeSlack) record(v url.Values) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := fmt.Sprintf("1778544000.%06d", len(f.posts)+1)
	v.Set("ts", ts)
	f.posts = append(f.posts, v)
	f.notify()
	return ts
}

func (f *fakeSlack) postEphemeral(w http.ResponseWriter, r *http.Request) {
	v := f.form(r)
	f.mu.Lock()
	f.ephemeral = append(f.ephemeral, v)
	f.mu.Unlock()
	f.notify()
	writeJSON(w, map[string]any{"ok": true, "message_ts": "1778544000.900000"})
}

// message is a recorded post as conversations.history returns it.
func message(v url.Values) map[string]any {
	m := map[string]any{"type": "message", "ts": v.Get("ts"), "text": v.Get("text")}
	if v.Get("thread_ts") != "" {
		m["thread_ts"] = v.Get("thread_ts")
	}
	if md := v.Get("metadata"); md != "" {
		var meta map[string]any
		_ = json.Unmarshal([]byte(md), &meta)
		m["metadata"] = meta
	}
	return m
}

func (f *fakeSlack) history(w http.ResponseWriter, r *http.Request) {
	v := f.form(r)
	if v.Get("include_all_metadata") != "1" {
		f.t.Errorf("conversations.history without include_all_metadata")
	}
	f.mu.Lock()
	var msgs []map[string]any
	for i := len(f.posts) - 1; i >= 0; i-- { // newest first, as Slack does
		p := f.posts[i]
		if p.Get("channel") == v.Get("channel") && p.Get("thread_ts") == "" {
			msgs = append(msgs, message(p))
		}
	}
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "messages": msgs})
}

func (f *fakeSlack) replies(w http.ResponseWriter, r *http.Request) {
	v := f.form(r)
	f.mu.Lock()
	var msgs []map[string]any
	for _, p := range f.posts {
		if p.Get("channel") == v.Get("channel") && (p.Get("ts") == v.Get("ts") || p.Get("thread_ts") == v.Get("ts")) {
			msgs = append(msgs, message(p))
		}
	}
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "messages": msgs})
}

func (f *fakeSlack) usersInfo(w http.ResponseWriter, r *http.Request) {
	v := f.form(r)
	f.mu.Lock()
	f.userInfos++
	admin := f.admins[v.Get("user")]
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{
		"id": v.Get("user"), "name": strings.ToLower(v.Get("user")), "is_admin": admin}})
}

func (f *fakeSlack) response(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("fake slack: response_url body: %v", err)
	}
	f.mu.Lock()
	f.responses = append(f.responses, responsePost{Path: r.URL.Path, Body: body})
	f.mu.Unlock()
	f.notify()
	_, _ = io.WriteString(w, "ok")
}

func (f *fakeSlack) Posts() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.posts...)
}

func (f *fakeSlack) Ephemeral() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.ephemeral...)
}

func (f *fakeSlack) Responses() []responsePost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]responsePost(nil), f.responses...)
}

// waitFor waits until cond holds, failing the test after a few seconds.
func (f *fakeSlack) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.After(5 * time.Second)
	for !cond() {
		select {
		case <-f.changed:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			f.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// text is what a response_url post shows: its text and its blocks' JSON.
func (r responsePost) text() string {
	s, _ := r.Body["text"].(string)
	b, _ := json.Marshal(r.Body["blocks"])
	return s + "\n" + string(b)
}
func (r responsePost) responseType() string {
	s, _ := r.Body["response_type"].(string)
	return s
}

// startAdapter runs a on h until the test ends, and waits until it answers.
func startAdapter(t testing.TB, a *Adapter, h bot.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	for i := 0; a.handler.Load() == nil; i++ {
		if i > 500 {
			t.Fatal("adapter did not start")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
