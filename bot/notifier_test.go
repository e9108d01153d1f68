package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

// clock is a test clock that moves only when told.
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

type post struct {
	to  bot.Target
	msg bot.Message
	id  string
}

// recorder is an adapter that keeps what it posted; fail decides, per call,
// whether a post fails (and whether it failed after posting).
type recorder struct {
	mu     sync.Mutex
	name   string
	posts  []post
	calls  int
	finds  int
	fail   func(call int, to bot.Target) (err error, postedAnyway bool)
	finder bool
}

func (r *recorder) Name() string {
	if r.name == "" {
		return store.TenantConsole
	}
	return r.name
}
func (r *recorder) Run(ctx context.Context, h bot.Handler) error { <-ctx.Done(); return nil }
func (r *recorder) Post(ctx context.Context, to bot.Target, msg bot.Message) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	id := fmt.Sprintf("m%d", r.calls)
	if r.fail != nil {
		if err, posted := r.fail(r.calls, to); err != nil {
			if posted {
				r.posts = append(r.posts, post{to, msg, id})
			}
			return "", err
		}
	}
	r.posts = append(r.posts, post{to, msg, id})
	return id, nil
}

func (r *recorder) Posts() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]post(nil), r.posts...)
}

// finderRecorder also implements bot.Finder over what it posted.
type finderRecorder struct{ *recorder }

func (f finderRecorder) FindPosted(ctx context.Context, to bot.Target) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finds++
	for _, p := range f.posts {
		if p.to.IdempotencyKey == to.IdempotencyKey {
			return p.id, true, nil
		}
	}
	return "", false, nil
}

// fixture is a store with one platform, its privacy policy, a tenant and a
// channel tracking it.
type fixture struct {
	db      *store.DB
	clock   *clock
	doc     *store.Document
	tenant  *store.Tenant
	channel *store.Channel
	alerts  *bot.Alerts
	version uint
}

func newFixture(t testing.TB, plan string) *fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.MustOpen(t)
	clk := &clock{t: time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC)}
	p := &store.Platform{Slug: "coursera", Name: "Coursera"}
	if err := db.UpsertPlatform(ctx, p, []store.Document{{Type: "Privacy Policy", Declaration: `{"fetch":"http://127.0.0.1/privacy"}`}}); err != nil {
		t.Fatal(err)
	}
	sp, err := db.PlatformBySlug(ctx, "coursera")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := db.Document(ctx, sp.Documents[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := db.EnsureTenant(ctx, store.TenantConsole, "local", "", plan)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := db.EnsureChannel(ctx, tn.ID, "console", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Subscribe(ctx, &store.Subscription{TenantID: tn.ID, ChannelID: ch.ID, PlatformID: sp.ID}); err != nil {
		t.Fatal(err)
	}
	v := &store.Version{DocumentID: doc.ID, SHA256: "a", Text: "v1", CapturedAt: clk.Now()}
	if err := db.CreateVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, clock: clk, doc: doc, tenant: tn, channel: ch, version: v.ID,
		alerts: &bot.Alerts{PublicURL: "http://127.0.0.1:8080", Plans: config.Default().Plans, Now: clk.Now}}
}

func summary(items int, sev analysis.Severity) *analysis.ChangeSummary {
	s := &analysis.ChangeSummary{Platform: "Coursera", Document: "Privacy Policy",
		Headline: "Coursera now transcribes voice input and shares data with affiliates.", Severity: sev}
	for i := 0; i < items; i++ {
		s.Items = append(s.Items, analysis.Item{Category: "data-sharing", CategoryName: "Data sharing",
			Direction: analysis.DirectionExpanded, Severity: sev,
			Before: "We share data with vendors.", After: fmt.Sprintf("We share data with vendors and affiliates (%d).", i),
			Regulations: []analysis.RegulationRef{{ID: "gdpr-art-13", Cite: "GDPR Art. 13", Title: "Information to be provided", URL: "https://eur-lex.europa.eu/eli/reg/2016/679/oj"}}})
	}
	return s
}

// recordChange records a change and runs the hook in one transaction, as the monitor does.
func (f *fixture) recordChange(t testing.TB, sum *analysis.ChangeSummary) *store.Change {
	t.Helper()
	ctx := context.Background()
	var c *store.Change
	err := f.db.Tx(ctx, func(tx *store.DB) error {
		v := &store.Version{DocumentID: f.doc.ID, SHA256: fmt.Sprint(f.clock.Now().UnixNano()), Text: "v", CapturedAt: f.clock.Now()}
		if err := tx.CreateVersion(ctx, v); err != nil {
			return err
		}
		from := f.version
		c = &store.Change{DocumentID: f.doc.ID, FromVersionID: &from, ToVersionID: v.ID, DetectedAt: f.clock.Now(),
			Kind: store.KindSubstantive, Severity: string(sum.Severity), Headline: sum.Headline}
		if err := tx.CreateChange(ctx, c); err != nil {
			return err
		}
		f.version = v.ID
		return f.alerts.OnChange(ctx, tx, f.doc, c, sum)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) notifier(a bot.Adapter, maxAttempts int) *bot.Notifier {
	return bot.NewNotifier(f.db, []bot.Adapter{a}, bot.NotifierOptions{
		Owner: "test", MaxAttempts: maxAttempts, BaseBackoff: 5 * time.Second, MaxBackoff: time.Minute,
		Lease: time.Minute, Now: f.clock.Now})
}

func TestOnChangeWritesOneDeliveryPerEligibleChannel(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	// Channels that must not hear of it: muted, another document type, a
	// higher minimum severity, a plan without same-day alerts.
	add := func(tenantID uint, ext string, sub store.Subscription, chFields map[string]any) {
		ch, err := f.db.EnsureChannel(ctx, tenantID, ext, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if chFields != nil {
			f.db.UpdateChannel(ctx, ch.ID, chFields)
		}
		sub.TenantID, sub.ChannelID, sub.PlatformID = tenantID, ch.ID, f.doc.PlatformID
		if _, err := f.db.Subscribe(ctx, &sub); err != nil {
			t.Fatal(err)
		}
		if sub.Muted {
			f.db.SetMuted(ctx, ch.ID, f.doc.PlatformID, true)
		}
	}
	add(f.tenant.ID, "muted", store.Subscription{Muted: true}, nil)
	add(f.tenant.ID, "terms-only", store.Subscription{DocumentTypes: "Terms of Service"}, nil)
	add(f.tenant.ID, "critical-only", store.Subscription{}, map[string]any{"min_severity": "critical"})
	free, _ := f.db.EnsureTenant(ctx, store.TenantSlack, "TFREE", "", "free")
	add(free.ID, "C1", store.Subscription{}, nil)
	other, _ := f.db.EnsureTenant(ctx, store.TenantSlack, "TMON", "", "monitor")
	add(other.ID, "C1", store.Subscription{}, map[string]any{"broadcast_severity": "important"})

	c := f.recordChange(t, summary(2, analysis.SeverityImportant))
	ds, _ := f.db.Deliveries(ctx, "")
	keys := map[string]bool{}
	for _, d := range ds {
		keys[d.IdempotencyKey] = true
		if !strings.Contains(d.Payload, "Before") && !strings.Contains(d.Payload, "before") {
			t.Errorf("payload lacks the thread replies: %s", d.Payload)
		}
	}
	if len(ds) != 2 || !keys[bot.ChangeKey(c.ID, f.channel.ID)] {
		t.Fatalf("deliveries = %v, want the console channel and the monitor-plan channel", keys)
	}
	// Running the hook again for the same change writes nothing new.
	f.db.Tx(ctx, func(tx *store.DB) error {
		return f.alerts.OnChange(ctx, tx, f.doc, c, summary(2, analysis.SeverityImportant))
	})
	if again, _ := f.db.Deliveries(ctx, ""); len(again) != 2 {
		t.Fatalf("hook twice wrote %d deliveries", len(again))
	}
	// Cosmetic changes never alert.
	cos := *c
	cos.ID, cos.Kind = c.ID+100, store.KindCosmetic
	f.db.Tx(ctx, func(tx *store.DB) error { return f.alerts.OnChange(ctx, tx, f.doc, &cos, nil) })
	if again, _ := f.db.Deliveries(ctx, ""); len(again) != 2 {
		t.Fatalf("a cosmetic change wrote deliveries")
	}
}

func TestNotifierPostsAlertWithThreadAndJoinsWithinADay(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	rec := &recorder{}
	n := f.notifier(rec, 8)

	c1 := f.recordChange(t, summary(2, analysis.SeverityImportant))
	if done, err := n.SendDue(ctx); err != nil || done != 1 {
		t.Fatalf("send = %d, %v", done, err)
	}
	ps := rec.Posts()
	if len(ps) != 3 {
		t.Fatalf("posted %d messages, want parent + 2 replies", len(ps))
	}
	parent := ps[0]
	if parent.to.Thread != "" || parent.msg.Kind != bot.KindAlert || parent.to.IdempotencyKey != bot.ChangeKey(c1.ID, f.channel.ID)+":part:0" {
		t.Fatalf("parent = %+v", parent)
	}
	for i, p := range ps[1:] {
		if p.to.Thread != parent.id || p.msg.Kind != bot.KindThreadReply {
			t.Fatalf("reply %d = %+v, want in thread %s", i, p, parent.id)
		}
	}
	text := bot.RenderText(parent.msg)
	for _, want := range []string{"[IMPORTANT] Coursera · Privacy Policy", "/changes/", "View change record", "/diff ", "/mute coursera"} {
		if !strings.Contains(text, want) {
			t.Errorf("parent text lacks %q:\n%s", want, text)
		}
	}
	reply := bot.RenderText(ps[1].msg)
	for _, want := range []string{"> Before: We share data with vendors.", "> After:", "Regulations: GDPR Art. 13"} {
		if !strings.Contains(reply, want) {
			t.Errorf("reply lacks %q:\n%s", want, reply)
		}
	}

	// A second change 3 hours later joins the same thread.
	f.clock.Add(3 * time.Hour)
	f.recordChange(t, summary(1, analysis.SeverityNotice))
	n.SendDue(ctx)
	ps = rec.Posts()
	if len(ps) != 5 || ps[3].to.Thread != parent.id || ps[4].to.Thread != parent.id {
		t.Fatalf("second change posts = %+v, want both in thread %s", ps[3:], parent.id)
	}
	// A third, 25 hours after the thread's last post, starts a new one.
	f.clock.Add(25 * time.Hour)
	f.recordChange(t, summary(1, analysis.SeverityNotice))
	n.SendDue(ctx)
	ps = rec.Posts()
	if len(ps) != 7 || ps[5].to.Thread != "" || ps[6].to.Thread != ps[5].id {
		t.Fatalf("third change posts = %+v, want a new thread", ps[5:])
	}
}

func TestThreadsOffPostsItemsTopLevel(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	f.db.UpdateChannel(ctx, f.channel.ID, map[string]any{"threads": false})
	rec := &recorder{}
	f.recordChange(t, summary(2, analysis.SeverityImportant))
	f.notifier(rec, 8).SendDue(ctx)
	for _, p := range rec.Posts() {
		if p.to.Thread != "" {
			t.Fatalf("post in a thread with threads off: %+v", p)
		}
	}
	if len(rec.Posts()) != 3 {
		t.Fatalf("posted %d, want 3", len(rec.Posts()))
	}
}

func TestFailingFiveTimesThenRecoveringPostsOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	failures := 0
	rec := &recorder{fail: func(call int, to bot.Target) (error, bool) {
		if failures < 5 {
			failures++
			return errors.New("connection reset"), false
		}
		return nil, false
	}}
	n := f.notifier(rec, 8)
	f.recordChange(t, summary(1, analysis.SeverityImportant))
	var waits []time.Duration
	for i := 0; i < 6; i++ {
		n.SendDue(ctx)
		ds, _ := f.db.Deliveries(ctx, "")
		d := ds[0]
		if d.Status == store.DeliveryDelivered {
			break
		}
		wait := d.NextAttemptAt.Sub(f.clock.Now())
		waits = append(waits, wait)
		// Nothing is sent before its time.
		f.clock.Add(wait - time.Second)
		if done, _ := n.SendDue(ctx); done != 0 {
			t.Fatal("sent before the backoff ran out")
		}
		f.clock.Add(time.Second)
	}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("backoff = %v, want %v", waits, want)
	}
	ds, _ := f.db.Deliveries(ctx, "")
	if ds[0].Status != store.DeliveryDelivered || ds[0].Attempts != 6 {
		t.Fatalf("delivery = %+v", ds[0])
	}
	if got := len(rec.Posts()); got != 2 {
		t.Fatalf("posted %d messages, want one alert (parent + 1 reply)", got)
	}
}

func TestParkedAfterMaxAttemptsAndVisible(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	rec := &recorder{fail: func(int, bot.Target) (error, bool) { return errors.New("500 from chat"), false }}
	n := f.notifier(rec, 3)
	f.recordChange(t, summary(1, analysis.SeverityImportant))
	for i := 0; i < 5; i++ {
		n.SendDue(ctx)
		f.clock.Add(time.Hour)
	}
	ds, _ := f.db.Deliveries(ctx, "")
	if ds[0].Status != store.DeliveryParked || ds[0].Attempts != 3 || !strings.Contains(ds[0].LastError, "gave up after 3 attempts") {
		t.Fatalf("delivery = %+v", ds[0])
	}
}

func TestRateLimitHintHonouredAndNotCounted(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	limited := true
	rec := &recorder{fail: func(int, bot.Target) (error, bool) {
		if limited {
			return &bot.RateLimitError{RetryAfter: 42 * time.Second, Err: errors.New("429")}, false
		}
		return nil, false
	}}
	n := f.notifier(rec, 1)
	f.recordChange(t, summary(1, analysis.SeverityImportant))
	for i := 0; i < 3; i++ { // more rate limits than MaxAttempts: still not parked
		n.SendDue(ctx)
		ds, _ := f.db.Deliveries(ctx, "")
		if ds[0].Status != store.DeliveryPending || !ds[0].NextAttemptAt.Equal(f.clock.Now().Add(42*time.Second)) || ds[0].Attempts != 0 {
			t.Fatalf("after 429: %+v", ds[0])
		}
		f.clock.Add(42 * time.Second)
	}
	limited = false
	n.SendDue(ctx)
	ds, _ := f.db.Deliveries(ctx, "")
	if ds[0].Status != store.DeliveryDelivered {
		t.Fatalf("delivery = %+v", ds[0])
	}
}

func TestPermanentErrorParksAndMarksChannel(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	rec := &recorder{fail: func(int, bot.Target) (error, bool) {
		return &bot.PermanentError{Reason: "channel_not_found", Err: errors.New("slack said so")}, false
	}}
	f.recordChange(t, summary(1, analysis.SeverityImportant))
	f.notifier(rec, 8).SendDue(ctx)
	ds, _ := f.db.Deliveries(ctx, "")
	ch, _ := f.db.Channel(ctx, f.channel.ID)
	if ds[0].Status != store.DeliveryParked || ds[0].Attempts != 1 || ch.ParkedReason != "channel_not_found" {
		t.Fatalf("delivery = %+v, channel parked = %q", ds[0], ch.ParkedReason)
	}
}

func TestResumesAfterPartsSentWithoutReposting(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	rec := &recorder{fail: func(call int, to bot.Target) (error, bool) {
		if call == 3 { // parent and first reply out, the second reply fails
			return errors.New("timeout"), false
		}
		return nil, false
	}}
	n := f.notifier(rec, 8)
	f.recordChange(t, summary(3, analysis.SeverityImportant))
	n.SendDue(ctx)
	ds, _ := f.db.Deliveries(ctx, "")
	if ds[0].PartsSent != 2 || ds[0].Status != store.DeliveryPending {
		t.Fatalf("after partial send: %+v", ds[0])
	}
	f.clock.Add(time.Minute)
	n.SendDue(ctx)
	ps := rec.Posts()
	if len(ps) != 4 {
		t.Fatalf("posted %d, want 4 (parent once, three replies)", len(ps))
	}
	for i, p := range ps {
		if want := fmt.Sprintf(":part:%d", i); !strings.HasSuffix(p.to.IdempotencyKey, want) {
			t.Errorf("post %d key %s, want suffix %s", i, p.to.IdempotencyKey, want)
		}
		if i > 0 && p.to.Thread != ps[0].id {
			t.Errorf("post %d not in the parent's thread", i)
		}
	}
}

func TestFinderConsultedBeforeRepostingAnUnrecordedPart(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	base := &recorder{}
	base.fail = func(call int, to bot.Target) (error, bool) {
		if call == 1 { // the post went out but the answer was lost
			return errors.New("read timeout"), true
		}
		return nil, false
	}
	a := finderRecorder{base}
	n := f.notifier(a, 8)
	f.recordChange(t, summary(1, analysis.SeverityImportant))
	n.SendDue(ctx)
	f.clock.Add(time.Minute)
	n.SendDue(ctx)
	ps := base.Posts()
	if len(ps) != 2 || base.finds == 0 {
		t.Fatalf("posts = %d (want parent once + reply), finds = %d", len(ps), base.finds)
	}
	if ps[1].to.Thread != ps[0].id {
		t.Fatalf("reply went to %q, want the found parent %q", ps[1].to.Thread, ps[0].id)
	}
}

func TestTwoNotifiersNeverDoubleSend(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	for i := 0; i < 5; i++ {
		f.recordChange(t, summary(1, analysis.SeverityImportant))
		f.clock.Add(25 * time.Hour)
	}
	rec := &recorder{}
	mk := func(owner string) *bot.Notifier {
		return bot.NewNotifier(f.db, []bot.Adapter{rec}, bot.NotifierOptions{Owner: owner, Lease: time.Minute, Now: f.clock.Now, Batch: 1})
	}
	a, b := mk("a"), mk("b")
	var wg sync.WaitGroup
	for _, n := range []*bot.Notifier{a, b} {
		wg.Add(1)
		go func(n *bot.Notifier) { defer wg.Done(); n.SendDue(ctx) }(n)
	}
	wg.Wait()
	if got := len(rec.Posts()); got != 10 {
		t.Fatalf("posted %d messages for 5 alerts of 2 parts, want 10", got)
	}
}

func TestHealthNoticesBreakOnceAndRecoverInThread(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	rec := &recorder{}
	n := f.notifier(rec, 8)
	f.db.Tx(ctx, func(tx *store.DB) error { return f.alerts.OnHealth(ctx, tx, f.doc, true, "login wall") })
	n.SendDue(ctx)
	f.clock.Add(72 * time.Hour)
	f.db.Tx(ctx, func(tx *store.DB) error { return f.alerts.OnHealth(ctx, tx, f.doc, false, "") })
	n.SendDue(ctx)
	ps := rec.Posts()
	if len(ps) != 2 || ps[0].to.Thread != "" || ps[1].to.Thread != ps[0].id || ps[0].msg.Kind != bot.KindNotice {
		t.Fatalf("notices = %+v", ps)
	}
	if !strings.Contains(ps[0].msg.Text, "login wall") || !strings.Contains(ps[1].msg.Title, "recovered") {
		t.Fatalf("notice texts: %q / %q", ps[0].msg.Text, ps[1].msg.Title)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{{0, 5 * time.Second}, {1, 5 * time.Second}, {2, 10 * time.Second}, {4, 40 * time.Second}, {10, 2 * time.Minute}, {100, 2 * time.Minute}}
	for _, tt := range tests {
		if got := bot.Backoff(tt.attempt, 5*time.Second, 2*time.Minute); got != tt.want {
			t.Errorf("Backoff(%d) = %s, want %s", tt.attempt, got, tt.want)
		}
	}
}

// A pass claims a batch, then posts one delivery after another; when the
// posts are slow, the last deliveries' leases run out before their turn and
// another replica may take them. The first replica must notice before
// posting, not after: a post cannot be taken back.
func TestLeaseLostWhileWaitingInTheBatchIsNotPostedTwice(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	for i := 0; i < 2; i++ {
		f.recordChange(t, summary(1, analysis.SeverityImportant))
		f.clock.Add(25 * time.Hour) // separate threads
	}
	var b *bot.Notifier
	recB := &recorder{}
	// Each post of replica A takes 40 s (the lease is a minute); while A
	// posts the second part of the first delivery, B runs a pass.
	recA := &recorder{fail: func(call int, to bot.Target) (error, bool) {
		f.clock.Add(40 * time.Second)
		if call == 2 {
			b.SendDue(ctx)
		}
		return nil, false
	}}
	mk := func(owner string, a bot.Adapter) *bot.Notifier {
		return bot.NewNotifier(f.db, []bot.Adapter{a}, bot.NotifierOptions{Owner: owner, Lease: time.Minute, Now: f.clock.Now, Batch: 2})
	}
	a := mk("a", recA)
	b = mk("b", recB)
	a.SendDue(ctx)
	count := map[string]int{}
	for _, p := range append(recA.Posts(), recB.Posts()...) {
		count[p.to.IdempotencyKey]++
	}
	for key, n := range count {
		if n != 1 {
			t.Errorf("%s posted %d times", key, n)
		}
	}
	if len(count) != 4 {
		t.Errorf("posted %d distinct parts, want 4 (2 alerts of 2 parts): %v", len(count), count)
	}
	ds, _ := f.db.Deliveries(ctx, "")
	for _, d := range ds {
		if d.Status != store.DeliveryDelivered {
			t.Errorf("delivery %d is %s", d.ID, d.Status)
		}
	}
}

// A change joins its document's thread from earlier in the day; when the
// chat refuses that thread (someone deleted the first alert, or locked its
// thread) the change is still news: it starts a thread of its own instead
// of being parked. The same holds for a monitor's recovery notice.
func TestRefusedOldThreadStartsANewOne(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "unlimited")
	var gone string
	rec := &recorder{fail: func(call int, to bot.Target) (error, bool) {
		if gone != "" && to.Thread == gone {
			return &bot.PermanentError{Reason: "Discord says Unknown Message: the alert was deleted", Err: errors.New("404")}, false
		}
		return nil, false
	}}
	n := f.notifier(rec, 8)
	f.recordChange(t, summary(1, analysis.SeverityImportant))
	n.SendDue(ctx)
	gone = rec.Posts()[0].id // the first alert is deleted

	f.clock.Add(3 * time.Hour)
	f.recordChange(t, summary(1, analysis.SeverityImportant))
	n.SendDue(ctx)
	ps := rec.Posts()
	if len(ps) != 4 || ps[2].to.Thread != "" || ps[3].to.Thread != ps[2].id {
		t.Fatalf("second change posts = %+v, want a new parent and its reply in its thread", ps[2:])
	}
	ds, _ := f.db.Deliveries(ctx, "")
	ch, _ := f.db.Channel(ctx, f.channel.ID)
	if ds[1].Status != store.DeliveryDelivered || ch.ParkedReason != "" {
		t.Fatalf("delivery %s (%q), channel parked %q; want delivered", ds[1].Status, ds[1].LastError, ch.ParkedReason)
	}
	// The next change joins the new thread.
	f.clock.Add(time.Hour)
	f.recordChange(t, summary(1, analysis.SeverityImportant))
	n.SendDue(ctx)
	if ps := rec.Posts(); len(ps) != 6 || ps[4].to.Thread != ps[2].id {
		t.Fatalf("third change posts = %+v, want it in the new thread %s", ps[4:], ps[2].id)
	}

	// A monitor breaks, its notice thread is deleted, and it recovers.
	f.db.Tx(ctx, func(tx *store.DB) error { return f.alerts.OnHealth(ctx, tx, f.doc, true, "login wall") })
	n.SendDue(ctx)
	gone = rec.Posts()[6].id
	f.clock.Add(72 * time.Hour)
	f.db.Tx(ctx, func(tx *store.DB) error { return f.alerts.OnHealth(ctx, tx, f.doc, false, "") })
	n.SendDue(ctx)
	ps = rec.Posts()
	if len(ps) != 8 || ps[7].to.Thread != "" || !strings.Contains(ps[7].msg.Title, "recovered") {
		t.Fatalf("recovery = %+v, want it posted in the channel", ps[7:])
	}
}
