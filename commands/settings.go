package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/store"
)

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday, "mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday, "wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday, "sat": time.Saturday, "saturday": time.Saturday,
}

func (r *Router) digest(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	mode := c.args[0]
	ch := *s.channel
	if mode == "now" {
		if len(c.args) > 1 {
			return nil, problem{"/digest now takes nothing more."}
		}
		sched, err := bot.ScheduleOf(&ch)
		if err != nil {
			sched = bot.DigestSchedule{Mode: bot.DigestWeekly, Location: time.UTC}
		}
		if sched.Mode == bot.DigestOff {
			sched.Mode = bot.DigestWeekly
		}
		start, end := sched.Period(r.now())
		msg, _, err := bot.BuildDigest(ctx, r.db, &ch, sched.Mode, start, end, r.cfg.PublicURL)
		if err != nil {
			return nil, err
		}
		if msg == nil {
			return ephemeral("This channel tracks nothing, so there is no digest. Start with /track coursera."), nil
		}
		return []bot.Message{*msg}, nil
	}
	fields := map[string]any{"digest_mode": mode}
	ch.DigestMode = mode
	if mode != bot.DigestOff {
		for _, w := range c.args[1:] {
			lw := strings.ToLower(w)
			if d, ok := weekdays[lw]; ok {
				if mode != bot.DigestWeekly {
					return nil, problem{"A daily digest comes every day; leave out the day, or use /digest weekly DAY."}
				}
				ch.DigestDay = int(d)
				continue
			}
			if strings.Contains(w, ":") && len(w) <= 5 {
				if _, _, err := bot.ParseClock(w); err != nil {
					return nil, problem{err.Error()}
				}
				if len(w) == 4 {
					w = "0" + w
				}
				ch.DigestTime = w
				continue
			}
			if len(w) > 60 || strings.EqualFold(w, "local") {
				return nil, problemf("“%s” is not a time zone; use a name such as Europe/Paris or UTC.", bot.Quote(w))
			}
			if _, err := time.LoadLocation(w); err != nil || strings.ContainsAny(w, "\\") || strings.HasPrefix(w, "/") || strings.Contains(w, "..") {
				return nil, problemf("“%s” is neither a day, a time (HH:MM) nor a time zone such as Europe/Paris.", bot.Quote(w))
			}
			ch.DigestTZ = w
		}
		fields["digest_day"], fields["digest_time"], fields["digest_tz"] = ch.DigestDay, ch.DigestTime, ch.DigestTZ
	} else if len(c.args) > 1 {
		return nil, problem{"/digest off takes nothing more."}
	}
	sched, err := bot.ScheduleOf(&ch)
	if err != nil {
		return nil, problem{err.Error()}
	}
	next := sched.Next(r.now())
	fields["next_digest_at"] = next
	if err := r.db.UpdateChannel(ctx, ch.ID, fields); err != nil {
		return nil, err
	}
	if next == nil {
		return reply("Digest off for this channel. /digest weekly turns it back on."), nil
	}
	return reply(fmt.Sprintf("Digest for this channel: %s. Next one %s.", digestText(&ch),
		next.In(sched.Location).Format("Mon 2 Jan 15:04 MST"))), nil
}

func onOff(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "true", "yes":
		return true, nil
	case "off", "false", "no":
		return false, nil
	}
	return false, problemf("“%s”: use on or off.", bot.Quote(v))
}

func (r *Router) settings(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	value := strings.ToLower(c.args[1])
	switch c.args[0] {
	case "severity":
		if _, ok := analysis.ParseSeverity(value); !ok {
			return nil, problemf("“%s” is not a severity; use one of %s.", bot.Quote(c.args[1]), strings.Join(severities, ", "))
		}
		if err := r.db.UpdateChannel(ctx, s.channel.ID, map[string]any{"min_severity": value}); err != nil {
			return nil, err
		}
		return reply(fmt.Sprintf("This channel now gets alerts for %s changes and above.", value)), nil
	case "threads":
		on, err := onOff(value)
		if err != nil {
			return nil, err
		}
		if err := r.db.UpdateChannel(ctx, s.channel.ID, map[string]any{"threads": on}); err != nil {
			return nil, err
		}
		if on {
			return reply("Alert details now go in a thread under each alert."), nil
		}
		return reply("Alert details now come as separate messages in the channel."), nil
	case "broadcast":
		if value == "off" {
			if err := r.db.UpdateChannel(ctx, s.channel.ID, map[string]any{"broadcast_severity": ""}); err != nil {
				return nil, err
			}
			return reply("Alert details stay in their threads."), nil
		}
		if _, ok := analysis.ParseSeverity(value); !ok {
			return nil, problemf("“%s”: use a severity (%s) or off.", bot.Quote(c.args[1]), strings.Join(severities, ", "))
		}
		if err := r.db.UpdateChannel(ctx, s.channel.ID, map[string]any{"broadcast_severity": value}); err != nil {
			return nil, err
		}
		return reply(fmt.Sprintf("Details of %s changes and above are now also shown in the channel.", value)), nil
	case "admins-only":
		if !s.req.IsAdmin {
			return nil, problem{"Only admins can change who may change subscriptions."}
		}
		on, err := onOff(value)
		if err != nil {
			return nil, err
		}
		if err := r.db.UpdateTenant(ctx, s.tenant.ID, map[string]any{"admins_only": on}); err != nil {
			return nil, err
		}
		if on {
			return reply("Only admins can now change what channels track, here and in every channel of this workspace."), nil
		}
		return reply("Everyone can now change what channels track."), nil
	}
	return nil, problemf("No setting “%s”.", bot.Quote(c.args[0]))
}

func (r *Router) check(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	if r.monitor == nil {
		return nil, problem{"Checks are not available in this setup (no monitor is running)."}
	}
	p, sub, err := r.resolveTracked(ctx, s, c.args[0])
	if err != nil {
		return nil, err
	}
	if sub == nil {
		return nil, problemf("This channel does not track %s; /track %s first.", p.Name, p.Slug)
	}
	cctx, cancel := context.WithTimeout(ctx, r.opts.CaptureTimeout*time.Duration(max(1, len(p.Documents))))
	defer cancel()
	results, err := r.monitor.CheckPlatform(cctx, p.ID)
	if r.opts.Changed != nil {
		defer r.opts.Changed()
	}
	if err != nil && len(results) == 0 {
		return nil, problemf("Checking %s failed: %s", p.Name, bot.Truncate(bot.Clean(err.Error(), true), 200))
	}
	var items []string
	changed := 0
	for _, res := range results {
		var line string
		switch res.Outcome {
		case store.OutcomeFirst:
			line = res.Document + ": first version captured."
		case store.OutcomeUnchanged:
			line = res.Document + ": no change."
		case store.OutcomeChanged:
			changed++
			line = res.Document + ": changed"
			if res.Change != nil {
				if res.Change.Kind != store.KindSubstantive {
					line += fmt.Sprintf(" (%s, not announced) — change #%d", res.Change.Kind, res.Change.ID)
				} else {
					line += fmt.Sprintf(" [%s] — change #%d", res.Change.Severity, res.Change.ID)
					if h := bot.Truncate(bot.Clean(res.Change.Headline, true), 200); h != "" {
						line += ": " + h
					}
				}
			}
		case store.OutcomeFailed:
			line = res.Document + ": failed — " + failureText(res)
		default:
			line = res.Document + ": " + res.Outcome
		}
		items = append(items, line)
	}
	text := fmt.Sprintf("Checked %s: no changes.", p.Name)
	if changed > 0 {
		text = fmt.Sprintf("Checked %s: %d document(s) changed.", p.Name, changed)
	}
	return []bot.Message{{Kind: bot.KindEphemeral, Text: text, Blocks: []bot.Block{{Kind: bot.BlockList, Items: items}}}}, nil
}

func (r *Router) help(ctx context.Context, s *session, c *call) ([]bot.Message, error) {
	if len(c.args) == 0 {
		var items []string
		for _, spec := range r.Specs() {
			items = append(items, usage(spec)+" — "+spec.Summary)
		}
		return []bot.Message{{Kind: bot.KindEphemeral, Title: "policybot commands",
			Text:   "I watch platforms' privacy policies and terms, and tell this channel what changed and what it means.",
			Blocks: []bot.Block{{Kind: bot.BlockList, Items: items}, {Kind: bot.BlockContext, Text: "/help COMMAND shows one command in detail."}}}}, nil
	}
	for _, spec := range r.Specs() {
		if spec.Name == c.args[0] {
			return []bot.Message{{Kind: bot.KindEphemeral, Title: usage(spec), Text: helpText(spec), Blocks: helpBlocks(spec)}}, nil
		}
	}
	return nil, problemf("No command /%s; /help lists them.", bot.Quote(c.args[0]))
}

// usage is a command's one-line synopsis, generated from its spec.
func usage(spec bot.CommandSpec) string {
	parts := []string{"/" + spec.Name}
	for _, a := range spec.Args {
		name := strings.ToUpper(a.Name)
		if a.Kind == bot.ArgChoice && len(a.Choices) > 0 && len(a.Choices) <= 5 {
			name = strings.Join(a.Choices, "|")
		}
		if a.Flag {
			name = "--" + a.Name + " " + strings.ToUpper(a.Name)
		}
		if a.Repeated {
			name += "..."
		}
		if !a.Required {
			name = "[" + name + "]"
		}
		parts = append(parts, name)
	}
	return strings.Join(parts, " ")
}

func helpText(spec bot.CommandSpec) string {
	text := spec.Summary
	if spec.Description != "" {
		text += ". " + spec.Description
	}
	if spec.AdminOnly {
		text += " (Admins only.)"
	}
	return strings.ToUpper(text[:1]) + text[1:]
}

func helpBlocks(spec bot.CommandSpec) []bot.Block {
	var blocks []bot.Block
	var args []string
	for _, a := range spec.Args {
		args = append(args, strings.ToUpper(a.Name)+": "+a.Description)
	}
	if len(args) > 0 {
		blocks = append(blocks, bot.Block{Kind: bot.BlockList, Label: "Arguments", Items: args})
	}
	if len(spec.Examples) > 0 {
		blocks = append(blocks, bot.Block{Kind: bot.BlockList, Label: "Examples", Items: spec.Examples})
	}
	return blocks
}
