package slack

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/policybot/policybot/commands"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/store/storetest"
)

// socketStandIn plays Slack's side of Socket Mode on 127.0.0.1:
// apps.connections.open answers with its websocket URL; the websocket says
// hello, then sends whatever envelopes the test gives it and reports what
// the client writes back (its acknowledgements). A test can drop the
// connection (kick) and make apps.connections.open fail (refuse), as
// Slack's side does when it restarts or is down.
type socketStandIn struct {
	t        *testing.T
	send     chan any
	received chan map[string]any
	kick     chan struct{}
	mu       sync.Mutex
	auth     string
	opened   int
	refuse   bool
}

func newSocketStandIn(t *testing.T) *socketStandIn {
	return &socketStandIn{t: t, send: make(chan any, 10), received: make(chan map[string]any, 10), kick: make(chan struct{})}
}

func (s *socketStandIn) routes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/apps.connections.open": func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.auth = r.Header.Get("Authorization")
			s.opened++
			refuse := s.refuse
			s.mu.Unlock()
			if refuse {
				http.Error(w, "Slack is having trouble", http.StatusServiceUnavailable)
				return
			}
			writeJSON(w, map[string]any{"ok": true, "url": "ws://" + r.Host + "/socket-mode"})
		},
		"/socket-mode": s.serveWS,
	}
}

func (s *socketStandIn) serveWS(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		s.t.Errorf("stand-in: upgrade: %v", err)
		return
	}
	defer conn.Close()
	if err := conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A0POLICYBOT"}}); err != nil {
		s.t.Errorf("stand-in: hello: %v", err)
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var m map[string]any
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			s.received <- m
		}
	}()
	for {
		select {
		case env := <-s.send:
			if err := conn.WriteJSON(env); err != nil {
				return
			}
		case <-s.kick:
			return
		case <-done:
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (s *socketStandIn) setRefuse(refuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = refuse
}

func (s *socketStandIn) opens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened
}

// ack waits for the client's acknowledgement of envelope id.
func (s *socketStandIn) ack(id string) time.Duration {
	s.t.Helper()
	start := time.Now()
	deadline := time.After(3 * time.Second) // Slack's own limit
	for {
		select {
		case m := <-s.received:
			if m["envelope_id"] == id {
				return time.Since(start)
			}
		case <-deadline:
			s.t.Fatalf("no acknowledgement of envelope %s within 3s", id)
		}
	}
}

func TestSocketMode(t *testing.T) {
	sm := newSocketStandIn(t)
	fake := newFakeSlack(t, sm.routes())
	fake.admins["UADMIN"] = true
	db := storetest.MustOpen(t)
	h := &counting{Handler: commands.New(db, config.Default(), nil, commands.Options{})}
	a, err := New(Options{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: fake.URL(), Pace: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	startAdapter(t, a, h)

	// A slash command arrives over the socket, is acknowledged at once, and
	// answered through its response_url.
	sm.send <- map[string]any{"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{"team_id": "T1", "team_domain": "acme", "channel_id": "C1", "channel_name": "policy-watch",
			"user_id": "UADMIN", "user_name": "ada", "command": "/track", "text": "coursera",
			"response_url": fake.ResponseURL("sm-track"), "trigger_id": "1.2"}}
	if took := sm.ack("env-1"); took > time.Second {
		t.Errorf("acknowledged after %s", took)
	}
	fake.waitFor("the answer on response_url", func() bool { return len(fake.Responses()) == 1 })
	r := fake.Responses()[0]
	if r.Path != "/response/sm-track" || r.responseType() != "in_channel" || !strings.Contains(r.text(), "Now tracking Coursera") {
		t.Errorf("answer %s %s %q", r.Path, r.responseType(), r.text())
	}
	sm.mu.Lock()
	if sm.auth != "Bearer xapp-test" {
		t.Errorf("apps.connections.open was called with %q, want the app token", sm.auth)
	}
	sm.mu.Unlock()

	// A button click: acknowledged, run as the clicker's command.
	click, _ := json.Marshal(map[string]any{"type": "block_actions", "team": map[string]any{"id": "T1", "domain": "acme"},
		"user": map[string]any{"id": "UADMIN", "name": "ada"}, "channel": map[string]any{"id": "C1", "name": "policy-watch"},
		"response_url": fake.ResponseURL("sm-mute"),
		"actions":      []map[string]any{{"type": "button", "action_id": actionCommand + ":2:mute", "block_id": "Xy1", "value": "/mute coursera"}}})
	sm.send <- map[string]any{"envelope_id": "env-2", "type": "interactive", "payload": json.RawMessage(click)}
	sm.ack("env-2")
	fake.waitFor("the click's answer", func() bool { return len(fake.Responses()) == 2 })

	// An event Slack sends twice (a retry has a new envelope id, the same
	// event id) is acknowledged twice and answered once.
	ev := map[string]any{"type": "event_callback", "team_id": "T1", "event_id": "Ev9",
		"event": map[string]any{"type": "app_mention", "user": "UADMIN", "text": "<@UBOT> track netflix", "ts": "1778544000.000200", "channel": "C1"}}
	sm.send <- map[string]any{"envelope_id": "env-3", "type": "events_api", "payload": ev}
	sm.ack("env-3")
	sm.send <- map[string]any{"envelope_id": "env-4", "type": "events_api", "payload": ev, "retry_attempt": 1, "retry_reason": "timeout"}
	sm.ack("env-4")
	fake.waitFor("the mention's answer", func() bool { return len(fake.Posts()) >= 1 })
	time.Sleep(100 * time.Millisecond)
	if n := len(fake.Posts()); n != 1 {
		t.Errorf("the mention was answered %d times", n)
	}
	var texts []string
	for _, r := range h.Requests() {
		texts = append(texts, r.Text)
	}
	if strings.Join(texts, "|") != "/track coursera|/mute coursera|track netflix" {
		t.Errorf("the router saw %q", texts)
	}
}
