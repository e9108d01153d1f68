package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/store"
)

// Digest modes.
const (
	DigestWeekly = "weekly"
	DigestDaily  = "daily"
	DigestOff    = "off"
)

// DigestSchedule is when a channel's digest is due.
type DigestSchedule struct {
	Mode string // weekly, daily or off
	Day  time.Weekday
	// Hour and Minute are wall-clock time in Location.
	Hour, Minute int
	Location     *time.Location
}

// ScheduleOf reads a channel's digest settings.
func ScheduleOf(ch *store.Channel) (DigestSchedule, error) {
	loc, err := time.LoadLocation(ch.DigestTZ)
	if err != nil || ch.DigestTZ == "" {
		return DigestSchedule{}, fmt.Errorf("time zone %q: unknown", ch.DigestTZ)
	}
	h, m, err := ParseClock(ch.DigestTime)
	if err != nil {
		return DigestSchedule{}, err
	}
	return DigestSchedule{Mode: ch.DigestMode, Day: time.Weekday(ch.DigestDay % 7), Hour: h, Minute: m, Location: loc}, nil
}

// ParseClock reads "HH:MM" (24-hour).
func ParseClock(s string) (int, int, error) {
	hs, ms, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if !ok || err1 != nil || err2 != nil || len(ms) != 2 || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, fmt.Errorf("time %q: want HH:MM, 24-hour, such as 09:00", Quote(s))
	}
	return h, m, nil
}

// Next is the first due time strictly after t, or nil when the digest is off.
// It is computed on the wall clock of the schedule's zone, so a 09:00 digest
// stays at 09:00 across daylight-saving changes.
func (s DigestSchedule) Next(t time.Time) *time.Time {
	if s.Mode != DigestWeekly && s.Mode != DigestDaily {
		return nil
	}
	local := t.In(s.Location)
	y, mo, d := local.Date()
	at := func(day int) time.Time { return time.Date(y, mo, d+day, s.Hour, s.Minute, 0, 0, s.Location) }
	offset := 0
	step := 1
	if s.Mode == DigestWeekly {
		offset = (int(s.Day) - int(local.Weekday()) + 7) % 7
		step = 7
	}
	next := at(offset)
	if !next.After(t) {
		next = at(offset + step)
	}
	next = next.UTC()
	return &next
}

// Period is the span a digest due at due covers: the week (or day) before
// it, counted in wall-clock days so that a week spanning a clock change is
// still seven days.
func (s DigestSchedule) Period(due time.Time) (time.Time, time.Time) {
	days := 7
	if s.Mode == DigestDaily {
		days = 1
	}
	local := due.In(s.Location)
	y, mo, d := local.Date()
	start := time.Date(y, mo, d-days, local.Hour(), local.Minute(), local.Second(), 0, s.Location)
	return start.UTC(), due.UTC()
}

// Digests writes each channel's periodic digest to the outbox when it is due.
// The due time lives in the store (Channel.NextDigestAt), so a restart neither
// skips nor repeats a digest.
type Digests struct {
	DB        *store.DB
	PublicURL string
	Now       func() time.Time
	Logger    *slog.Logger
	// Interval is how often due digests are looked for (a minute).
	Interval time.Duration
	// Written is called after digests were written, to wake the notifier.
	Written func()
}

func (g *Digests) now() time.Time {
	if g.Now != nil {
		return g.Now().UTC()
	}
	return time.Now().UTC()
}

// Run writes due digests until ctx ends.
func (g *Digests) Run(ctx context.Context) error {
	every := g.Interval
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := g.WriteDue(ctx); err != nil && ctx.Err() == nil && g.Logger != nil {
			g.Logger.Error("digests failed", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// WriteDue writes every digest whose time has come and moves each channel's
// due time on; it returns how many digests were written.
func (g *Digests) WriteDue(ctx context.Context) (int, error) {
	now := g.now()
	chs, err := g.DB.DueDigests(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	written := 0
	var errs []error
	for _, ch := range chs {
		ok, err := g.writeOne(ctx, ch, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("digest of channel %d: %w", ch.ID, err))
			continue
		}
		if ok {
			written++
		}
	}
	if written > 0 && g.Written != nil {
		g.Written()
	}
	return written, errors.Join(errs...)
}

func (g *Digests) writeOne(ctx context.Context, ch store.Channel, now time.Time) (bool, error) {
	due := *ch.NextDigestAt
	sched, err := ScheduleOf(&ch)
	if err != nil { // settings went bad: stop the digest rather than fail every minute
		_, aerr := g.DB.AdvanceDigest(ctx, ch.ID, due, nil)
		return false, errors.Join(err, aerr)
	}
	start, end := sched.Period(due)
	// After a downtime over several digest times, one digest covers them
	// all, up to the last time that has passed, so the next one starts
	// where it ends and no change falls between two digests.
	for next := sched.Next(end); next != nil && !next.After(now); next = sched.Next(*next) {
		end = *next
	}
	wrote := false
	err = g.DB.Tx(ctx, func(tx *store.DB) error {
		// Advancing first, conditioned on the old due time, makes the
		// replica that wins the update the only one to write the digest.
		ok, err := tx.AdvanceDigest(ctx, ch.ID, due, sched.Next(now))
		if err != nil || !ok {
			return err
		}
		msg, _, err := BuildDigest(ctx, tx, &ch, sched.Mode, start, end, g.PublicURL)
		if err != nil {
			return err
		}
		if msg == nil {
			return nil // nothing tracked: no digest
		}
		payload, err := json.Marshal(Envelope{Parent: *msg})
		if err != nil {
			return err
		}
		wrote, err = tx.EnqueueDelivery(ctx, &store.Delivery{
			TenantID: ch.TenantID, ChannelID: ch.ID, Kind: store.DeliveryDigest, Payload: string(payload),
			IdempotencyKey: fmt.Sprintf("digest:%d:%s", ch.ID, start.UTC().Format(time.RFC3339)),
			NextAttemptAt:  now,
		})
		return err
	})
	return wrote, err
}

// BuildDigest summarises what changed on the channel's tracked platforms in
// [start, end): changes grouped by severity with record links, then the
// platforms that did not change, in one line. It returns nil when the channel
// tracks nothing, and the number of changes listed.
func BuildDigest(ctx context.Context, db *store.DB, ch *store.Channel, mode string, start, end time.Time, publicURL string) (*Message, int, error) {
	subs, err := db.ChannelSubscriptions(ctx, ch.ID)
	if err != nil {
		return nil, 0, err
	}
	if len(subs) == 0 {
		return nil, 0, nil
	}
	ids := make([]uint, 0, len(subs))
	byPlatform := map[uint]store.Subscription{}
	for _, s := range subs {
		ids = append(ids, s.PlatformID)
		byPlatform[s.PlatformID] = s
	}
	changes, err := db.ChangesSince(ctx, ids, start, end)
	if err != nil {
		return nil, 0, err
	}
	loc := time.UTC
	if l, err := time.LoadLocation(ch.DigestTZ); err == nil {
		loc = l
	}
	groups := map[string][]string{}
	changed := map[uint]bool{}
	count := 0
	for _, c := range changes {
		s := byPlatform[c.Document.PlatformID]
		if c.Kind != store.KindSubstantive || !s.Covers(c.Document.Type) {
			continue
		}
		count++
		changed[c.Document.PlatformID] = true
		headline := Truncate(Clean(c.Headline, true), 200)
		if headline == "" {
			headline = "changed"
		}
		line := fmt.Sprintf("%s · %s (%s): %s %s", c.Document.Platform.Name, c.Document.Type,
			c.DetectedAt.In(loc).Format("Mon 2 Jan"), headline, RecordURL(publicURL, c.ID))
		groups[c.Severity] = append(groups[c.Severity], line)
	}
	word := "week"
	title := "Weekly digest"
	if mode == DigestDaily {
		word, title = "day", "Daily digest"
	}
	span := fmt.Sprintf("%s – %s", start.In(loc).Format("2 Jan"), end.In(loc).Format("2 Jan 2006"))
	m := &Message{Kind: KindDigest, Title: title + " · " + span}
	switch count {
	case 0:
		m.Text = fmt.Sprintf("No changes this %s on the %d platform(s) this channel tracks.", word, len(subs))
	case 1:
		m.Text = fmt.Sprintf("1 change this %s on %d of %d tracked platform(s).", word, len(changed), len(subs))
	default:
		m.Text = fmt.Sprintf("%d changes this %s on %d of %d tracked platform(s).", count, word, len(changed), len(subs))
	}
	sevs := []string{string(analysis.SeverityCritical), string(analysis.SeverityImportant), string(analysis.SeverityNotice), string(analysis.SeverityInfo)}
	known := map[string]bool{}
	for _, sev := range sevs {
		known[sev] = true
	}
	for sev := range groups { // severities outside the scale still get listed, last
		if !known[sev] {
			sevs = append(sevs, sev)
		}
	}
	for _, sev := range sevs {
		lines := groups[sev]
		if len(lines) == 0 {
			continue
		}
		label := sev
		if label == "" {
			label = "unrated"
		}
		m.Blocks = append(m.Blocks, Block{Kind: BlockList, Label: strings.ToUpper(label[:1]) + label[1:], Items: lines})
	}
	var quiet []string
	for _, s := range subs {
		if !changed[s.PlatformID] {
			quiet = append(quiet, s.Platform.Name)
		}
	}
	sort.Strings(quiet)
	if len(quiet) > 0 {
		m.Blocks = append(m.Blocks, Block{Kind: BlockContext, Label: "No changes", Text: strings.Join(quiet, ", ")})
	}
	return m, count, nil
}
