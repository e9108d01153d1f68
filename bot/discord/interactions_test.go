package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/commands"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

// httpSetup is the adapter in HTTP interactions mode, its endpoint on a
// loopback server, the REST stand-in, the real command router on a temp
// store, and the key pair Discord would sign with.
type httpSetup struct {
	a    *Adapter
	si   *standIn
	srv  *httptest.Server
	db   *store.DB
	priv ed25519.PrivateKey
	// answers are the endpoint's response bodies, as Discord would get them.
	answers [][]byte
}

func newHTTPSetup(t *testing.T, wrap func(bot.Handler) bot.Handler, opts Options) *httpSetup {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	si := newStandIn(t)
	opts.PublicKey = hex.EncodeToString(pub)
	opts.RequireManageChannels = true
	a := newTestAdapter(t, si, opts)
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	db := storetest.MustOpen(t)
	var h bot.Handler = commands.New(db, config.Default(), nil, commands.Options{})
	if wrap != nil {
		h = wrap(h)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	si.waitFor("PUT", "/applications/app1/commands", 1)
	return &httpSetup{a: a, si: si, srv: srv, db: db, priv: priv}
}

// post sends body to the endpoint, signed unless sign says otherwise.
func (s *httpSetup) post(t *testing.T, body string, header func(h http.Header)) (int, map[string]any) {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequest("POST", s.srv.URL+"/discord/interactions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(s.priv, []byte(ts+body))))
	if header != nil {
		header(req.Header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	s.answers = append(s.answers, raw)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func (s *httpSetup) sign(ts, body string) string {
	return hex.EncodeToString(ed25519.Sign(s.priv, []byte(ts+body)))
}

const (
	permManageChannels = "16"
	permNone           = "0"
)

func slash(id, perms, name string, options string) string {
	return fmt.Sprintf(`{"id":%q,"application_id":"app1","type":2,"token":"tok-%s","guild_id":"guild1","channel_id":"C1",`+
		`"member":{"user":{"id":"u1","username":"ada"},"permissions":%q},"data":{"id":"cmd","name":%q,"type":1,"options":[%s]}}`,
		id, id, perms, name, options)
}

func TestInteractionsEndpoint(t *testing.T) {
	s := newHTTPSetup(t, nil, Options{})
	ctx := context.Background()

	t.Run("ping gets pong", func(t *testing.T) {
		code, out := s.post(t, `{"id":"p","application_id":"app1","type":1,"token":"t"}`, nil)
		if code != 200 || out["type"] != float64(1) {
			t.Fatalf("PING: %d %v", code, out)
		}
	})

	t.Run("signature checks", func(t *testing.T) {
		body := `{"id":"p","application_id":"app1","type":1,"token":"t"}`
		old := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
		cases := map[string]func(h http.Header){
			"bad signature": func(h http.Header) { h.Set("X-Signature-Ed25519", strings.Repeat("ab", 64)) },
			"tampered body": func(h http.Header) {
				h.Set("X-Signature-Ed25519", s.sign(h.Get("X-Signature-Timestamp"), strings.Replace(body, `"p"`, `"q"`, 1)))
			},
			"old timestamp": func(h http.Header) {
				h.Set("X-Signature-Timestamp", old)
				h.Set("X-Signature-Ed25519", s.sign(old, body))
			},
			"missing signature": func(h http.Header) { h.Del("X-Signature-Ed25519") },
			"missing timestamp": func(h http.Header) { h.Del("X-Signature-Timestamp") },
		}
		for name, tamper := range cases {
			if code, _ := s.post(t, body, tamper); code != http.StatusUnauthorized {
				t.Errorf("%s: got %d, want 401", name, code)
			}
		}
	})

	t.Run("track is answered and stored", func(t *testing.T) {
		code, out := s.post(t, slash("i1", permManageChannels, "track", `{"name":"platform","type":3,"value":"coursera"}`), nil)
		if code != 200 || out["type"] != float64(4) {
			t.Fatalf("/track: %d %v", code, out)
		}
		data := out["data"].(map[string]any)
		if !strings.Contains(fmt.Sprint(data["content"], data["embeds"]), "Coursera") {
			t.Errorf("/track answer does not name Coursera: %v", data)
		}
		if am := data["allowed_mentions"].(map[string]any); len(am["parse"].([]any)) != 0 {
			t.Errorf("allowed_mentions: %v", am)
		}
		tenant, err := s.db.TenantByExternal(ctx, store.TenantDiscord, "guild1")
		if err != nil {
			t.Fatal(err)
		}
		ch, err := s.db.EnsureChannel(ctx, tenant.ID, "C1", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		subs, err := s.db.ChannelSubscriptions(ctx, ch.ID)
		if err != nil || len(subs) != 1 {
			t.Fatalf("want one subscription after /track, got %d (%v)", len(subs), err)
		}
	})

	t.Run("changing the channel needs Manage Channels", func(t *testing.T) {
		_, out := s.post(t, slash("i2", permNone, "untrack", `{"name":"platform","type":3,"value":"coursera"}`), nil)
		data := out["data"].(map[string]any)
		if data["flags"] != float64(64) || !strings.Contains(data["content"].(string), "Manage Channels") {
			t.Errorf("a member without Manage Channels should be refused privately: %v", data)
		}
		_, out = s.post(t, slash("i3", permNone, "list", ""), nil)
		if c := fmt.Sprint(out["data"]); strings.Contains(c, "Manage Channels") {
			t.Errorf("/list needs no permission: %v", c)
		}
	})

	t.Run("buttons run their command under the same rules", func(t *testing.T) {
		button := func(id, perms string) string {
			return fmt.Sprintf(`{"id":%q,"application_id":"app1","type":3,"token":"tok","guild_id":"guild1","channel_id":"C1",`+
				`"member":{"user":{"id":"u2","username":"bob"},"permissions":%q},"data":{"custom_id":"cmd:/mute coursera","component_type":2}}`, id, perms)
		}
		_, out := s.post(t, button("b1", permNone), nil)
		if !strings.Contains(fmt.Sprint(out["data"]), "Manage Channels") {
			t.Errorf("Mute from a member without Manage Channels: %v", out)
		}
		_, out = s.post(t, button("b2", permManageChannels), nil)
		if strings.Contains(fmt.Sprint(out["data"]), "Manage Channels") || out["type"] != float64(4) {
			t.Errorf("Mute from a channel manager: %v", out)
		}
	})

	t.Run("autocomplete offers coursera first for cour", func(t *testing.T) {
		body := `{"id":"a1","application_id":"app1","type":4,"token":"t","guild_id":"guild1","channel_id":"C1",` +
			`"member":{"user":{"id":"u1","username":"ada"},"permissions":"0"},` +
			`"data":{"id":"cmd","name":"track","type":1,"options":[{"name":"platform","type":3,"value":"cour","focused":true}]}}`
		start := time.Now()
		code, out := s.post(t, body, nil)
		if took := time.Since(start); took > time.Second {
			t.Errorf("autocomplete took %s", took)
		}
		if code != 200 || out["type"] != float64(8) {
			t.Fatalf("autocomplete: %d %v", code, out)
		}
		cs := out["data"].(map[string]any)["choices"].([]any)
		if len(cs) == 0 || len(cs) > 25 || cs[0].(map[string]any)["value"] != "coursera" {
			t.Errorf("choices for cour: %v", cs)
		}
	})

	t.Run("commands are registered from the specs", func(t *testing.T) {
		var cmds []map[string]any
		if err := json.Unmarshal(s.si.Requests("PUT", "/applications/app1/commands")[0].Body, &cmds); err != nil {
			t.Fatal(err)
		}
		byName := map[string]map[string]any{}
		for _, c := range cmds {
			byName[c["name"].(string)] = c
		}
		for _, name := range []string{"track", "untrack", "list", "provisions", "compare", "history", "diff", "digest", "settings", "help"} {
			if byName[name] == nil {
				t.Errorf("/%s is not registered", name)
			}
		}
		if byName["mute"] != nil {
			t.Error("hidden button targets must not be registered")
		}
		opts := byName["compare"]["options"].([]any)
		if len(opts) < 3 || opts[0].(map[string]any)["name"] != "platforms" || opts[0].(map[string]any)["autocomplete"] != true {
			t.Errorf("/compare options: %v", opts)
		}
	})

	t.Run("every answer allows no mentions", func(t *testing.T) {
		checked := 0
		for _, raw := range s.answers {
			var r struct {
				Type int            `json:"type"`
				Data map[string]any `json:"data"`
			}
			if json.Unmarshal(raw, &r) != nil || (r.Type != 4 && r.Type != 5) {
				continue
			}
			checked++
			if !bytes.Contains(raw, []byte(`"allowed_mentions":{"parse":[]`)) {
				t.Errorf("answer without empty allowed_mentions: %s", raw)
			}
		}
		if checked < 5 {
			t.Errorf("only %d answers checked", checked)
		}
	})
}

// TestDeferredAnswer: a command slower than DeferAfter is deferred (type 5)
// and its answer replaces the placeholder through the webhook.
func TestDeferredAnswer(t *testing.T) {
	s := newHTTPSetup(t, func(h bot.Handler) bot.Handler { return slowHandler{h, 300 * time.Millisecond} }, Options{DeferAfter: 50 * time.Millisecond})
	code, out := s.post(t, slash("d1", permManageChannels, "list", ""), nil)
	if code != 200 || out["type"] != float64(5) {
		t.Fatalf("want a deferred response, got %d %v", code, out)
	}
	var edits []recorded
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		edits = append(s.si.Requests("PATCH", "/webhooks/app1/tok-d1/messages/@original"), s.si.Requests("POST", "/webhooks/app1/tok-d1")...)
		if len(edits) > 0 {
			break
		}
	}
	if len(edits) == 0 {
		t.Fatalf("the deferred answer never came: %v", s.si.paths())
	}
	if !bytes.Contains(edits[0].Body, []byte(`"allowed_mentions":{"parse":[]`)) {
		t.Errorf("follow-up without empty allowed_mentions: %s", edits[0].Body)
	}
}

type slowHandler struct {
	bot.Handler
	delay time.Duration
}

func (h slowHandler) Handle(ctx context.Context, req bot.Request) []bot.Message {
	time.Sleep(h.delay)
	return h.Handler.Handle(ctx, req)
}

// TestGateway drives the real discordgo session against the stand-in's
// gateway: Hello, READY, then an INTERACTION_CREATE for /list, whose answer
// must come back as an interaction response on the REST side.
func TestGateway(t *testing.T) {
	si := newStandIn(t)
	a := newTestAdapter(t, si, Options{RequireManageChannels: true})
	db := storetest.MustOpen(t)
	h := commands.New(db, config.Default(), nil, commands.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}()
	si.waitFor("PUT", "/applications/app1/commands", 1)
	si.events <- []byte(`{"t":"INTERACTION_CREATE","d":` + slash("g1", permNone, "list", "") + `}`)
	got := si.waitFor("POST", "/interactions/g1/tok-g1/callback", 1)
	var resp struct {
		Type int            `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(got[0].Body, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Type != 4 || resp.Data["content"] == nil && resp.Data["embeds"] == nil {
		t.Fatalf("want a message answer, got %s", got[0].Body)
	}
	everyBodyMutesMentions(t, si)
}

func TestCommandLine(t *testing.T) {
	specs := map[string]bot.CommandSpec{}
	for _, s := range commands.New(nil, config.Default(), nil, commands.Options{}).Specs() {
		specs[s.Name] = s
	}
	tests := []struct {
		cmd, options, want string
	}{
		{"track", `[{"name":"platform","type":3,"value":"coursera"},{"name":"types","type":3,"value":"privacy \"Terms of Service\""}]`,
			`/track coursera privacy "Terms of Service"`},
		{"compare", `[{"name":"platforms","type":3,"value":"coursera"},{"name":"platforms-2","type":3,"value":"netflix"},{"name":"category","type":3,"value":"data-sharing"}]`,
			"/compare coursera netflix --category data-sharing"},
		{"diff", `[{"name":"change","type":4,"value":42}]`, "/diff 42"},
		{"history", `[{"name":"platform","type":3,"value":"Khan Academy"}]`, `/history "Khan Academy"`},
		{"list", `[]`, "/list"},
	}
	for _, tt := range tests {
		var opts []*discordgo.ApplicationCommandInteractionDataOption
		if err := json.Unmarshal([]byte(tt.options), &opts); err != nil {
			t.Fatal(err)
		}
		if got := commandLine(specs[tt.cmd], opts); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.cmd, got, tt.want)
		}
	}
}

// TestBeforeRun: the endpoint is mounted before the bot runs; Discord's
// PING must still get PONG, and a command a polite "starting".
func TestBeforeRun(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	si := newStandIn(t)
	a := newTestAdapter(t, si, Options{PublicKey: hex.EncodeToString(pub)})
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	s := &httpSetup{a: a, si: si, srv: srv, priv: priv}
	if _, out := s.post(t, `{"id":"p","application_id":"app1","type":1,"token":"t"}`, nil); out["type"] != float64(1) {
		t.Errorf("PING before Run: %v", out)
	}
	if _, out := s.post(t, slash("s1", permNone, "list", ""), nil); !strings.Contains(fmt.Sprint(out["data"]), "starting") {
		t.Errorf("a command before Run: %v", out)
	}
}
