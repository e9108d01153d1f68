package commands_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/commands"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/monitor"
	"github.com/policybot/policybot/store"
	"github.com/policybot/policybot/store/storetest"
)

// capturer stands in for the monitor in these unit tests: a check records a
// version as a capture would. The real monitor is driven end to end in
// cmd/policybot.
type capturer struct {
	db       *store.DB
	validate func(string) error
	fail     bool
	checked  []uint
}

func (c *capturer) Check(ctx context.Context, docID uint) (monitor.Result, error) {
	c.checked = append(c.checked, docID)
	if c.fail {
		return monitor.Result{Outcome: store.OutcomeFailed, Error: "the page answered 503"}, nil
	}
	v := &store.Version{DocumentID: docID, SHA256: fmt.Sprint(docID), Text: "text",
		CapturedAt: time.Date(2026, 5, 7, 0, 35, 46, 0, time.UTC)}
	if err := c.db.CreateVersion(ctx, v); err != nil {
		return monitor.Result{}, err
	}
	return monitor.Result{Outcome: store.OutcomeFirst}, nil
}

func (c *capturer) CheckPlatform(ctx context.Context, platformID uint) ([]monitor.Result, error) {
	docs, err := c.db.DocumentsOf(ctx, platformID)
	if err != nil {
		return nil, err
	}
	var out []monitor.Result
	for _, d := range docs {
		out = append(out, monitor.Result{Document: d.Type, Outcome: store.OutcomeUnchanged})
	}
	return out, nil
}

func (c *capturer) ValidateURL(ctx context.Context, raw string) error {
	if c.validate != nil {
		return c.validate(raw)
	}
	return nil
}

type harness struct {
	t   *testing.T
	db  *store.DB
	r   *commands.Router
	mon *capturer
	cfg config.Config
}

func newHarness(t *testing.T, plan string) *harness {
	t.Helper()
	db := storetest.MustOpen(t)
	cfg := config.Default()
	cfg.DefaultPlan = plan
	mon := &capturer{db: db}
	now := func() time.Time { return time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC) }
	return &harness{t: t, db: db, mon: mon, cfg: cfg, r: commands.New(db, cfg, mon, commands.Options{Now: now})}
}

func req(tenant, channel string, admin bool, text string) bot.Request {
	return bot.Request{TenantKind: store.TenantSlack, TenantID: tenant, ChannelID: channel, UserID: "U1", IsAdmin: admin, Text: text}
}

// do runs a command as an admin of tenant T1 in channel C1.
func (h *harness) do(text string) bot.Message {
	h.t.Helper()
	return h.as(req("T1", "C1", true, text))
}

func (h *harness) as(r bot.Request) bot.Message {
	h.t.Helper()
	msgs := h.r.Handle(context.Background(), r)
	if len(msgs) != 1 {
		h.t.Fatalf("%q: %d messages, want 1", r.Text, len(msgs))
	}
	return msgs[0]
}

func text(m bot.Message) string { return bot.RenderText(m) }

func expect(t *testing.T, m bot.Message, kind bot.Kind, parts ...string) {
	t.Helper()
	got := text(m)
	if m.Kind != kind {
		t.Errorf("kind = %s, want %s; text:\n%s", m.Kind, kind, got)
	}
	for _, p := range parts {
		if !strings.Contains(got, p) {
			t.Errorf("answer lacks %q:\n%s", p, got)
		}
	}
}

func TestTrackListUntrack(t *testing.T) {
	h := newHarness(t, "unlimited")
	m := h.do("/track coursera")
	expect(t, m, bot.KindReply, "Now tracking Coursera (Privacy Policy, Terms of Service)", "Privacy Policy: current version captured 7 May 2026")
	if len(h.mon.checked) != 2 {
		t.Fatalf("first capture checked %d documents, want 2", len(h.mon.checked))
	}
	// Tracking again does not capture again.
	h.do("track Coursera")
	if len(h.mon.checked) != 2 {
		t.Fatal("a second /track re-captured documents that have versions")
	}
	expect(t, h.do("/list"), bot.KindEphemeral, "This channel tracks 1 platform", "Coursera — Privacy Policy (never checked, unknown)")
	expect(t, h.do("/untrack coursera terms"), bot.KindReply, "Stopped tracking Coursera's Terms of Service here; still tracking Privacy Policy")
	expect(t, h.do("/untrack coursera.org"), bot.KindReply, "Stopped tracking Coursera in this channel")
	expect(t, h.do("/list"), bot.KindEphemeral, "tracks nothing yet")
	expect(t, h.do("/untrack coursera"), bot.KindEphemeral, "does not track Coursera")
}

func TestTrackUnknownNameSuggests(t *testing.T) {
	h := newHarness(t, "unlimited")
	expect(t, h.do("/track corsera"), bot.KindEphemeral, "No platform called “corsera”", "Did you mean coursera")
}

func TestTrackSomeTypesAndUnknownType(t *testing.T) {
	h := newHarness(t, "unlimited")
	expect(t, h.do(`/track coursera "privacy policy"`), bot.KindReply, "Now tracking Coursera (Privacy Policy)")
	expect(t, h.do("/track coursera cookie"), bot.KindEphemeral, "No document type “cookie”", "Privacy Policy, Terms of Service")
	expect(t, h.do("/track coursera Terms of Service"), bot.KindReply, "Now tracking Coursera (Privacy Policy, Terms of Service)")
}

func TestTrackFirstCaptureFailureIsExplained(t *testing.T) {
	h := newHarness(t, "unlimited")
	h.mon.fail = true
	expect(t, h.do("/track coursera privacy"), bot.KindReply, "Now tracking Coursera", "first capture failed: the page answered 503")
}

func TestTrackURL(t *testing.T) {
	h := newHarness(t, "unlimited")
	expect(t, h.do("/track https://www.example.com/legal/terms.html"), bot.KindReply, "Now tracking example.com (Terms of Service)")
	p, err := h.db.PlatformBySlug(context.Background(), "example-com")
	if err != nil || !p.Custom || len(p.Documents) != 1 || p.Documents[0].URL != "https://www.example.com/legal/terms.html" {
		t.Fatalf("custom platform = %+v, %v", p, err)
	}
	expect(t, h.do("/track https://example.com/cookies privacy"), bot.KindReply, "Now tracking example.com")
	// Platforms added from a URL resolve by name afterwards.
	expect(t, h.do("/history example.com"), bot.KindEphemeral, "example.com · history")

	h.mon.validate = func(string) error { return errors.New("it resolves to a private address") }
	expect(t, h.do("/track http://intranet.example/privacy"), bot.KindEphemeral, "cannot be tracked: it resolves to a private address")
	if _, err := h.db.PlatformBySlug(context.Background(), "intranet-example"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a refused URL was stored")
	}
	expect(t, h.do("/track ftp://example.com/privacy"), bot.KindEphemeral, "Only http and https")
}

// A platform made from a URL is shared by every workspace, one document per
// type. Another page of the same site, as the same type, is not that
// document: the answer says which page is tracked, instead of tracking it
// under the name of the page that was asked for.
func TestTrackURLOfAnotherPageAsTheSameType(t *testing.T) {
	h := newHarness(t, "unlimited")
	ctx := context.Background()
	expect(t, h.as(req("T1", "C1", true, "/track https://example.com/privacy")), bot.KindReply, "Now tracking example.com (Privacy Policy)")
	m := h.as(req("T2", "C9", true, "/track https://example.com/legal/privacy-2026"))
	expect(t, m, bot.KindEphemeral, "already tracked from https://example.com/privacy")
	ch, err := h.db.EnsureChannel(ctx, mustTenant(t, h, "T2").ID, "C9", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if subs, _ := h.db.ChannelSubscriptions(ctx, ch.ID); len(subs) != 0 {
		t.Fatalf("the channel tracks %d platform(s) after a refusal", len(subs))
	}
	// The first workspace still tracks its page.
	p, err := h.db.PlatformBySlug(ctx, "example-com")
	if err != nil || len(p.Documents) != 1 || p.Documents[0].URL != "https://example.com/privacy" {
		t.Fatalf("custom platform after the refusal = %+v, %v", p, err)
	}
	// With the type named, the same.
	expect(t, h.as(req("T2", "C9", true, "/track https://example.com/legal/other privacy")), bot.KindEphemeral, "already tracked from https://example.com/privacy")
	// The same page is the same document.
	expect(t, h.as(req("T2", "C9", true, "/track https://example.com/privacy")), bot.KindReply, "Now tracking example.com (Privacy Policy)")
}

func mustTenant(t *testing.T, h *harness, id string) *store.Tenant {
	t.Helper()
	tn, err := h.db.TenantByExternal(context.Background(), store.TenantSlack, id)
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func TestPlanLimits(t *testing.T) {
	h := newHarness(t, "free")
	expect(t, h.do("/track coursera"), bot.KindReply, "Now tracking Coursera", "free plan, changes come in the weekly digest only")
	m := h.do("/track netflix")
	expect(t, m, bot.KindEphemeral, "Your plan (free) tracks 1 platform(s)", "already tracks 1", "policybot tenant plan slack:T1 monitor")
	// The limit is per tenant: another channel of the same workspace is refused too.
	expect(t, h.as(req("T1", "C2", true, "/track netflix")), bot.KindEphemeral, "Your plan (free)")
	// The platform already tracked may be tracked in another channel.
	expect(t, h.as(req("T1", "C2", true, "/track coursera")), bot.KindReply, "Now tracking Coursera")

	tn, _ := h.db.TenantByExternal(context.Background(), store.TenantSlack, "T1")
	h.db.UpdateTenant(context.Background(), tn.ID, map[string]any{"plan": "monitor"})
	expect(t, h.do("/track netflix"), bot.KindReply, "Now tracking Netflix")
}

func TestPermissions(t *testing.T) {
	h := newHarness(t, "unlimited")
	member := func(text string) bot.Message { return h.as(req("T1", "C1", false, text)) }
	expect(t, member("/track coursera"), bot.KindReply, "Now tracking Coursera")
	expect(t, member("/check coursera"), bot.KindEphemeral, "Only admins can use /check")
	expect(t, member("/settings admins-only on"), bot.KindEphemeral, "Only admins can change who may change")
	expect(t, h.do("/settings admins-only on"), bot.KindReply, "Only admins can now change")
	for _, cmd := range []string{"/track netflix", "/untrack coursera", "/mute coursera", "/digest daily", "/settings threads off"} {
		expect(t, member(cmd), bot.KindEphemeral, "Only admins can change what this channel tracks")
	}
	// Reading is for everyone.
	expect(t, member("/list"), bot.KindEphemeral, "Coursera", "only admins change subscriptions")
	expect(t, member("/digest now"), bot.KindDigest, "Weekly digest")
	expect(t, h.do("/check coursera"), bot.KindEphemeral, "Checked Coursera: no changes", "Privacy Policy: no change")
}

func TestTenantsDoNotSeeEachOther(t *testing.T) {
	h := newHarness(t, "unlimited")
	expect(t, h.as(req("T1", "general", true, "/track coursera")), bot.KindReply, "Now tracking Coursera")
	expect(t, h.as(req("T2", "general", true, "/list")), bot.KindEphemeral, "tracks nothing yet")
	expect(t, h.as(req("T2", "general", true, "/untrack coursera")), bot.KindEphemeral, "does not track Coursera")
	expect(t, h.as(req("T2", "general", true, "/mute coursera")), bot.KindEphemeral, "does not track Coursera")
	expect(t, h.as(req("T1", "general", true, "/list")), bot.KindEphemeral, "Coursera")
	// The same ids on another chat are another tenant.
	r := req("T1", "general", true, "/list")
	r.TenantKind = store.TenantDiscord
	expect(t, h.as(r), bot.KindEphemeral, "tracks nothing yet")
}

func TestSettingsAndDigest(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, "unlimited")
	h.do("/track coursera")
	expect(t, h.do("/settings severity important"), bot.KindReply, "important changes and above")
	expect(t, h.do("/settings threads off"), bot.KindReply, "separate messages")
	expect(t, h.do("/settings broadcast critical"), bot.KindReply, "critical changes and above are now also shown")
	expect(t, h.do("/digest weekly friday 17:30 Europe/Paris"), bot.KindReply, "weekly on Friday at 17:30 Europe/Paris", "Next one Fri 15 May 17:30 CEST")
	tn, _ := h.db.TenantByExternal(ctx, store.TenantSlack, "T1")
	ch, _ := h.db.EnsureChannel(ctx, tn.ID, "C1", "", nil)
	if ch.MinSeverity != "important" || ch.Threads || ch.BroadcastSeverity != "critical" || ch.DigestDay != 5 ||
		ch.DigestTZ != "Europe/Paris" || ch.NextDigestAt == nil || !ch.NextDigestAt.Equal(time.Date(2026, 5, 15, 15, 30, 0, 0, time.UTC)) {
		t.Fatalf("channel = %+v", ch)
	}
	expect(t, h.do("/digest daily 8:05"), bot.KindReply, "daily at 08:05 Europe/Paris")
	expect(t, h.do("/digest off"), bot.KindReply, "Digest off")
	ch, _ = h.db.EnsureChannel(ctx, tn.ID, "C1", "", nil)
	if ch.NextDigestAt != nil {
		t.Fatal("digest off left a next time")
	}
	expect(t, h.do("/list"), bot.KindEphemeral, "Alerts from important up; details as separate messages; digest off")
}

func TestHistoryAndDiff(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, "unlimited")
	h.do("/track coursera privacy")
	p, _ := h.db.PlatformBySlug(ctx, "coursera")
	var doc store.Document
	for _, d := range p.Documents {
		if d.Type == "Privacy Policy" {
			doc = d
		}
	}
	v1, _ := h.db.LatestVersion(ctx, doc.ID)
	v2 := &store.Version{DocumentID: doc.ID, SHA256: "b", Text: "v2", CapturedAt: time.Date(2026, 5, 12, 0, 35, 47, 0, time.UTC)}
	h.db.CreateVersion(ctx, v2)
	sum, _ := json.Marshal(analysis.ChangeSummary{Headline: "Coursera added voice transcription.", Severity: "important",
		Items: []analysis.Item{{Category: "data-collection", CategoryName: "Data collection", Direction: "introduced", Severity: "important", After: "We transcribe audio."}}})
	ch := &store.Change{DocumentID: doc.ID, FromVersionID: &v1.ID, ToVersionID: v2.ID, DetectedAt: v2.CapturedAt,
		Kind: store.KindSubstantive, Severity: "important", Headline: "Coursera added voice transcription.", Summary: string(sum),
		Diff: `{"kind":"substantive","edits":[{"op":"added","section":"Voice","after":"We transcribe audio to text.","substantive":true,"old_index":-1,"new_index":3}]}`}
	if err := h.db.CreateChange(ctx, ch); err != nil {
		t.Fatal(err)
	}
	expect(t, h.do("/history coursera privacy"), bot.KindEphemeral, "2 version(s), 1 change(s)",
		fmt.Sprintf("change #%d [important]: Coursera added voice transcription.", ch.ID), fmt.Sprintf("/changes/%d", ch.ID), "12 May 2026")
	expect(t, h.do(fmt.Sprintf("/diff %d", ch.ID)), bot.KindEphemeral, "[IMPORTANT] Change #", "introduced: Data collection (important)",
		"ADDED IN “VOICE”", "> After: We transcribe audio to text.")
	expect(t, h.do("/diff 999"), bot.KindEphemeral, "There is no change #999")
}

func TestProvisionsAndCompare(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, "unlimited")
	h.do("/track coursera")
	h.do("/track netflix")
	cats := analysis.Taxonomy()
	if len(cats) == 0 {
		t.Skip("no taxonomy")
	}
	cat := cats[0].ID
	for _, slug := range []string{"coursera", "netflix"} {
		p, _ := h.db.PlatformBySlug(ctx, slug)
		v, _ := h.db.LatestVersion(ctx, p.Documents[0].ID)
		h.db.ReplaceProvisions(ctx, p.Documents[0].ID, []store.Provision{{VersionID: v.ID, DocumentID: p.Documents[0].ID,
			PlatformID: p.ID, Category: cat, Excerpt: slug + " says something about it.", Confidence: 0.9}})
	}
	expect(t, h.do("/provisions coursera"), bot.KindEphemeral, "1 provision(s) in 1 category", "“coursera says something about it.”")
	expect(t, h.do("/compare coursera netflix --category "+cat), bot.KindEphemeral, "2 of 2 platform(s)", "netflix says")
	expect(t, h.do("/compare "+cat), bot.KindEphemeral, "2 of 2 platform(s)")
	expect(t, h.do("/compare coursera netflix"), bot.KindEphemeral, "Pick a category", "--category "+cat)
	expect(t, h.do("/compare coursera netflix --category nonsense-zzz"), bot.KindEphemeral, "No provision category")
}

func TestListShowsParkedDeliveries(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, "unlimited")
	h.do("/track coursera")
	tn, _ := h.db.TenantByExternal(ctx, store.TenantSlack, "T1")
	ch, _ := h.db.EnsureChannel(ctx, tn.ID, "C1", "", nil)
	d := &store.Delivery{TenantID: tn.ID, ChannelID: ch.ID, Kind: store.DeliveryAlert, Payload: "{}", IdempotencyKey: "k"}
	h.db.EnqueueDelivery(ctx, d)
	h.db.ClaimDeliveries(ctx, "o", []string{store.TenantSlack}, time.Now().Add(time.Minute), time.Minute, 1)
	if err := h.db.ParkDelivery(ctx, d.ID, "o", "not_in_channel: invite the bot"); err != nil {
		t.Fatal(err)
	}
	h.db.ParkChannel(ctx, ch.ID, "not_in_channel")
	expect(t, h.do("/list"), bot.KindEphemeral, "Delivery problem: 1 message(s) could not be posted here and are kept, not lost: not_in_channel")
}

func TestMuteUnmute(t *testing.T) {
	h := newHarness(t, "unlimited")
	h.do("/track coursera")
	expect(t, h.do("/mute coursera"), bot.KindReply, "Muted alerts about Coursera")
	expect(t, h.do("/list"), bot.KindEphemeral, "[muted]")
	expect(t, h.do("/unmute coursera"), bot.KindReply, "back on")
}

func TestHelpIsGeneratedFromSpecs(t *testing.T) {
	h := newHarness(t, "unlimited")
	m := h.do("/help")
	for _, s := range h.r.Specs() {
		if !strings.Contains(text(m), "/"+s.Name) {
			t.Errorf("help lacks /%s", s.Name)
		}
		if s.Hidden {
			t.Errorf("hidden command /%s in Specs", s.Name)
		}
	}
	if strings.Contains(text(m), "/mute") {
		t.Error("help lists the hidden /mute")
	}
	expect(t, h.do("/help track"), bot.KindEphemeral, "/track PLATFORM [TYPES...]", "Examples:", "/track https://example.com/privacy")
}

// snapshot is everything a bad command must leave unchanged.
func snapshot(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	ts, _ := db.Tenants(ctx)
	for _, tn := range ts {
		fmt.Fprintf(&b, "tenant %d %s %v|", tn.ID, tn.Plan, tn.AdminsOnly)
	}
	tn, err := db.TenantByExternal(ctx, store.TenantSlack, "T1")
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := db.EnsureChannel(ctx, tn.ID, "C1", "", nil)
	fmt.Fprintf(&b, "channel %s %v %s %s %d %s %s %v|", ch.MinSeverity, ch.Threads, ch.BroadcastSeverity, ch.DigestMode, ch.DigestDay, ch.DigestTime, ch.DigestTZ, ch.NextDigestAt)
	subs, _ := db.ChannelSubscriptions(ctx, ch.ID)
	for _, s := range subs {
		fmt.Fprintf(&b, "sub %d %q %v|", s.PlatformID, s.DocumentTypes, s.Muted)
	}
	ps, _ := db.ListPlatforms(ctx, "")
	fmt.Fprintf(&b, "platforms %d|", len(ps))
	ds, _ := db.Deliveries(ctx, "")
	fmt.Fprintf(&b, "deliveries %d", len(ds))
	return b.String()
}

func TestBadInputChangesNothing(t *testing.T) {
	h := newHarness(t, "free")
	h.do("/track coursera privacy")
	before := snapshot(t, h.db)
	long := strings.Repeat("coursera ", 1200) // ~10 KB
	odd := map[string]string{
		"rtl override": "cours\u202eare",
		"zero width":   "cour\u200bsera",
		"nul":          "cour\x00sera",
		"emoji":        "🚀🚀",
		"combining":    "co\u0301u\u0308rsera",
		"escape":       "\x1b[2Jcoursera",
	}
	type tc struct {
		name, line string
		want       string
	}
	var cases []tc
	for _, spec := range h.r.AllSpecs() {
		cmd := "/" + spec.Name
		cases = append(cases,
			tc{spec.Name + " 10KB", cmd + " " + long, "too long"},
			tc{spec.Name + " unknown option", cmd + " x --bogus 1", "no option --bogus"},
		)
		for what, s := range odd {
			want := ""
			if what == "rtl override" || what == "zero width" || what == "nul" || what == "escape" {
				want = "invisible or control characters"
			}
			cases = append(cases, tc{spec.Name + " " + what, cmd + " " + s + " " + s, want})
		}
		required := 0
		for _, a := range spec.Args {
			if a.Required && !a.Flag {
				required++
			}
		}
		if required > 0 {
			cases = append(cases, tc{spec.Name + " missing argument", cmd, "needs"})
		}
	}
	cases = append(cases,
		tc{"unknown command", "/frobnicate", "There is no command /frobnicate"},
		tc{"typo command", "/trak coursera", "Did you mean /track?"},
		tc{"empty", "   ", "Type a command"},
		tc{"unclosed quote", `/track "coursera`, "quote is not closed"},
		tc{"bad severity", "/settings severity loud", "not a severity"},
		tc{"bad on/off", "/settings threads maybe", "use on or off"},
		tc{"bad digest mode", "/digest hourly", "not one of weekly, daily, off, now"},
		tc{"bad time", "/digest weekly monday 25:00", "want HH:MM"},
		tc{"bad zone", "/digest weekly monday 09:00 Mars/Olympus", "neither a day, a time"},
		tc{"path zone", "/digest weekly ../../etc/passwd", "neither a day, a time"},
		tc{"daily with day", "/digest daily monday", "every day"},
		tc{"bad change id", "/diff abc", "not a change number"},
		tc{"negative change id", "/diff -1", "not a change number"},
		tc{"compare one platform", "/compare coursera", "Name two or more platforms"},
		tc{"too many args", "/list everything", "at most 0 argument(s)"},
		tc{"plan limit", "/track netflix", "Your plan (free)"},
		tc{"plan limit by url", "/track https://example.com/privacy", "Your plan (free)"},
		tc{"untracked check", "/check netflix", "does not track Netflix"},
		tc{"flag without value", "/compare a b --category", "needs a value"},
		tc{"help unknown", "/help frob", "not one of"},
		tc{"url with password", "/track https://u:p@example.com/privacy", "user name or password"},
		tc{"two types for a url", "/track https://example.com/p privacy terms", "at most one type"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs := h.r.Handle(context.Background(), req("T1", "C1", true, c.line))
			if len(msgs) != 1 || msgs[0].Kind != bot.KindEphemeral {
				t.Fatalf("%d messages, first kind %v; want one ephemeral answer", len(msgs), msgs)
			}
			got := text(msgs[0])
			if c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("answer %q lacks %q", got, c.want)
			}
			if len(got) > 600 {
				t.Errorf("answer is %d bytes: bad input must get a short answer", len(got))
			}
			if strings.Contains(got, "coursera coursera coursera") || strings.ContainsAny(got, "\x00\x1b\u202e\u200b") {
				t.Errorf("answer echoes the input unbounded or unclean: %q", got)
			}
			if after := snapshot(t, h.db); after != before {
				t.Errorf("state changed:\n%s\n%s", before, after)
			}
		})
	}
}

func TestCompleteSuggestsPlatformsAndChoices(t *testing.T) {
	h := newHarness(t, "unlimited")
	ctx := context.Background()
	got := h.r.Complete(ctx, req("T1", "C1", true, "/track"), "platform", "cours", 5)
	if len(got) == 0 || got[0].Value != "coursera" {
		t.Errorf("platform completion = %+v", got)
	}
	got = h.r.Complete(ctx, req("T1", "C1", true, "/settings"), "setting", "th", 5)
	if len(got) != 1 || got[0].Value != "threads" {
		t.Errorf("choice completion = %+v", got)
	}
}
