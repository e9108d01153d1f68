package discord

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

// TestAlertThroughNotifier sends the Coursera alert through the real outbox
// on a SQLite store: the embed goes to the channel, a thread is started
// from it, and each provision goes into the thread, in order.
func TestAlertThroughNotifier(t *testing.T) {
	ctx := context.Background()
	si := newStandIn(t)
	si.addChannel("C1", typeText)
	a := newTestAdapter(t, si, Options{})
	f := newStoreFixture(t, storetest.MustOpen(t), "C1")
	env := courseraEnvelope(t, courseraSummary(t))
	id := f.enqueue(t, env, "change:42:channel:1")

	n := bot.NewNotifier(f.db, []bot.Adapter{a}, bot.NotifierOptions{})
	if done, err := n.SendDue(ctx); err != nil || done != 1 {
		t.Fatalf("SendDue = %d, %v; requests %v", done, err, si.paths())
	}
	top := si.Messages("C1")
	if len(top) != 1 {
		t.Fatalf("want the alert alone in the channel, got %d messages", len(top))
	}
	parent := top[0]
	embeds := parent.Body["embeds"].([]any)
	if title := embeds[0].(map[string]any)["title"]; title != "Coursera · Privacy Policy" {
		t.Errorf("alert title = %v", title)
	}
	starts := si.Requests("POST", "/channels/C1/messages/"+parent.ID+"/threads")
	if len(starts) != 1 {
		t.Fatalf("want one thread started from the alert, got %d (%v)", len(starts), si.paths())
	}
	var start map[string]any
	_ = json.Unmarshal(starts[0].Body, &start)
	if start["name"] != "Coursera · Privacy Policy" {
		t.Errorf("thread name = %v", start["name"])
	}
	replies := si.Messages(parent.ID)
	if len(replies) != len(env.Replies) {
		t.Fatalf("want %d messages in the thread, got %d", len(env.Replies), len(replies))
	}
	for i, r := range replies {
		title := r.Body["embeds"].([]any)[0].(map[string]any)["title"].(string)
		if !strings.HasPrefix(title, strings.SplitN(env.Replies[i].Title, ":", 2)[0]) {
			t.Errorf("thread message %d is %q, want %q", i, title, env.Replies[i].Title)
		}
		if r.Body["enforce_nonce"] != true || len(r.Body["nonce"].(string)) > 25 {
			t.Errorf("thread message %d: nonce %v enforce %v", i, r.Body["nonce"], r.Body["enforce_nonce"])
		}
	}
	d, err := f.db.Delivery(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != store.DeliveryDelivered || d.MessageID != parent.ID || d.ThreadID != parent.ID {
		t.Errorf("delivery: status %s message %s thread %s, want delivered with the alert's id", d.Status, d.MessageID, d.ThreadID)
	}
	everyBodyMutesMentions(t, si)
}

// everyBodyMutesMentions checks each request that carries a message: its
// allowed_mentions must be an empty parse list.
func everyBodyMutesMentions(t *testing.T, si *standIn) {
	t.Helper()
	checked := 0
	for _, r := range si.Requests("", "") {
		var m map[string]any
		if json.Unmarshal(r.Body, &m) != nil {
			continue
		}
		msg := m
		if inner, ok := m["message"].(map[string]any); ok { // forum post
			msg = inner
		}
		if inner, ok := m["data"].(map[string]any); ok { // interaction response
			msg = inner
		}
		_, hasContent := msg["content"]
		_, hasEmbeds := msg["embeds"]
		if !hasContent && !hasEmbeds {
			continue
		}
		checked++
		am, ok := msg["allowed_mentions"].(map[string]any)
		if !ok {
			t.Errorf("%s %s: no allowed_mentions: %s", r.Method, r.Path, r.Body)
			continue
		}
		if p, ok := am["parse"].([]any); !ok || len(p) != 0 {
			t.Errorf("%s %s: allowed_mentions.parse = %v, want []", r.Method, r.Path, am["parse"])
		}
	}
	if checked == 0 {
		t.Error("no message bodies were checked")
	}
}

// TestRateLimitHonoured: a 429 with a short retry_after is waited out and
// the message arrives once; a long one goes back to the outbox as a
// *bot.RateLimitError with Discord's wait.
func TestRateLimitHonoured(t *testing.T) {
	ctx := context.Background()
	si := newStandIn(t)
	si.addChannel("C1", typeText)
	a := newTestAdapter(t, si, Options{MaxRateLimitWait: time.Second})
	si.fail = func(r *http.Request, n int) (int, string, http.Header, bool) {
		if r.Method == "POST" && n == 2 { // the first send, after the channel lookup
			h := http.Header{"Retry-After": {"0.2"}, "X-Ratelimit-Bucket": {"b1"}}
			return 429, `{"message":"You are being rate limited.","retry_after":0.2,"global":false}`, h, true
		}
		return 0, "", nil, false
	}
	id, err := a.Post(ctx, bot.Target{Channel: "C1", IdempotencyKey: "k1"}, bot.Message{Kind: bot.KindReply, Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if got := si.Messages("C1"); len(got) != 1 || got[0].ID != id {
		t.Fatalf("want the message once, got %d", len(got))
	}
	sends := si.Requests("POST", "/channels/C1/messages")
	if len(sends) != 2 {
		t.Fatalf("want 2 attempts, got %d", len(sends))
	}
	if waited := sends[1].At.Sub(sends[0].At); waited < 190*time.Millisecond {
		t.Errorf("the retry came %s after the 429, before its retry_after of 200ms", waited)
	}

	si.fail = func(r *http.Request, n int) (int, string, http.Header, bool) {
		if r.Method == "POST" {
			return 429, `{"message":"You are being rate limited.","retry_after":30,"global":false}`, http.Header{"Retry-After": {"30"}}, true
		}
		return 0, "", nil, false
	}
	_, err = a.Post(ctx, bot.Target{Channel: "C1", IdempotencyKey: "k2"}, bot.Message{Kind: bot.KindReply, Text: "later"})
	after, ok := bot.RetryAfter(err)
	if !ok || after != 30*time.Second {
		t.Fatalf("want a RateLimitError of 30s, got %v (%v)", after, err)
	}
}

// TestRateLimitThroughNotifier: the outbox reschedules a long 429 and the
// message arrives once, on the later pass.
func TestRateLimitThroughNotifier(t *testing.T) {
	ctx := context.Background()
	si := newStandIn(t)
	si.addChannel("C1", typeText)
	a := newTestAdapter(t, si, Options{MaxRateLimitWait: 100 * time.Millisecond})
	f := newStoreFixture(t, storetest.MustOpen(t), "C1")
	limited := true
	si.fail = func(r *http.Request, n int) (int, string, http.Header, bool) {
		if limited && r.Method == "POST" {
			limited = false
			return 429, `{"message":"You are being rate limited.","retry_after":2.5,"global":false}`, nil, true
		}
		return 0, "", nil, false
	}
	now := time.Now()
	clock := func() time.Time { return now }
	n := bot.NewNotifier(f.db, []bot.Adapter{a}, bot.NotifierOptions{Now: clock})
	id := f.enqueue(t, bot.Envelope{Parent: bot.Message{Kind: bot.KindAlert, Title: "Coursera · Privacy Policy", Text: "Changed."}}, "rl:1")
	if done, err := n.SendDue(ctx); err != nil || done != 0 {
		t.Fatalf("first pass: %d, %v", done, err)
	}
	d, _ := f.db.Delivery(ctx, id)
	if d.Status != store.DeliveryPending || d.NextAttemptAt.Sub(now) < 2*time.Second {
		t.Fatalf("want the delivery retried after Discord's 2.5 s, got %s at %s", d.Status, d.NextAttemptAt.Sub(now))
	}
	now = now.Add(3 * time.Second)
	if done, err := n.SendDue(ctx); err != nil || done != 1 {
		t.Fatalf("second pass: %d, %v", done, err)
	}
	if got := si.Messages("C1"); len(got) != 1 {
		t.Fatalf("want the alert once, got %d", len(got))
	}
}

// TestRefusalsParkTheDelivery: Discord's 403s, a deleted channel and a
// locked thread are permanent; through the outbox they park the delivery
// with a reason that /list shows.
func TestRefusalsParkTheDelivery(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		reason string
	}{
		{"missing access", 403, `{"message":"Missing Access","code":50001}`, "Missing Access"},
		{"missing permissions", 403, `{"message":"Missing Permissions","code":50013}`, "Missing Permissions"},
		{"unknown channel", 404, `{"message":"Unknown Channel","code":10003}`, "Unknown Channel"},
		{"archived thread", 400, `{"message":"Thread is archived","code":50083}`, "archived"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			si := newStandIn(t)
			si.addChannel("C1", typeText)
			a := newTestAdapter(t, si, Options{})
			f := newStoreFixture(t, storetest.MustOpen(t), "C1")
			si.fail = func(r *http.Request, n int) (int, string, http.Header, bool) {
				if r.Method == "POST" {
					return tt.status, tt.body, nil, true
				}
				return 0, "", nil, false
			}
			id := f.enqueue(t, bot.Envelope{Parent: bot.Message{Kind: bot.KindAlert, Title: "Coursera · Privacy Policy", Text: "Changed."}}, "park:1")
			n := bot.NewNotifier(f.db, []bot.Adapter{a}, bot.NotifierOptions{})
			if _, err := n.SendDue(ctx); err != nil {
				t.Fatal(err)
			}
			d, _ := f.db.Delivery(ctx, id)
			if d.Status != store.DeliveryParked || !strings.Contains(d.LastError, tt.reason) {
				t.Errorf("delivery %s (%q), want parked for %q", d.Status, d.LastError, tt.reason)
			}
			ch, _ := f.db.Channel(ctx, f.channel.ID)
			if !strings.Contains(ch.ParkedReason, tt.reason) {
				t.Errorf("channel parked reason %q, want %q", ch.ParkedReason, tt.reason)
			}
			if len(si.Requests("POST", "")) != 1 {
				t.Errorf("a refusal must not be retried in place: %v", si.paths())
			}
		})
	}
}

// TestThreadAfterRestart: a new process knows nothing of earlier threads.
// Replying under a parent whose thread was never started starts it (the
// first try meets Unknown Channel); one whose thread exists is posted into
// directly; a deleted parent parks.
func TestThreadAfterRestart(t *testing.T) {
	ctx := context.Background()
	si := newStandIn(t)
	si.addChannel("C1", typeText)
	before := newTestAdapter(t, si, Options{})
	p1, err := before.Post(ctx, bot.Target{Channel: "C1", IdempotencyKey: "p1"}, bot.Message{Kind: bot.KindAlert, Title: "One"})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := before.Post(ctx, bot.Target{Channel: "C1", IdempotencyKey: "p2"}, bot.Message{Kind: bot.KindAlert, Title: "Two"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.Post(ctx, bot.Target{Channel: "C1", Thread: p2, IdempotencyKey: "p2r1"}, bot.Message{Kind: bot.KindThreadReply, Title: "r"}); err != nil {
		t.Fatal(err)
	}

	after := newTestAdapter(t, si, Options{}) // the restart
	if _, err := after.Post(ctx, bot.Target{Channel: "C1", Thread: p1, IdempotencyKey: "p1r1"}, bot.Message{Kind: bot.KindThreadReply, Title: "r"}); err != nil {
		t.Fatal(err)
	}
	if len(si.Messages(p1)) != 1 || len(si.Requests("POST", "/channels/C1/messages/"+p1+"/threads")) != 1 {
		t.Errorf("the thread of %s was not started once and posted into: %v", p1, si.paths())
	}
	n := len(si.Requests("", ""))
	if _, err := after.Post(ctx, bot.Target{Channel: "C1", Thread: p2, IdempotencyKey: "p2r2"}, bot.Message{Kind: bot.KindThreadReply, Title: "r"}); err != nil {
		t.Fatal(err)
	}
	if got := si.Requests("", "")[n:]; len(got) != 1 || got[0].Path != "/channels/"+p2+"/messages" {
		t.Errorf("an existing thread should take the reply in one request, got %v", got)
	}
	if len(si.Messages(p2)) != 2 {
		t.Errorf("want 2 replies in %s's thread, got %d", p2, len(si.Messages(p2)))
	}
	_, err = after.Post(ctx, bot.Target{Channel: "C1", Thread: "999999", IdempotencyKey: "gone"}, bot.Message{Kind: bot.KindThreadReply, Title: "r"})
	if reason, ok := bot.IsPermanent(err); !ok || !strings.Contains(reason, "Unknown Message") {
		t.Errorf("a deleted parent should be permanent, got %v", err)
	}
}

// TestForumChannel: a forum gets one post per change, whose replies go in it.
func TestForumChannel(t *testing.T) {
	ctx := context.Background()
	si := newStandIn(t)
	si.addChannel("F1", typeForum)
	a := newTestAdapter(t, si, Options{})
	f := newStoreFixture(t, storetest.MustOpen(t), "F1")
	env := courseraEnvelope(t, courseraSummary(t))
	id := f.enqueue(t, env, "forum:1")
	n := bot.NewNotifier(f.db, []bot.Adapter{a}, bot.NotifierOptions{})
	if done, err := n.SendDue(ctx); err != nil || done != 1 {
		t.Fatalf("SendDue = %d, %v (%v)", done, err, si.paths())
	}
	posts := si.Requests("POST", "/channels/F1/threads")
	if len(posts) != 1 {
		t.Fatalf("want one forum post, got %d", len(posts))
	}
	d, _ := f.db.Delivery(ctx, id)
	msgs := si.Messages(d.MessageID)
	if len(msgs) != 1+len(env.Replies) {
		t.Errorf("want the alert and %d replies in the post, got %d", len(env.Replies), len(msgs))
	}
	if len(si.Requests("POST", "/channels/F1/messages")) != 0 {
		t.Error("nothing should be posted to the forum itself")
	}
	everyBodyMutesMentions(t, si)
}

func TestNonce(t *testing.T) {
	a, b := nonce("change:42:channel:7:part:0"), nonce("change:42:channel:7:part:1")
	if len(a) != 25 || a == b || nonce("change:42:channel:7:part:0") != a || nonce("") != "" {
		t.Errorf("nonce: %q %q", a, b)
	}
}
