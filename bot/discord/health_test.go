package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/commands"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/store/storetest"
)

// waitHealth polls Health until ok says its answer is the one wanted, and
// returns that answer; it fails the test after a while.
func waitHealth(t *testing.T, a *Adapter, what string, ok func(error) bool) error {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
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

// runAdapter runs a with the real router until the returned stop is called
// (or the test ends), and returns Run's error through stop.
func runAdapter(t *testing.T, a *Adapter) (stop func() error) {
	t.Helper()
	h := commands.New(storetest.MustOpen(t), config.Default(), nil, commands.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	var err error
	stopped := false
	stop = func() error {
		if stopped {
			return err
		}
		stopped = true
		cancel()
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			err = fmt.Errorf("Run did not return after cancel")
		}
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return stop
}

// TestGatewayHealth drives the real discordgo session against the
// stand-in's gateway: Health is nil once READY arrives, fails saying how
// long when the stand-in drops the connection and turns reconnections away,
// and is nil again once discordgo has resumed the session by itself, which
// an interaction over the resumed session then proves.
func TestGatewayHealth(t *testing.T) {
	si := newStandIn(t)
	a := newTestAdapter(t, si, Options{})
	if err := a.Health(context.Background()); err == nil || !strings.Contains(err.Error(), "not started") {
		t.Errorf("Health before Run = %v, want not started", err)
	}
	stop := runAdapter(t, a)
	waitHealth(t, a, "connected", healthy)

	si.setRefuse(true)
	si.kick <- struct{}{}
	err := waitHealth(t, a, "disconnected", func(err error) bool { return err != nil })
	if msg := err.Error(); !strings.HasPrefix(msg, "discord: gateway disconnected ") || !strings.HasSuffix(msg, "s ago; reconnecting") {
		t.Errorf("Health while down = %q, want how long the gateway has been disconnected", msg)
	}
	// Nothing changes while the stand-in refuses: no event, no news.
	time.Sleep(300 * time.Millisecond)
	if err := a.Health(context.Background()); err == nil {
		t.Fatal("Health is nil while the gateway refuses every connection")
	}

	si.setRefuse(false)
	waitHealth(t, a, "reconnected", healthy)
	if got := fmt.Sprint(si.Sessions()); got != "[2 6]" {
		t.Errorf("gateway sessions began with opcodes %s, want [2 6]: an identify, then a resume", got)
	}
	si.events <- []byte(`{"t":"INTERACTION_CREATE","d":` + slash("r1", permNone, "list", "") + `}`)
	si.waitFor("POST", "/interactions/r1/tok-r1/callback", 1)

	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := a.Health(context.Background()); err == nil || err.Error() != "discord: gateway stopped" {
		t.Errorf("Health after Run = %v, want gateway stopped", err)
	}
}

// TestHTTPInteractionsHealth: with HTTP interactions Health is nil once the
// commands are registered, says why when Discord refuses them, and asks
// Discord nothing itself.
func TestHTTPInteractionsHealth(t *testing.T) {
	tests := []struct {
		name string
		fail func(r *http.Request, n int) (int, string, http.Header, bool)
		want string // "" means healthy
		puts int
	}{
		{"registered", nil, "", 1},
		{"a server error, then registered", func(r *http.Request, n int) (int, string, http.Header, bool) {
			return 500, `{"message":"500: Internal Server Error","code":0}`, nil, n == 1
		}, "", 2},
		{"wrong token", func(r *http.Request, n int) (int, string, http.Header, bool) {
			return 401, `{"message":"401: Unauthorized","code":0}`, nil, true
		}, "discord: slash commands not registered: Discord refused the bot token: set DISCORD_BOT_TOKEN to the application's current token", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pub, _, err := ed25519.GenerateKey(nil)
			if err != nil {
				t.Fatal(err)
			}
			si := newStandIn(t)
			si.fail = tt.fail
			a := newTestAdapter(t, si, Options{PublicKey: hex.EncodeToString(pub)})
			runAdapter(t, a)
			var got error
			if tt.want == "" {
				got = waitHealth(t, a, "registered", healthy)
			} else {
				got = waitHealth(t, a, "refused", func(err error) bool { return err != nil && strings.Contains(err.Error(), "not registered") })
				if got.Error() != tt.want {
					t.Errorf("Health = %q, want %q", got, tt.want)
				}
			}
			before := len(si.Requests("", "/"))
			for range 50 {
				if err := a.Health(context.Background()); (err == nil) != (got == nil) {
					t.Fatalf("Health changed to %v without anything happening", err)
				}
			}
			if n := len(si.Requests("", "/")); n != before {
				t.Errorf("Health made %d requests to Discord", n-before)
			}
			if n := len(si.Requests("PUT", "/applications/app1/commands")); n != tt.puts {
				t.Errorf("%d registrations, want %d", n, tt.puts)
			}
			if g := si.Requests("", "/gateway"); len(g) > 0 {
				t.Errorf("the HTTP-interactions adapter looked up the gateway: %v", si.paths())
			}
		})
	}
}

// TestHealthMessages: what an operator reads in /healthz, for each state.
func TestHealthMessages(t *testing.T) {
	now := time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC)
	dial := fmt.Errorf("websocket: bad handshake")
	tests := []struct {
		name    string
		gateway bool
		state   bot.ConnState
		want    string
	}{
		{"connected", true, bot.ConnState{Up: true, WasUp: true, Since: now.Add(-time.Hour)}, ""},
		{"first tries", true, bot.ConnState{Since: now.Add(-12 * time.Second), Err: dial},
			"discord: gateway not connected yet (trying for 12s): websocket: bad handshake"},
		{"registering, before the gateway", true, bot.ConnState{Since: now.Add(-time.Second)},
			"discord: gateway not connected yet (trying for 1s)"},
		{"dropped", true, bot.ConnState{WasUp: true, Since: now.Add(-2*time.Minute - 5*time.Second)},
			"discord: gateway disconnected 2m ago; reconnecting"},
		{"dropped hours ago", true, bot.ConnState{WasUp: true, Since: now.Add(-5 * time.Hour)},
			"discord: gateway disconnected 5h ago; reconnecting"},
		{"stopped", true, bot.ConnState{WasUp: true, Stopped: true, Since: now}, "discord: gateway stopped"},
		{"registering", false, bot.ConnState{Since: now}, "discord: registering the slash commands"},
		{"registration failing", false, bot.ConnState{Since: now.Add(-3 * time.Minute), Err: fmt.Errorf("register 12 commands: 502 Bad Gateway")},
			"discord: slash commands not registered yet (trying for 3m): register 12 commands: 502 Bad Gateway"},
		{"registered", false, bot.ConnState{Up: true, WasUp: true, Since: now}, ""},
	}
	for _, tt := range tests {
		var err error
		if tt.gateway {
			err = gatewayHealth(tt.state, now)
		} else {
			err = registrationHealth(tt.state, now)
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
