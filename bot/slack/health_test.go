package slack

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/commands"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/store/storetest"
)

// waitHealth polls Health until ok says its answer is the one wanted, and
// returns that answer; it fails the test after a few seconds.
func waitHealth(t *testing.T, a *Adapter, what string, ok func(error) bool) error {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := a.Health(context.Background())
		if ok(err) {
			return err
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for Health to say %s; it says %v", what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func healthy(err error) bool { return err == nil }

// TestSocketModeHealth: Health follows the websocket. It is nil once
// connected, fails with how long and why when the stand-in drops the
// connection and refuses new ones, and is nil again once the adapter has
// reconnected by itself, which the next command proves.
func TestSocketModeHealth(t *testing.T) {
	sm := newSocketStandIn(t)
	fake := newFakeSlack(t, sm.routes())
	a, err := New(Options{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: fake.URL(), Pace: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Health(context.Background()); err == nil || !strings.Contains(err.Error(), "not started") {
		t.Errorf("Health before Run = %v, want not started", err)
	}
	db := storetest.MustOpen(t)
	startAdapter(t, a, &counting{Handler: commands.New(db, config.Default(), nil, commands.Options{})})
	waitHealth(t, a, "connected", healthy)

	sm.setRefuse(true)
	sm.kick <- struct{}{}
	err = waitHealth(t, a, "the connection is down and why", func(err error) bool {
		return err != nil && strings.Contains(err.Error(), "503")
	})
	if msg := err.Error(); !strings.HasPrefix(msg, "slack: socket mode disconnected ") || !strings.Contains(msg, "s ago: ") {
		t.Errorf("Health while down = %q, want it to start with how long the socket has been disconnected", msg)
	}

	opened := sm.opens()
	sm.setRefuse(false)
	waitHealth(t, a, "reconnected", healthy)
	if n := sm.opens(); n <= opened {
		t.Errorf("apps.connections.open was called %d times, %d before the stand-in let it through", n, opened)
	}
	sm.send <- map[string]any{"envelope_id": "env-after", "type": "slash_commands",
		"payload": map[string]any{"team_id": "T1", "channel_id": "C1", "user_id": "U1", "command": "/help",
			"response_url": fake.ResponseURL("after"), "trigger_id": "1.3"}}
	sm.ack("env-after")
}

// authTest is a stand-in auth.test whose answers the test sets.
type authTest struct {
	mu      sync.Mutex
	calls   int
	answers []string // JSON bodies in turn; the last one repeats; "500" fails the call
}

func (s *authTest) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	body := s.answers[min(s.calls, len(s.answers))-1]
	s.mu.Unlock()
	if body == "500" {
		http.Error(w, "oops", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}

func (s *authTest) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// TestHTTPModeHealth: in HTTP mode Health says whether Slack accepted the
// bot token, checked once at start (again only after a failure that a
// retry may fix), never on each call.
func TestHTTPModeHealth(t *testing.T) {
	const ok = `{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"policybot","team_id":"T1","user_id":"UBOT"}`
	tests := []struct {
		name    string
		answers []string
		want    string // "" means healthy
		calls   int
	}{
		{"accepted", []string{ok}, "", 1},
		{"revoked token", []string{`{"ok":false,"error":"token_revoked"}`},
			"slack: bot token refused: the app's token was revoked: reinstall the app (token_revoked)", 1},
		{"app uninstalled", []string{`{"ok":false,"error":"invalid_auth"}`},
			"slack: bot token refused: Slack refuses the bot token: reinstall the app (invalid_auth)", 1},
		{"a server error, then accepted", []string{"500", ok}, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			at := &authTest{answers: tt.answers}
			fake := newFakeSlack(t, map[string]http.HandlerFunc{"/auth.test": at.serve})
			a, err := New(Options{BotToken: "xoxb-test", SigningSecret: secret, APIURL: fake.URL(), Pace: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			db := storetest.MustOpen(t)
			startAdapter(t, a, &counting{Handler: commands.New(db, config.Default(), nil, commands.Options{})})
			var got error
			if tt.want == "" {
				got = waitHealth(t, a, "the token is accepted", healthy)
			} else {
				got = waitHealth(t, a, "the token is refused", func(err error) bool { return err != nil && strings.Contains(err.Error(), "refused") })
				if got.Error() != tt.want {
					t.Errorf("Health = %q, want %q", got, tt.want)
				}
			}
			for range 50 {
				if err := a.Health(context.Background()); (err == nil) != (got == nil) {
					t.Fatalf("Health changed to %v without anything happening", err)
				}
			}
			if n := at.count(); n != tt.calls {
				t.Errorf("auth.test was called %d times, want %d", n, tt.calls)
			}
		})
	}
}

// TestHealthMessages: what an operator reads in /healthz, for each state.
func TestHealthMessages(t *testing.T) {
	now := time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC)
	refused := errors.New("slack server error: 503 Service Unavailable")
	tests := []struct {
		name   string
		socket bool
		state  bot.ConnState
		want   string
	}{
		{"connected", true, bot.ConnState{Up: true, WasUp: true, Since: now.Add(-time.Hour)}, ""},
		{"first tries", true, bot.ConnState{Since: now.Add(-5 * time.Second), Err: refused},
			"slack: socket mode not connected yet (trying for 5s): slack server error: 503 Service Unavailable"},
		{"dropped, reconnecting", true, bot.ConnState{WasUp: true, Since: now.Add(-300 * time.Millisecond)},
			"slack: socket mode disconnected 1s ago; reconnecting"},
		{"down for two minutes", true, bot.ConnState{WasUp: true, Since: now.Add(-2*time.Minute - 10*time.Second), Err: refused},
			"slack: socket mode disconnected 2m ago: slack server error: 503 Service Unavailable"},
		{"down for a day", true, bot.ConnState{WasUp: true, Since: now.Add(-26 * time.Hour), Err: refused},
			"slack: socket mode disconnected 26h ago: slack server error: 503 Service Unavailable"},
		{"down for days", true, bot.ConnState{WasUp: true, Since: now.Add(-73 * time.Hour), Err: refused},
			"slack: socket mode disconnected 3d ago: slack server error: 503 Service Unavailable"},
		{"stopped", true, bot.ConnState{WasUp: true, Stopped: true, Since: now}, "slack: socket mode stopped"},
		{"token checking", false, bot.ConnState{Since: now}, "slack: checking the bot token with Slack (auth.test)"},
		{"token check failing", false, bot.ConnState{Since: now.Add(-90 * time.Second), Err: refused},
			"slack: bot token not checked yet (trying for 1m): slack server error: 503 Service Unavailable"},
		{"token accepted", false, bot.ConnState{Up: true, WasUp: true, Since: now}, ""},
	}
	for _, tt := range tests {
		var err error
		if tt.socket {
			err = socketHealth(tt.state, now)
		} else {
			err = tokenHealth(tt.state, now)
		}
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
