package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// outbox is a real store with a Slack tenant and channel, and the bot's real
// Notifier posting through the adapter to the fake Slack.
type outbox struct {
	db       *store.DB
	clock    *clock
	channel  *store.Channel
	notifier *bot.Notifier
	adapter  *Adapter
	fake     *fakeSlack
}

func newOutbox(t *testing.T) *outbox {
	t.Helper()
	ctx := context.Background()
	fake := newFakeSlack(t, nil)
	a, err := New(Options{BotToken: "xoxb-test", SigningSecret: "s", APIURL: fake.URL(), Pace: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.MustOpen(t)
	tenant, err := db.EnsureTenant(ctx, store.TenantSlack, "T1", "acme", "unlimited")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := db.EnsureChannel(ctx, tenant.ID, "C1", "policy-watch", nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC)}
	n := bot.NewNotifier(db, []bot.Adapter{a}, bot.NotifierOptions{Now: clk.Now, BaseBackoff: 10 * time.Second, MaxBackoff: time.Minute})
	return &outbox{db: db, clock: clk, channel: ch, notifier: n, adapter: a, fake: fake}
}

func (o *outbox) enqueue(t *testing.T, key string, env bot.Envelope) *store.Delivery {
	t.Helper()
	payload, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	d := &store.Delivery{TenantID: o.channel.TenantID, ChannelID: o.channel.ID, Kind: store.DeliveryAlert,
		Payload: string(payload), IdempotencyKey: key, NextAttemptAt: o.clock.Now()}
	if _, err := o.db.EnqueueDelivery(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (o *outbox) send(t *testing.T) int {
	t.Helper()
	n, err := o.notifier.SendDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (o *outbox) delivery(t *testing.T, id uint) *store.Delivery {
	t.Helper()
	d, err := o.db.Delivery(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func metadataKey(t *testing.T, v url.Values) string {
	t.Helper()
	var md slack.SlackMetadata
	if err := json.Unmarshal([]byte(v.Get("metadata")), &md); err != nil {
		t.Fatalf("metadata %q: %v", v.Get("metadata"), err)
	}
	if md.EventType != MetadataEventType {
		t.Errorf("metadata event_type = %q", md.EventType)
	}
	k, _ := md.EventPayload["key"].(string)
	return k
}

func TestNotifierPostsAlertInThread(t *testing.T) {
	o := newOutbox(t)
	env := courseraEnvelope(courseraSummary(t))
	env.Replies[0].Broadcast = true // a channel whose broadcast setting covers this severity
	d := o.enqueue(t, "change:42:channel:1", env)
	if n := o.send(t); n != 1 {
		t.Fatalf("SendDue completed %d deliveries, want 1", n)
	}
	posts := o.fake.Posts()
	if len(posts) != env.Parts() {
		t.Fatalf("%d posts, want the parent and %d replies", len(posts), len(env.Replies))
	}
	parent := posts[0]
	if parent.Get("channel") != "C1" || parent.Get("thread_ts") != "" {
		t.Errorf("parent went to %q in thread %q", parent.Get("channel"), parent.Get("thread_ts"))
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(parent.Get("blocks")), &blocks); err != nil || len(blocks) < 3 {
		t.Fatalf("parent blocks %q: %v", parent.Get("blocks"), err)
	}
	if blocks[0]["type"] != "header" || blocks[len(blocks)-1]["type"] != "actions" {
		t.Errorf("parent should open with a header and end with buttons: %v … %v", blocks[0]["type"], blocks[len(blocks)-1]["type"])
	}
	if parent.Get("parse") != "none" || !strings.Contains(parent.Get("text"), "Coursera") {
		t.Errorf("parent parse=%q text=%q", parent.Get("parse"), parent.Get("text"))
	}
	for i, p := range posts {
		if got, want := metadataKey(t, p), "change:42:channel:1:part:"+string(rune('0'+i)); got != want {
			t.Errorf("post %d metadata key = %q, want %q", i, got, want)
		}
		if i == 0 {
			continue
		}
		if p.Get("thread_ts") != parent.Get("ts") {
			t.Errorf("reply %d thread_ts = %q, want the parent's ts %q", i, p.Get("thread_ts"), parent.Get("ts"))
		}
		if (p.Get("reply_broadcast") == "true") != (i == 1) {
			t.Errorf("reply %d reply_broadcast = %q", i, p.Get("reply_broadcast"))
		}
	}
	got := o.delivery(t, d.ID)
	if got.Status != store.DeliveryDelivered || got.MessageID != parent.Get("ts") || got.PartsSent != env.Parts() {
		t.Errorf("delivery = %s, message %q, parts %d", got.Status, got.MessageID, got.PartsSent)
	}
}

func TestNotifierRetriesAfterRetryAfter(t *testing.T) {
	o := newOutbox(t)
	o.fake.fail = func(call int, _ url.Values) (int, http.Header, string, bool) {
		if call == 1 {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"7"}}, "", false
		}
		return 0, nil, "", false
	}
	env := bot.Envelope{Parent: bot.Message{Kind: bot.KindNotice, Title: "Coursera · Privacy Policy: monitor broken", Text: "We can no longer read it."}}
	d := o.enqueue(t, "health:1", env)
	start := o.clock.Now()

	o.send(t)
	got := o.delivery(t, d.ID)
	if got.Status != store.DeliveryPending || !got.NextAttemptAt.Equal(start.Add(7*time.Second)) {
		t.Fatalf("after a 429 the delivery is %s, next attempt %s; want pending at +7s", got.Status, got.NextAttemptAt)
	}
	if !strings.Contains(got.LastError, "rate limit") {
		t.Errorf("last error = %q", got.LastError)
	}
	o.clock.Add(6 * time.Second)
	o.send(t)
	if len(o.fake.Posts()) != 0 {
		t.Fatal("posted before Slack's Retry-After had passed")
	}
	o.clock.Add(time.Second)
	if n := o.send(t); n != 1 {
		t.Fatalf("after the hint SendDue completed %d, want 1", n)
	}
	o.clock.Add(time.Hour)
	o.send(t)
	posts := o.fake.Posts()
	if len(posts) != 1 || metadataKey(t, posts[0]) != "health:1:part:0" {
		t.Fatalf("want the message exactly once, got %d posts", len(posts))
	}
	if got := o.delivery(t, d.ID); got.Status != store.DeliveryDelivered {
		t.Errorf("delivery = %s", got.Status)
	}
}

func TestNotifierParksOnChannelNotFound(t *testing.T) {
	o := newOutbox(t)
	o.fake.fail = func(int, url.Values) (int, http.Header, string, bool) {
		return http.StatusOK, nil, `{"ok":false,"error":"channel_not_found"}`, false
	}
	d := o.enqueue(t, "change:1:channel:1", bot.Envelope{Parent: bot.Message{Kind: bot.KindAlert, Title: "X", Text: "y"}})
	o.send(t)
	got := o.delivery(t, d.ID)
	if got.Status != store.DeliveryParked || !strings.Contains(got.LastError, "channel_not_found") {
		t.Fatalf("delivery = %s (%q), want parked for channel_not_found", got.Status, got.LastError)
	}
	ch, err := o.db.Channel(context.Background(), o.channel.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ch.ParkedReason, "no longer exists") {
		t.Errorf("channel parked reason = %q", ch.ParkedReason)
	}
	o.clock.Add(24 * time.Hour)
	o.send(t)
	if calls := o.fake.calls; calls != 1 {
		t.Errorf("a parked delivery was tried again (%d calls)", calls)
	}
}

// A post that reached Slack but whose answer was lost is found by its
// metadata on the retry, not posted twice.
func TestNotifierFindsLostPost(t *testing.T) {
	o := newOutbox(t)
	o.fake.fail = func(call int, _ url.Values) (int, http.Header, string, bool) {
		if call == 1 {
			return http.StatusBadGateway, nil, "bad gateway", true
		}
		return 0, nil, "", false
	}
	env := courseraEnvelope(courseraSummary(t))
	env.Replies = env.Replies[:2]
	d := o.enqueue(t, "change:42:channel:1", env)
	o.send(t)
	if got := o.delivery(t, d.ID); got.Status != store.DeliveryPending || got.PartsSent != 0 {
		t.Fatalf("after a lost answer: %s with %d parts sent", got.Status, got.PartsSent)
	}
	o.clock.Add(time.Minute)
	if n := o.send(t); n != 1 {
		t.Fatalf("retry completed %d deliveries", n)
	}
	posts := o.fake.Posts()
	if len(posts) != 3 {
		t.Fatalf("%d posts, want the parent once and two replies", len(posts))
	}
	for _, p := range posts[1:] {
		if p.Get("thread_ts") != posts[0].Get("ts") {
			t.Errorf("reply in thread %q, want the found parent %q", p.Get("thread_ts"), posts[0].Get("ts"))
		}
	}
}

func TestFindPostedInThread(t *testing.T) {
	fake := newFakeSlack(t, nil)
	a, err := New(Options{BotToken: "xoxb-test", SigningSecret: "s", APIURL: fake.URL(), Pace: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	parent, err := a.Post(ctx, bot.Target{Channel: "C1", IdempotencyKey: "k:part:0"}, bot.Message{Kind: bot.KindAlert, Text: "p"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := a.Post(ctx, bot.Target{Channel: "C1", Thread: parent, IdempotencyKey: "k:part:1"}, bot.Message{Kind: bot.KindThreadReply, Text: "r"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		to     bot.Target
		id     string
		wantOK bool
	}{
		{bot.Target{Channel: "C1", IdempotencyKey: "k:part:0"}, parent, true},
		{bot.Target{Channel: "C1", Thread: parent, IdempotencyKey: "k:part:1"}, reply, true},
		{bot.Target{Channel: "C1", Thread: parent, IdempotencyKey: "k:part:2"}, "", false},
		{bot.Target{Channel: "C2", IdempotencyKey: "k:part:0"}, "", false},
	} {
		id, ok, err := a.FindPosted(ctx, tt.to)
		if err != nil || ok != tt.wantOK || id != tt.id {
			t.Errorf("FindPosted(%+v) = %q, %v, %v; want %q, %v", tt.to, id, ok, err, tt.id, tt.wantOK)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err       error
		retry     time.Duration
		permanent string
	}{
		{&slack.RateLimitedError{RetryAfter: 12 * time.Second}, 12 * time.Second, ""},
		{slack.StatusCodeError{Code: 429, Status: "429 Too Many Requests"}, 30 * time.Second, ""},
		{slack.SlackErrorResponse{Err: "ratelimited"}, 30 * time.Second, ""},
		{slack.SlackErrorResponse{Err: "not_in_channel"}, 0, "invite it"},
		{slack.SlackErrorResponse{Err: "is_archived"}, 0, "archived"},
		{slack.SlackErrorResponse{Err: "token_revoked"}, 0, "reinstall"},
		{slack.SlackErrorResponse{Err: "account_inactive"}, 0, "inactive"},
		{slack.SlackErrorResponse{Err: "internal_error"}, 0, ""},
		{slack.StatusCodeError{Code: 500, Status: "500"}, 0, ""},
		{errors.New("connection reset"), 0, ""},
	}
	for _, tt := range tests {
		err := classify("slack: post to C1", tt.err)
		after, limited := bot.RetryAfter(err)
		reason, permanent := bot.IsPermanent(err)
		if limited != (tt.retry > 0) || after != tt.retry {
			t.Errorf("classify(%v): retry after %s (%v), want %s", tt.err, after, limited, tt.retry)
		}
		if permanent != (tt.permanent != "") || !strings.Contains(reason, tt.permanent) {
			t.Errorf("classify(%v): permanent %v %q, want %q", tt.err, permanent, reason, tt.permanent)
		}
		if !errors.Is(err, tt.err) && !strings.Contains(err.Error(), tt.err.Error()) {
			t.Errorf("classify(%v) lost the cause: %v", tt.err, err)
		}
	}
}

func TestPacer(t *testing.T) {
	p := newPacer(150 * time.Millisecond)
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < 3; i++ {
		if err := p.Wait(ctx, "C1"); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("three posts to one channel took %s; want at least two gaps of 150ms", el)
	}
	start = time.Now()
	if err := p.Wait(ctx, "C2"); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 50*time.Millisecond {
		t.Errorf("another channel waited %s", el)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_ = p.Wait(ctx, "C3")
	if err := p.Wait(cctx, "C3"); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait returned %v", err)
	}
}

func TestSeenSet(t *testing.T) {
	s := newSeenSet(time.Minute, 3)
	now := time.Unix(0, 0)
	if s.Seen("a", now) || !s.Seen("a", now.Add(30*time.Second)) {
		t.Fatal("a key is seen on its second sight only")
	}
	if s.Seen("a", now.Add(61*time.Second)) {
		t.Error("a key is forgotten after its time")
	}
	for _, k := range []string{"b", "c", "d", "e"} {
		s.Seen(k, now.Add(62*time.Second))
	}
	if len(s.at) > 3 {
		t.Errorf("the set holds %d keys, over its bound of 3", len(s.at))
	}
}
