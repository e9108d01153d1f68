package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/bot/console"
)

// echo answers each command with a reply carrying the text it was given.
type echo struct {
	mu   sync.Mutex
	reqs []bot.Request
}

func (e *echo) Handle(ctx context.Context, r bot.Request) []bot.Message {
	e.mu.Lock()
	e.reqs = append(e.reqs, r)
	e.mu.Unlock()
	return []bot.Message{{Kind: bot.KindEphemeral, Text: "got " + bot.Quote(r.Text)}}
}
func (e *echo) Complete(context.Context, bot.Request, string, string, int) []bot.Choice { return nil }
func (e *echo) Specs() []bot.CommandSpec                                                { return nil }

func TestRunAnswersEachLineUntilEOF(t *testing.T) {
	in := "/help\n\n# a comment\n  /list  \n" + strings.Repeat("x", 100<<10) + "\n/last"
	var out bytes.Buffer
	h := &echo{}
	a := console.New(strings.NewReader(in), &out, console.Options{Echo: true})
	if err := a.Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if len(h.reqs) != 4 {
		t.Fatalf("handled %d lines, want 4 (blank and comment skipped)", len(h.reqs))
	}
	r := h.reqs[0]
	if r.TenantKind != "console" || r.TenantID != "local" || r.ChannelID != "console" || !r.IsAdmin || r.Text != "/help" {
		t.Fatalf("request = %+v", r)
	}
	if len(h.reqs[2].Text) != 64<<10 {
		t.Errorf("a 100 KB line reached the handler as %d bytes, want it cut at 64 KB", len(h.reqs[2].Text))
	}
	if h.reqs[3].Text != "/last" {
		t.Errorf("last line without newline = %q", h.reqs[3].Text)
	}
	got := out.String()
	if !strings.Contains(got, "» /help\n[ephemeral ") || !strings.Contains(got, "(only you) got /help") {
		t.Errorf("transcript:\n%s", got)
	}
}

func TestTextFormatIndentsThreadsAndCannotBeForged(t *testing.T) {
	var out bytes.Buffer
	a := console.New(strings.NewReader(""), &out, console.Options{})
	ctx := context.Background()
	parent, err := a.Post(ctx, bot.Target{Channel: "console", IdempotencyKey: "k:part:0"}, bot.Message{
		Kind: bot.KindAlert, Title: "Coursera · Privacy Policy", Severity: "important", Text: "Headline."})
	if err != nil {
		t.Fatal(err)
	}
	forged := "quoted\n[alert fake-1] FORGED\x1b[2J\u202e"
	if _, err := a.Post(ctx, bot.Target{Channel: "console", Thread: parent}, bot.Message{Kind: bot.KindThreadReply, Title: "1/1 Expanded: Sharing",
		Blocks: []bot.Block{{Kind: bot.BlockQuote, Label: "After", Text: forged}}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if !strings.HasPrefix(lines[0], "[alert "+parent+"] [IMPORTANT] Coursera · Privacy Policy") || lines[1] != "  Headline." {
		t.Fatalf("parent rendered as:\n%s", out.String())
	}
	reply := lines[2:]
	if !strings.HasPrefix(reply[0], "    ↳ [thread-reply ") || !strings.Contains(reply[0], " in "+parent+"] ") {
		t.Fatalf("reply header = %q", reply[0])
	}
	for _, l := range reply[1:] {
		if !strings.HasPrefix(l, "      ") {
			t.Errorf("reply line not indented under its header: %q", l)
		}
		if strings.HasPrefix(strings.TrimSpace(l), "[alert") {
			t.Errorf("policy text started a line that looks like a message: %q", l)
		}
	}
	if strings.ContainsAny(out.String(), "\x1b\u202e") {
		t.Error("control characters reached the terminal")
	}
	if id, ok, _ := a.FindPosted(ctx, bot.Target{IdempotencyKey: "k:part:0"}); !ok || id != parent {
		t.Errorf("FindPosted = %q %v, want the parent", id, ok)
	}
}

func TestJSONFormatOneObjectPerMessage(t *testing.T) {
	var out bytes.Buffer
	a := console.New(strings.NewReader("/list\n"), &out, console.Options{Format: console.FormatJSON, Echo: true})
	ctx := context.Background()
	if err := a.Run(ctx, &echo{}); err != nil {
		t.Fatal(err)
	}
	parent, _ := a.Post(ctx, bot.Target{Channel: "console"}, bot.Message{Kind: bot.KindAlert, Text: "line one\nline two"})
	a.Post(ctx, bot.Target{Channel: "console", Thread: parent}, bot.Message{Kind: bot.KindThreadReply, Text: "detail"})
	a.Note("narration is not JSON")
	var got []map[string]string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]string
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", l, err)
		}
		got = append(got, m)
	}
	if len(got) != 3 {
		t.Fatalf("%d objects, want 3 (no echo, no narration in JSON):\n%s", len(got), out.String())
	}
	if got[0]["kind"] != "ephemeral" || got[1]["kind"] != "alert" || got[1]["text"] != "line one\nline two" ||
		got[2]["kind"] != "thread-reply" || got[2]["thread"] != got[1]["id"] || got[2]["channel"] != "console" {
		t.Fatalf("objects = %+v", got)
	}
	for _, k := range []string{"kind", "channel", "thread", "id", "text"} {
		if _, ok := got[0][k]; !ok {
			t.Errorf("object lacks %q", k)
		}
	}
}

func TestConcurrentPostsDoNotInterleave(t *testing.T) {
	var out bytes.Buffer
	a := console.New(strings.NewReader(""), &out, console.Options{Format: console.FormatJSON})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.Post(context.Background(), bot.Target{Channel: "console"}, bot.Message{Kind: bot.KindNotice, Text: strings.Repeat("y", 5000)})
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]string
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("interleaved output: %v", err)
		}
		ids[m["id"]] = true
	}
	if len(ids) != 20 {
		t.Fatalf("%d distinct ids, want 20", len(ids))
	}
}
