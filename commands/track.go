package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/monitor"
	"github.com/policybot/policybot/store"
)

func (r *Router) track(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	target := c.args[0]
	var (
		p     *store.Platform
		types []string
		err   error
	)
	if looksLikeURL(target) {
		p, types, err = r.trackURL(ctx, target, c.args[1:])
	} else {
		p, err = r.resolve(ctx, target)
		if err == nil && len(c.args) > 1 {
			types, err = parseDocTypes(c.args[1:], docTypes(p))
		}
	}
	if err != nil {
		return nil, err
	}
	if len(p.Documents) == 0 {
		return nil, problemf("%s has no documents to track yet.", p.Name)
	}
	if err := r.checkPlan(ctx, s, p); err != nil {
		return nil, err
	}
	if p, err = r.stored(ctx, p); err != nil {
		return nil, err
	}
	sub := &store.Subscription{TenantID: s.tenant.ID, ChannelID: s.channel.ID, PlatformID: p.ID,
		DocumentTypes: strings.Join(types, ","), CreatedBy: bot.Truncate(s.req.UserID, 100)}
	if _, err := r.db.Subscribe(ctx, sub); err != nil {
		return nil, err
	}
	var lines []string
	var tracked []string
	for _, d := range p.Documents {
		if !sub.Covers(d.Type) {
			continue
		}
		tracked = append(tracked, d.Type)
		lines = append(lines, r.firstCapture(ctx, &d))
	}
	text := fmt.Sprintf("Now tracking %s (%s) in this channel.", p.Name, strings.Join(tracked, ", "))
	if !s.plan.SameDayAlerts {
		text += fmt.Sprintf(" On the %s plan, changes come in the %s digest only.", s.tenant.Plan, digestWord(s.channel))
	}
	msgs := reply(text, bot.Block{Kind: bot.BlockList, Items: lines})
	if r.opts.Changed != nil {
		r.opts.Changed()
	}
	return msgs, nil
}

func digestWord(ch *store.Channel) string {
	if ch.DigestMode == bot.DigestDaily {
		return "daily"
	}
	return "weekly"
}

// trackURL vets a URL a person typed and makes it a custom platform.
func (r *Router) trackURL(ctx context.Context, raw string, rest []string) (*store.Platform, []string, error) {
	if len(raw) > 2000 {
		return nil, nil, problem{"That URL is too long to track."}
	}
	docType := ""
	if len(rest) > 0 {
		types, err := parseDocTypes(rest, urlDocTypes)
		if err != nil {
			return nil, nil, err
		}
		if len(types) > 1 {
			return nil, nil, problem{"A URL is one document: name at most one type, such as privacy."}
		}
		docType = types[0]
	}
	sp, docs, err := customPlatform(raw, docType)
	if err != nil {
		return nil, nil, err
	}
	if r.monitor == nil {
		return nil, nil, problem{"Tracking by URL is not available in this setup (no monitor is running)."}
	}
	if err := r.monitor.ValidateURL(ctx, docs[0].URL); err != nil {
		return nil, nil, problemf("That URL cannot be tracked: %s", bot.Truncate(bot.Clean(err.Error(), true), 200))
	}
	existing, err := r.db.PlatformBySlug(ctx, sp.Slug)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Written by /track once the plan allows it (see stored).
		sp.Documents = docs
		return &sp, []string{docType}, nil
	case err != nil:
		return nil, nil, err
	}
	// The type asked for, or guessed from the path.
	want := docs[0]
	for _, d := range existing.Documents {
		if d.Type != want.Type {
			continue
		}
		// One document per type, shared by every workspace: another page
		// would replace the one other channels track, or be tracked under
		// its name.
		if d.URL != want.URL {
			return nil, nil, problemf("%s's %s is already tracked from %s; track that page, or name another type for this one (privacy, terms or cookies).",
				existing.Name, d.Type, bot.Truncate(bot.Clean(d.URL, true), 300))
		}
		return existing, []string{d.Type}, nil
	}
	if !existing.Custom {
		return nil, nil, problemf("%s is in the catalog without a %s; track it by name: /track %s", existing.Name, docType, existing.Slug)
	}
	existing.Documents = append(existing.Documents, docs...)
	return existing, []string{docType}, nil
}

// checkPlan refuses a platform beyond the tenant's plan.
func (r *Router) checkPlan(ctx context.Context, s *session, p *store.Platform) error {
	if s.plan.MaxPlatforms <= 0 {
		return nil
	}
	already, err := r.db.TenantTracks(ctx, s.tenant.ID, p.ID)
	if err != nil || already {
		return err
	}
	n, err := r.db.TenantPlatformCount(ctx, s.tenant.ID)
	if err != nil {
		return err
	}
	if n >= s.plan.MaxPlatforms {
		return problemf("Your plan (%s) tracks %d platform(s) and this workspace already tracks %d. Untrack one first (/list shows them), or ask the bot's operator for a larger plan (policybot tenant plan %s:%s monitor).",
			s.tenant.Plan, s.plan.MaxPlatforms, n, s.tenant.Kind, bot.Quote(s.tenant.ExternalID))
	}
	return nil
}

// firstCapture makes sure a just-tracked document has a version, capturing
// it now if it has none, and says what the current version is.
func (r *Router) firstCapture(ctx context.Context, d *store.Document) string {
	if v, err := r.db.LatestVersion(ctx, d.ID); err == nil {
		return fmt.Sprintf("%s: current version captured %s.", d.Type, when(v.CapturedAt))
	}
	if r.monitor == nil {
		return fmt.Sprintf("%s: will be captured at the next check.", d.Type)
	}
	cctx, cancel := context.WithTimeout(ctx, r.opts.CaptureTimeout)
	defer cancel()
	res, err := r.monitor.Check(cctx, d.ID)
	switch {
	case err != nil && errors.Is(cctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("%s: the first capture is taking long; it will finish at the next check.", d.Type)
	case err != nil:
		return fmt.Sprintf("%s: the first capture failed (%s); it will be retried at the next check.", d.Type, bot.Truncate(bot.Clean(err.Error(), true), 200))
	case res.Outcome == store.OutcomeFailed:
		return fmt.Sprintf("%s: the first capture failed: %s. It will be retried at the next check.", d.Type, failureText(res))
	}
	if v, err := r.db.LatestVersion(ctx, d.ID); err == nil {
		return fmt.Sprintf("%s: current version captured %s.", d.Type, when(v.CapturedAt))
	}
	return fmt.Sprintf("%s: checked; no version yet.", d.Type)
}

func failureText(res monitor.Result) string {
	why := res.Error
	if why == "" {
		why = res.Reason
	}
	if why == "" {
		why = "no reason given"
	}
	return bot.Truncate(bot.Clean(why, true), 200)
}

func docTypes(p *store.Platform) []string {
	var out []string
	for _, d := range p.Documents {
		out = append(out, d.Type)
	}
	return out
}

func (r *Router) untrack(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	p, sub, err := r.resolveTracked(ctx, s, c.args[0])
	if err != nil {
		return nil, err
	}
	if sub == nil {
		return nil, problemf("This channel does not track %s; /list shows what it tracks.", p.Name)
	}
	if len(c.args) > 1 {
		drop, err := parseDocTypes(c.args[1:], docTypes(p))
		if err != nil {
			return nil, err
		}
		var keep []string
		for _, d := range p.Documents {
			if sub.Covers(d.Type) && !containsFold(drop, d.Type) {
				keep = append(keep, d.Type)
			}
		}
		if len(keep) > 0 {
			if err := r.db.SetSubscriptionTypes(ctx, sub.ID, keep); err != nil {
				return nil, err
			}
			return reply(fmt.Sprintf("Stopped tracking %s's %s here; still tracking %s.", p.Name, strings.Join(drop, ", "), strings.Join(keep, ", "))), nil
		}
	}
	if _, err := r.db.Unsubscribe(ctx, s.channel.ID, p.ID); err != nil {
		return nil, err
	}
	return reply(fmt.Sprintf("Stopped tracking %s in this channel.", p.Name)), nil
}

func (r *Router) mute(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	return r.setMuted(ctx, s, c.args[0], true)
}

func (r *Router) unmute(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	return r.setMuted(ctx, s, c.args[0], false)
}

func (r *Router) setMuted(ctx context.Context, s *session, name string, muted bool) ([]bot.Message, error) {
	p, sub, err := r.resolveTracked(ctx, s, name)
	if err != nil {
		return nil, err
	}
	if sub == nil {
		return nil, problemf("This channel does not track %s.", p.Name)
	}
	if _, err := r.db.SetMuted(ctx, s.channel.ID, p.ID, muted); err != nil {
		return nil, err
	}
	if muted {
		return reply(fmt.Sprintf("Muted alerts about %s in this channel; its changes still appear in the digest. /unmute %s to hear them again.", p.Name, p.Slug)), nil
	}
	return reply(fmt.Sprintf("Alerts about %s are back on in this channel.", p.Name)), nil
}

func (r *Router) list(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	subs, err := r.db.ChannelSubscriptions(ctx, s.channel.ID)
	if err != nil {
		return nil, err
	}
	now := r.now()
	msg := bot.Message{Kind: bot.KindEphemeral}
	if len(subs) == 0 {
		msg.Text = "This channel tracks nothing yet. Start with /track coursera (or any platform name)."
	} else {
		msg.Text = fmt.Sprintf("This channel tracks %d platform(s):", len(subs))
		var items []string
		for _, sub := range subs {
			var docs []string
			for _, d := range sub.Platform.Documents {
				if !sub.Covers(d.Type) {
					continue
				}
				docs = append(docs, d.Type+" ("+docState(now, &d)+")")
			}
			line := sub.Platform.Name + " — " + strings.Join(docs, "; ")
			if sub.Muted {
				line += " [muted]"
			}
			items = append(items, line)
		}
		msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockList, Items: items})
	}
	ch := s.channel
	settings := fmt.Sprintf("Alerts from %s up; details %s; digest %s; plan %s", ch.MinSeverity,
		map[bool]string{true: "in threads", false: "as separate messages"}[ch.Threads], digestText(ch), s.tenant.Plan)
	if ch.BroadcastSeverity != "" {
		settings += "; details of " + ch.BroadcastSeverity + "+ changes also shown in the channel"
	}
	if s.tenant.AdminsOnly {
		settings += "; only admins change subscriptions"
	}
	msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockContext, Text: settings + "."})
	parked, err := r.db.ChannelDeliveries(ctx, ch.ID, store.DeliveryParked)
	if err != nil {
		return nil, err
	}
	if ch.ParkedReason != "" || len(parked) > 0 {
		warn := fmt.Sprintf("%d message(s) could not be posted here and are kept, not lost", len(parked))
		reason := ch.ParkedReason
		if reason == "" && len(parked) > 0 {
			reason = parked[len(parked)-1].LastError
		}
		if reason != "" {
			warn += ": " + bot.Truncate(bot.Clean(reason, true), 200)
		}
		msg.Blocks = append(msg.Blocks, bot.Block{Kind: bot.BlockText, Label: "Delivery problem", Text: warn + "."})
	}
	return []bot.Message{msg}, nil
}

// docState is a document's last check and health, for /list.
func docState(now time.Time, d *store.Document) string {
	checked := "never checked"
	if d.LastCheckAt != nil {
		checked = "checked " + ago(now, *d.LastCheckAt)
	}
	health := d.Health
	if health == "" {
		health = store.HealthUnknown
	}
	out := checked + ", " + health
	if (health == store.HealthFailing || health == store.HealthBlocked) && d.LastError != "" {
		out += ": " + bot.Truncate(bot.Clean(d.LastError, true), 80)
	}
	return out
}

// digestText says when the channel's digest comes.
func digestText(ch *store.Channel) string {
	switch ch.DigestMode {
	case bot.DigestWeekly:
		return fmt.Sprintf("weekly on %s at %s %s", time.Weekday(ch.DigestDay%7), ch.DigestTime, ch.DigestTZ)
	case bot.DigestDaily:
		return fmt.Sprintf("daily at %s %s", ch.DigestTime, ch.DigestTZ)
	}
	return "off"
}
