package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/store"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s unavailable: %v", name, err)
	}
	return loc
}

func TestDigestNextAcrossTimeZonesAndDST(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	ny := mustLoc(t, "America/New_York")
	weekly := func(loc *time.Location, day time.Weekday, h, m int) bot.DigestSchedule {
		return bot.DigestSchedule{Mode: bot.DigestWeekly, Day: day, Hour: h, Minute: m, Location: loc}
	}
	tests := []struct {
		name  string
		sched bot.DigestSchedule
		after time.Time
		want  time.Time // UTC
	}{
		{"later today", weekly(time.UTC, time.Tuesday, 9, 0), time.Date(2026, 5, 12, 8, 0, 0, 0, time.UTC), time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC)},
		{"exactly due moves a week on", weekly(time.UTC, time.Tuesday, 9, 0), time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC), time.Date(2026, 5, 19, 9, 0, 0, 0, time.UTC)},
		// Paris is UTC+1 in winter and UTC+2 from 29 March 2026: Monday 09:00
		// local is 08:00 UTC before the change and 07:00 UTC after it.
		{"paris before DST", weekly(paris, time.Monday, 9, 0), time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 23, 8, 0, 0, 0, time.UTC)},
		{"paris across DST", weekly(paris, time.Monday, 9, 0), time.Date(2026, 3, 23, 8, 0, 0, 0, time.UTC), time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC)},
		// New York leaves DST on 1 November 2026: daily 08:30 local is 12:30 UTC, then 13:30 UTC.
		{"new york daily across DST end", bot.DigestSchedule{Mode: bot.DigestDaily, Hour: 8, Minute: 30, Location: ny},
			time.Date(2026, 10, 31, 12, 30, 0, 0, time.UTC), time.Date(2026, 11, 1, 13, 30, 0, 0, time.UTC)},
		// Local day differs from the UTC day: Sunday 23:00 UTC is already Monday in Tokyo.
		{"tokyo date line", weekly(mustLoc(t, "Asia/Tokyo"), time.Monday, 9, 0), time.Date(2026, 5, 10, 23, 0, 0, 0, time.UTC), time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := tt.sched.Next(tt.after)
		if got == nil || !got.Equal(tt.want) {
			t.Errorf("%s: Next = %v, want %v", tt.name, got, tt.want)
		}
	}
	if (bot.DigestSchedule{Mode: bot.DigestOff}).Next(time.Now()) != nil {
		t.Error("a digest that is off has a next time")
	}
	// A week spanning the DST change is 7 local days, 167 hours.
	start, end := weekly(paris, time.Monday, 9, 0).Period(time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC))
	if end.Sub(start) != 167*time.Hour {
		t.Errorf("period across DST = %s, want 167h", end.Sub(start))
	}
}

func TestParseClock(t *testing.T) {
	for _, ok := range []string{"09:00", "9:05", "23:59", "00:00"} {
		if _, _, err := bot.ParseClock(ok); err != nil {
			t.Errorf("ParseClock(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"24:00", "9", "09:60", "9:5", "aa:bb", ""} {
		if _, _, err := bot.ParseClock(bad); err == nil {
			t.Errorf("ParseClock(%q) accepted", bad)
		}
	}
}

func TestDigestContentAndWrittenOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "free") // a free plan gets no alerts, only the digest
	// A second tracked platform with no changes.
	quiet := &store.Platform{Slug: "netflix", Name: "Netflix"}
	if err := f.db.UpsertPlatform(ctx, quiet, []store.Document{{Type: "Privacy Policy", Declaration: "{}"}}); err != nil {
		t.Fatal(err)
	}
	f.db.Subscribe(ctx, &store.Subscription{TenantID: f.tenant.ID, ChannelID: f.channel.ID, PlatformID: quiet.ID})
	c1 := f.recordChange(t, summary(1, analysis.SeverityImportant))
	f.clock.Add(26 * time.Hour)
	f.recordChange(t, summary(1, analysis.SeverityNotice))
	if ds, _ := f.db.Deliveries(ctx, ""); len(ds) != 0 {
		t.Fatalf("free plan got %d same-day deliveries", len(ds))
	}

	due := f.clock.Now().Add(2 * time.Hour)
	f.db.UpdateChannel(ctx, f.channel.ID, map[string]any{"next_digest_at": due, "digest_day": int(due.Weekday()), "digest_time": due.Format("15:04")})
	g := &bot.Digests{DB: f.db, PublicURL: "http://127.0.0.1:8080", Now: f.clock.Now}
	if n, err := g.WriteDue(ctx); err != nil || n != 0 {
		t.Fatalf("before due: %d, %v", n, err)
	}
	f.clock.Add(2 * time.Hour)
	if n, err := g.WriteDue(ctx); err != nil || n != 1 {
		t.Fatalf("when due: %d, %v", n, err)
	}
	if n, _ := g.WriteDue(ctx); n != 0 {
		t.Fatal("the same digest was written twice")
	}
	ds, _ := f.db.Deliveries(ctx, "")
	if len(ds) != 1 || ds[0].Kind != store.DeliveryDigest || !strings.HasPrefix(ds[0].IdempotencyKey, "digest:") {
		t.Fatalf("deliveries = %+v", ds)
	}
	ch, _ := f.db.Channel(ctx, f.channel.ID)
	if ch.NextDigestAt == nil || !ch.NextDigestAt.Equal(due.AddDate(0, 0, 7)) {
		t.Fatalf("next digest = %v, want %v", ch.NextDigestAt, due.AddDate(0, 0, 7))
	}
	rec := &recorder{}
	f.notifier(rec, 8).SendDue(ctx)
	if len(rec.Posts()) != 1 {
		t.Fatalf("digest posts = %d", len(rec.Posts()))
	}
	text := bot.RenderText(rec.Posts()[0].msg)
	for _, want := range []string{"Weekly digest", "2 changes this week on 1 of 2", "Important:", "Notice:", bot.RecordURL("http://127.0.0.1:8080", c1.ID), "No changes: Netflix"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "Important:") > strings.Index(text, "Notice:") {
		t.Error("digest lists notice before important")
	}
}

// A bot that was down over several digest times writes one digest when it
// comes back, and that digest covers every week it missed: a free plan
// hears of changes only through digests, so a gap in them loses changes.
func TestDigestAfterDowntimeCoversTheMissedWeeks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "free")
	due := f.clock.Now().Add(2 * time.Hour)
	f.db.UpdateChannel(ctx, f.channel.ID, map[string]any{"next_digest_at": due, "digest_day": int(due.Weekday()), "digest_time": due.Format("15:04")})
	g := &bot.Digests{DB: f.db, PublicURL: "http://127.0.0.1:8080", Now: f.clock.Now}

	// Down from before the first digest time until after the third; a
	// change was recorded in between (by another replica, or found by the
	// first check after the restart with its detection time).
	f.clock.Add(2*time.Hour + 3*24*time.Hour)
	c := f.recordChange(t, summary(1, analysis.SeverityImportant))
	f.clock.Add(13 * 24 * time.Hour)
	if n, err := g.WriteDue(ctx); err != nil || n != 1 {
		t.Fatalf("after the downtime: %d digests, %v; want 1", n, err)
	}
	rec := &recorder{}
	n := f.notifier(rec, 8)
	n.SendDue(ctx)
	if len(rec.Posts()) != 1 {
		t.Fatalf("digest posts = %d", len(rec.Posts()))
	}
	if text := bot.RenderText(rec.Posts()[0].msg); !strings.Contains(text, bot.RecordURL("http://127.0.0.1:8080", c.ID)) {
		t.Errorf("the digest after the downtime lacks the change of the missed weeks:\n%s", text)
	}
	ch, _ := f.db.Channel(ctx, f.channel.ID)
	if want := due.AddDate(0, 0, 21); ch.NextDigestAt == nil || !ch.NextDigestAt.Equal(want) {
		t.Fatalf("next digest = %v, want %v", ch.NextDigestAt, want)
	}
	// The next digest starts where this one ended: the change is not repeated.
	f.clock.Add(6 * 24 * time.Hour)
	if n, err := g.WriteDue(ctx); err != nil || n != 1 {
		t.Fatalf("next week: %d digests, %v", n, err)
	}
	n.SendDue(ctx)
	if text := bot.RenderText(rec.Posts()[1].msg); strings.Contains(text, bot.RecordURL("http://127.0.0.1:8080", c.ID)) {
		t.Errorf("the next digest repeats the change:\n%s", text)
	}
}
