// Package commands is the bot's chat-agnostic command set: the grammar
// (commands defined as data, help generated from them), the handlers, the
// permission and plan checks, and fuzzy platform names. Adapters hand it a
// bot.Request and render the bot.Messages it returns.
package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/monitor"
	"github.com/policybot/policybot/store"
)

// Monitor is what commands need of the monitor: checking now, and vetting a
// URL a person typed before anything fetches it.
type Monitor interface {
	Check(ctx context.Context, docID uint) (monitor.Result, error)
	CheckPlatform(ctx context.Context, platformID uint) ([]monitor.Result, error)
	ValidateURL(ctx context.Context, rawURL string) error
}

// Router answers commands; it implements bot.Handler.
type Router struct {
	db      *store.DB
	cfg     config.Config
	monitor Monitor
	catalog *catalog.Catalog
	opts    Options
	cmds    []command
	specs   []bot.CommandSpec
}

// Options are the Router's optional parts.
type Options struct {
	// Catalog resolves platform names not yet in the store; nil means the built-in one.
	Catalog *catalog.Catalog
	// CaptureTimeout bounds the first capture that /track runs while the
	// person waits (and each check of /check).
	CaptureTimeout time.Duration
	// Changed is called after a command may have written deliveries (a
	// check that found a change), so that the notifier sends them now.
	Changed func()
	// Observe, when set, receives each command's name and how long it took (for /metrics).
	Observe func(name string, d time.Duration)
	Now     func() time.Time
	Logger  *slog.Logger
}

// New returns a Router over the store. mon may be nil: then /check and the
// first capture are unavailable, and say so.
func New(db *store.DB, cfg config.Config, mon Monitor, opts Options) *Router {
	if opts.Catalog == nil {
		opts.Catalog = catalog.Builtin()
	}
	if opts.CaptureTimeout <= 0 {
		opts.CaptureTimeout = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Router{db: db, cfg: cfg, monitor: mon, catalog: opts.Catalog, opts: opts, cmds: table()}
	var names []string
	for _, c := range r.cmds {
		if !c.spec.Hidden {
			names = append(names, c.spec.Name)
		}
	}
	for i := range r.cmds {
		if r.cmds[i].spec.Name == "help" {
			r.cmds[i].spec.Args[0].Choices = names
		}
		r.specs = append(r.specs, r.cmds[i].spec)
	}
	return r
}

func (r *Router) now() time.Time { return r.opts.Now().UTC() }

// Specs lists the commands people can type (not the hidden button targets).
func (r *Router) Specs() []bot.CommandSpec {
	var out []bot.CommandSpec
	for _, s := range r.specs {
		if !s.Hidden {
			out = append(out, s)
		}
	}
	return out
}

// AllSpecs lists every command, button targets included, for adapters that
// must register them all.
func (r *Router) AllSpecs() []bot.CommandSpec { return append([]bot.CommandSpec(nil), r.specs...) }

// session is who asks and where: the tenant, the channel and the plan.
type session struct {
	req     bot.Request
	tenant  *store.Tenant
	channel *store.Channel
	plan    config.Plan
}

// Handle runs one command line and returns what to say.
func (r *Router) Handle(ctx context.Context, req bot.Request) []bot.Message {
	c, err := parseLine(r.specs, req.Text)
	if err != nil {
		return r.fail(req, err)
	}
	if c.spec.AdminOnly && !req.IsAdmin {
		return ephemeral(fmt.Sprintf("Only admins can use /%s here.", c.spec.Name))
	}
	if req.TenantKind == "" || req.TenantID == "" || req.ChannelID == "" {
		return ephemeral("This chat did not say which workspace and channel the command came from; please try again.")
	}
	s, err := r.session(ctx, req)
	if err != nil {
		return r.fail(req, err)
	}
	if c.spec.ChangesChannel && s.tenant.AdminsOnly && !req.IsAdmin && !isDigestNow(c) {
		return ephemeral("Only admins can change what this channel tracks (admins-only is on); ask one of them.")
	}
	var run func(*Router, context.Context, *session, *call) ([]bot.Message, error)
	for _, cmd := range r.cmds {
		if cmd.spec.Name == c.spec.Name {
			run = cmd.run
		}
	}
	start := time.Now()
	msgs, err := run(r, ctx, s, c)
	if r.opts.Observe != nil {
		r.opts.Observe(c.spec.Name, time.Since(start))
	}
	if err != nil {
		return r.fail(req, err)
	}
	return msgs
}

func isDigestNow(c *call) bool { return len(c.args) > 0 && c.args[0] == "now" }

// fail turns an error into an answer: a person's mistake is explained, and
// anything else is logged and answered without internals.
func (r *Router) fail(req bot.Request, err error) []bot.Message {
	var p problem
	if errors.As(err, &p) {
		return ephemeral(p.msg)
	}
	r.opts.Logger.Error("command failed", slog.String("tenant", req.TenantKind+":"+req.TenantID),
		slog.String("command", bot.Quote(req.Text)), slog.Any("err", err))
	return ephemeral("Something went wrong on our side; the error is logged. Please try again in a minute.")
}

// session finds (or creates, on first sight) the tenant and channel.
func (r *Router) session(ctx context.Context, req bot.Request) (*session, error) {
	name := bot.Truncate(bot.Clean(req.TenantName, true), 200)
	t, err := r.db.EnsureTenant(ctx, req.TenantKind, req.TenantID, name, r.cfg.DefaultPlan)
	if err != nil {
		return nil, err
	}
	now := r.now()
	ch, err := r.db.EnsureChannel(ctx, t.ID, req.ChannelID, bot.Truncate(bot.Clean(req.ChannelName, true), 200), func(ch *store.Channel) {
		if sched, err := bot.ScheduleOf(ch); err == nil {
			ch.NextDigestAt = sched.Next(now)
		}
	})
	if err != nil {
		return nil, err
	}
	plan, ok := r.cfg.PlanFor(t.Plan)
	if !ok { // a plan removed from the configuration: fall back to the default
		plan, _ = r.cfg.PlanFor(r.cfg.DefaultPlan)
	}
	return &session{req: req, tenant: t, channel: ch, plan: plan}, nil
}

// Complete suggests argument values while a command is typed.
func (r *Router) Complete(ctx context.Context, req bot.Request, arg, prefix string, limit int) []bot.Choice {
	if limit <= 0 {
		limit = 25
	}
	if checkInput(prefix) != nil {
		return nil
	}
	name := strings.ToLower(strings.TrimPrefix(firstWord(req.Text), "/"))
	var kind bot.ArgKind
	var choices []string
	for _, spec := range r.specs {
		if spec.Name != name {
			continue
		}
		for _, a := range spec.Args {
			if a.Name == arg {
				kind, choices = a.Kind, a.Choices
			}
		}
	}
	var out []bot.Choice
	switch kind {
	case bot.ArgPlatform:
		for _, p := range r.catalog.Search(prefix) {
			out = append(out, bot.Choice{Name: p.Name, Value: p.Slug})
			if len(out) == limit {
				break
			}
		}
	case bot.ArgCategory:
		for _, cat := range categorySuggestions(prefix, limit) {
			out = append(out, bot.Choice{Name: cat.Name, Value: cat.ID})
		}
	case bot.ArgChoice:
		for _, ch := range choices {
			if strings.HasPrefix(ch, strings.ToLower(prefix)) && len(out) < limit {
				out = append(out, bot.Choice{Name: ch, Value: ch})
			}
		}
	case bot.ArgDocType:
		for _, t := range urlDocTypes {
			if strings.HasPrefix(strings.ToLower(t), strings.ToLower(prefix)) && len(out) < limit {
				out = append(out, bot.Choice{Name: t, Value: t})
			}
		}
	}
	return out
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

func ephemeral(text string) []bot.Message {
	return []bot.Message{{Kind: bot.KindEphemeral, Text: text}}
}

func reply(text string, blocks ...bot.Block) []bot.Message {
	return []bot.Message{{Kind: bot.KindReply, Text: text, Blocks: blocks}}
}

// when formats a time for people: the date, and the time in UTC.
func when(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 MST") } // as bot alerts show instants

// ago says how long ago t was, roughly.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}
