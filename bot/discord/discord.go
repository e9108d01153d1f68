// Package discord is the Discord chat adapter: slash commands registered from
// the bot's command specs (with autocomplete for platforms and categories),
// answered over the gateway or a verified HTTP interactions endpoint; alerts
// as embeds with buttons, their details in a thread started from the alert
// (or a forum post per change); Discord's limits, rate limits and refusals
// turned into what the outbox understands.
package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/store"
)

// Options configure the adapter.
type Options struct {
	// Token is the bot token (with or without the "Bot " prefix).
	Token string
	// AppID is the application id commands are registered under.
	AppID string
	// PublicKey is the application's hex Ed25519 key. When set, interactions
	// arrive over HTTP at /discord/interactions (see Routes) instead of the
	// gateway.
	PublicKey string
	// APIURL, when set, sends every REST call (and the gateway lookup) to
	// this base instead of discord.com: a local stand-in in tests.
	APIURL string
	// GuildID registers the commands in one guild, where they appear at
	// once, instead of globally.
	GuildID string
	// RequireManageChannels limits commands that change a channel's
	// subscriptions or settings to members with Manage Channels.
	RequireManageChannels bool
	Logger                *slog.Logger
	// HTTPClient makes the REST calls; nil means a client with a 20 s timeout.
	HTTPClient *http.Client
	// DeferAfter is how long a command may run before its answer is
	// deferred (Discord's window is 3 s); 0 means 2 s.
	DeferAfter time.Duration
	// MaxRateLimitWait is the longest 429 the adapter waits out itself
	// before handing the delivery back to the outbox; 0 means 5 s.
	MaxRateLimitWait time.Duration
	// Now is the clock for signature timestamps; nil means time.Now.
	Now func() time.Time
}

// Adapter is the Discord chat. It is safe for concurrent use.
type Adapter struct {
	opts      Options
	s         *discordgo.Session
	log       *slog.Logger
	publicKey ed25519.PublicKey

	handler atomic.Pointer[handlerBox]
	// runCtx is Run's context: commands that arrive over HTTP outlive
	// their request (deferred answers) but not the adapter.
	runCtx atomic.Pointer[context.Context]

	mu sync.Mutex
	// threads holds parents whose thread exists (started by us, or posted
	// into); parents holds the titles of parents we posted and whose thread
	// is not started yet. Both are only shortcuts, for the most recent
	// parents: after a restart (or once forgotten) the adapter finds a
	// thread again because a thread started from a message has the
	// message's id.
	threads  *recent[bool]
	parents  *recent[string]
	channels map[string]discordgo.ChannelType

	// conn is the gateway session (or, in HTTP mode, the command
	// registration) as last seen, for Health.
	conn bot.Connection
}

type handlerBox struct{ h bot.Handler }

// Name is the tenant kind the adapter serves.
func (a *Adapter) Name() string { return store.TenantDiscord }

// New returns an adapter; it connects nothing until Run.
func New(opts Options) (*Adapter, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DeferAfter <= 0 {
		opts.DeferAfter = 2 * time.Second
	}
	if opts.MaxRateLimitWait <= 0 {
		opts.MaxRateLimitWait = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &Adapter{opts: opts, log: opts.Logger, threads: newRecent[bool](maxRemembered), parents: newRecent[string](maxRemembered),
		channels: map[string]discordgo.ChannelType{}}
	if opts.PublicKey != "" {
		k, err := hex.DecodeString(opts.PublicKey)
		if err != nil || len(k) != ed25519.PublicKeySize {
			return nil, errors.New("discord: the public key must be 64 hex characters (the application's Public Key)")
		}
		a.publicKey = k
	}
	token := strings.TrimSpace(opts.Token)
	if token != "" && !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	if token == "" {
		s.Token, s.Identify.Token = "", ""
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	if opts.APIURL != "" {
		base, err := url.Parse(strings.TrimRight(opts.APIURL, "/"))
		if err != nil || base.Host == "" {
			return nil, fmt.Errorf("discord: API URL %q is not an absolute URL", opts.APIURL)
		}
		c := *client
		next := c.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		c.Transport = rewrite{base: base, next: next}
		client = &c
	}
	s.Client = client
	// The outbox decides about long waits: see request.
	s.ShouldRetryOnRateLimit = false
	// Handlers run in the order discordgo sees events, so Health cannot
	// take a Disconnect for the latest news after the reconnection that
	// followed it; the interaction handler starts its own goroutine.
	s.SyncEvents = true
	s.LogLevel = discordgo.LogWarning
	// Interactions are always delivered; Guilds gives names and channels.
	s.Identify.Intents = discordgo.IntentsGuilds
	a.s = s
	return a, nil
}

// rewrite sends every request to base, keeping the path: discordgo computes
// its endpoint URLs once at start-up, so a different API base is reached
// through the transport.
type rewrite struct {
	base *url.URL
	next http.RoundTripper
}

func (t rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme = t.base.Scheme
	r2.URL.Host = t.base.Host
	r2.URL.Path = t.base.Path + r.URL.Path
	r2.URL.RawPath = ""
	r2.Host = t.base.Host
	return t.next.RoundTrip(r2)
}

// Run registers the commands and answers interactions until ctx ends: over
// the gateway, or, when a public key is set, through the HTTP endpoint that
// Routes mounts.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	a.handler.Store(&handlerBox{h})
	a.runCtx.Store(&ctx)
	a.conn.Trying(a.opts.Now())
	defer a.conn.SetStopped()
	if !a.gateway() {
		a.registerForHTTP(ctx, h.Specs())
		<-ctx.Done()
		return nil
	}
	if a.opts.AppID != "" {
		if err := a.registerWithRetry(ctx, h.Specs()); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// Commands registered by an earlier start still work.
			a.log.Error("discord: commands not registered; the ones registered before stay", slog.Any("err", err))
		}
	}
	remove := a.s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
		// Handlers run on the gateway's reader (see New): answer elsewhere.
		go a.interact(ctx, ic.Interaction, a.gatewayResponder(ctx, ic.Interaction))
	})
	defer remove()
	unwatch := a.watchSession()
	// discordgo reconnects by itself once connected; the first connection
	// is retried here, so a network blip at start does not silence the bot.
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		err := a.s.Open()
		if err == nil {
			break
		}
		a.conn.SetDown(a.opts.Now(), err)
		a.log.Warn("discord: cannot connect to the gateway, retrying", slog.Any("err", err), slog.Duration("in", wait))
		if !sleep(ctx, wait) {
			unwatch()
			return nil
		}
	}
	a.log.Info("discord: connected to the gateway")
	<-ctx.Done()
	// The Disconnect our own Close causes is not a lost connection.
	unwatch()
	if err := a.s.Close(); err != nil {
		return fmt.Errorf("discord: close the gateway: %w", err)
	}
	return nil
}

// registerForHTTP registers the commands for HTTP interactions, where a
// registration is all Health can know of Discord: until it succeeds,
// /healthz fails. A failure a retry may fix is retried, more slowly, for as
// long as the bot runs, so a blip at start does not leave it failing; a
// refusal (a wrong token) is final until the next start.
func (a *Adapter) registerForHTTP(ctx context.Context, specs []bot.CommandSpec) {
	if a.opts.Token == "" || a.opts.AppID == "" {
		// Nothing to register with: the commands registered before answer.
		a.conn.SetUp(a.opts.Now())
		return
	}
	for wait := time.Minute; ; wait = min(2*wait, 30*time.Minute) {
		err := a.registerWithRetry(ctx, specs)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			a.conn.SetUp(a.opts.Now())
			return
		}
		a.log.Error("discord: commands not registered; the ones registered before stay", slog.Any("err", err))
		if reason, permanent := bot.IsPermanent(err); permanent {
			a.conn.SetRefused(a.opts.Now(), errors.New(reason))
			return
		}
		a.conn.SetDown(a.opts.Now(), err)
		if !sleep(ctx, wait) {
			return
		}
	}
}

func (a *Adapter) registerWithRetry(ctx context.Context, specs []bot.CommandSpec) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = a.Register(ctx, specs); err == nil {
			return nil
		}
		if _, permanent := bot.IsPermanent(err); permanent {
			return err
		}
		wait := time.Duration(attempt+1) * time.Second
		if ra, ok := bot.RetryAfter(err); ok {
			wait = ra
		}
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
	return err
}

// request makes one REST call. A 429 shorter than MaxRateLimitWait is waited
// out here (discordgo's buckets then hold back the calls that follow); a
// longer one, or a third in a row, becomes a *bot.RateLimitError for the
// outbox. Discord's refusals become *bot.PermanentError.
func (a *Adapter) request(ctx context.Context, method, endpoint string, body any, bucket string) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		out, err := a.s.RequestWithBucketID(method, endpoint, body, bucket,
			discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
		var rl *discordgo.RateLimitError
		if errors.As(err, &rl) {
			wait := rl.RetryAfter
			if wait <= 0 {
				wait = time.Second
			}
			if wait > a.opts.MaxRateLimitWait || attempt >= 3 {
				return nil, &bot.RateLimitError{RetryAfter: wait, Err: fmt.Errorf("discord: %s %s: %w", method, path(endpoint), err)}
			}
			a.log.Info("discord: rate limited, waiting", slog.String("endpoint", path(endpoint)), slog.Duration("retry_after", wait))
			if !sleep(ctx, wait) {
				return nil, ctx.Err()
			}
			continue
		}
		if err != nil {
			return nil, classify(fmt.Errorf("discord: %s %s: %w", method, path(endpoint), err))
		}
		return out, nil
	}
}

// path is an endpoint without the interaction token, for errors and logs.
func path(endpoint string) string {
	p := strings.TrimPrefix(endpoint, discordgo.EndpointAPI)
	if i := strings.Index(p, "interactions/"); i >= 0 {
		return p[:i] + "interactions/…"
	}
	if i := strings.Index(p, "webhooks/"); i >= 0 {
		return p[:i] + "webhooks/…"
	}
	return p
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Discord's JSON error codes that retrying cannot fix.
const (
	codeUnknownChannel     = 10003
	codeUnknownMessage     = 10008
	codeMissingAccess      = 50001
	codeMissingPermissions = 50013
	codeArchivedThread     = 50083
	codeThreadExists       = 160004
	codeThreadLocked       = 160005
)

// classify turns Discord's refusals into *bot.PermanentError with a reason a
// channel admin can act on (it is shown by /list); anything else is left for
// the outbox to retry.
func classify(err error) error {
	var rest *discordgo.RESTError
	if !errors.As(err, &rest) || rest.Response == nil {
		return err
	}
	code := 0
	if rest.Message != nil {
		code = rest.Message.Code
	}
	reason := ""
	switch {
	case code == codeMissingAccess:
		reason = "Discord says Missing Access: the bot cannot see this channel; add it to the channel (View Channel)"
	case code == codeMissingPermissions:
		reason = "Discord says Missing Permissions: give the bot Send Messages, Embed Links, Create Public Threads and Send Messages in Threads here"
	case code == codeUnknownChannel:
		reason = "Discord says Unknown Channel: the channel or thread was deleted"
	case code == codeUnknownMessage:
		reason = "Discord says Unknown Message: the alert was deleted, so its thread cannot be used"
	case code == codeArchivedThread, code == codeThreadLocked:
		reason = "Discord says the thread is archived or locked: unlock it, or alerts go on in new threads"
	case rest.Response.StatusCode == http.StatusUnauthorized:
		reason = "Discord refused the bot token: set DISCORD_BOT_TOKEN to the application's current token"
	case rest.Response.StatusCode == http.StatusForbidden:
		reason = "Discord refused the post (403): check the bot's permissions in this channel"
	}
	if reason == "" {
		return err
	}
	return &bot.PermanentError{Reason: reason, Err: err}
}

// restCode returns Discord's JSON error code in err, if any.
func restCode(err error) int {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Message != nil {
		return rest.Message.Code
	}
	return 0
}
