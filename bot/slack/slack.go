// Package slack is policybot's Slack app: it receives slash commands, button
// clicks and mentions over Socket Mode or over HTTP (signed requests), hands
// them to the bot's Handler, answers through Slack's response_url, and posts
// the outbox's alerts as Block Kit messages with their details in a thread.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/store"
)

// MetadataEventType marks the messages this app posts, with the delivery's
// idempotency key in the payload, so that FindPosted can tell whether a
// message went out before a crash.
const MetadataEventType = "policybot_delivery"

// Options configure the adapter. BotToken is required, and one of AppToken
// (Socket Mode) or SigningSecret (HTTP mode).
type Options struct {
	BotToken string
	// AppToken (xapp-...) selects Socket Mode: no public URL needed.
	AppToken string
	// SigningSecret verifies HTTP requests (HTTP mode, when AppToken is empty).
	SigningSecret string
	// APIURL replaces https://slack.com/api/ (tests, proxies). Answers are
	// posted only to Slack's own hosts or to this one.
	APIURL string
	// HTTPClient makes the API calls and response_url posts; nil means one
	// with a 30-second timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Pace is the least time between two posts to one channel (Slack allows
	// about one message a second per channel); 0 means one second.
	Pace time.Duration
	// CommandTimeout bounds the work of one command or click; 0 means two minutes.
	CommandTimeout time.Duration
	// AdminTTL is how long a users.info answer (admin or not) is trusted; 0 means five minutes.
	AdminTTL time.Duration
	// MaxBody caps an HTTP request body; 0 means 1 MiB.
	MaxBody int64
	// MaxConcurrent bounds commands being worked on at once; 0 means 32.
	MaxConcurrent int
	Now           func() time.Time
}

// Adapter is the Slack side of the bot. It implements bot.Adapter and
// bot.Finder; its Routes serve HTTP mode.
type Adapter struct {
	api  *slack.Client
	opts Options
	log  *slog.Logger
	http *http.Client

	pace    *pacer
	admins  *adminCache
	events  *seenSet // Events API event ids already handled
	replays *seenSet // request signatures already accepted
	slots   chan struct{}
	// conn is the connection (Socket Mode) or the token check (HTTP mode)
	// as last seen, for Health.
	conn bot.Connection

	// handler and base are set by Run: HTTP requests that arrive before
	// it are answered 503, and work in flight ends with base.
	handler atomic.Pointer[handlerRef]
	baseMu  sync.Mutex
	base    context.Context
	work    sync.WaitGroup
}

type handlerRef struct{ h bot.Handler }

// New returns an adapter for one Slack workspace installation.
func New(opts Options) (*Adapter, error) {
	if opts.BotToken == "" {
		return nil, errors.New("slack: a bot token (SLACK_BOT_TOKEN, xoxb-...) is required")
	}
	if opts.AppToken == "" && opts.SigningSecret == "" {
		return nil, errors.New("slack: set SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode; without either no command can reach the bot")
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Pace <= 0 {
		opts.Pace = time.Second
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 2 * time.Minute
	}
	if opts.AdminTTL <= 0 {
		opts.AdminTTL = 5 * time.Minute
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 1 << 20
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 32
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.APIURL != "" {
		u, err := url.Parse(opts.APIURL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("slack: API URL %q is not an absolute URL", opts.APIURL)
		}
		if !strings.HasSuffix(opts.APIURL, "/") {
			opts.APIURL += "/"
		}
	}
	clientOpts := []slack.Option{
		slack.OptionHTTPClient(opts.HTTPClient),
		// slack-go's own logger only speaks in debug mode; route it to ours anyway.
		slack.OptionLog(slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug)),
	}
	if opts.APIURL != "" {
		clientOpts = append(clientOpts, slack.OptionAPIURL(opts.APIURL))
	}
	if opts.AppToken != "" {
		clientOpts = append(clientOpts, slack.OptionAppLevelToken(opts.AppToken))
	}
	// No slack.OptionRetry: a 429 goes back to the outbox, which retries
	// after Slack's hint without holding a worker asleep.
	a := &Adapter{
		api:     slack.New(opts.BotToken, clientOpts...),
		opts:    opts,
		log:     opts.Logger,
		http:    opts.HTTPClient,
		pace:    newPacer(opts.Pace),
		events:  newSeenSet(time.Hour, 10000),
		replays: newSeenSet(replayWindow, 100000),
		slots:   make(chan struct{}, opts.MaxConcurrent),
	}
	a.admins = &adminCache{ttl: opts.AdminTTL, now: opts.Now, lookup: a.lookupAdmin, entries: map[string]adminEntry{}}
	return a, nil
}

// Name is the tenant kind this adapter serves.
func (a *Adapter) Name() string { return store.TenantSlack }

// SocketMode reports whether Run connects over Socket Mode (else it serves Routes).
func (a *Adapter) SocketMode() bool { return a.opts.AppToken != "" }

// Run answers commands until ctx ends: over Socket Mode when an app token is
// set, otherwise through the HTTP routes (which answer 503 until Run starts).
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	a.baseMu.Lock()
	a.base = ctx
	a.baseMu.Unlock()
	a.handler.Store(&handlerRef{h})
	defer a.handler.Store(nil)
	defer a.conn.SetStopped()
	var err error
	if a.SocketMode() {
		err = a.runSocket(ctx, h)
	} else {
		a.log.Info("slack: HTTP mode, answering on /slack/commands, /slack/interactivity and /slack/events")
		a.checkToken(ctx)
		<-ctx.Done()
	}
	a.waitWork(10 * time.Second)
	return err
}

// waitWork lets answers in flight finish, within d.
func (a *Adapter) waitWork(d time.Duration) {
	done := make(chan struct{})
	go func() { a.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		a.log.Warn("slack: some answers were still being worked on at shutdown")
	}
}

func (a *Adapter) baseContext() context.Context {
	a.baseMu.Lock()
	defer a.baseMu.Unlock()
	if a.base == nil {
		return context.Background()
	}
	return a.base
}

// Post sends one message: a thread reply when to.Thread is set, broadcast to
// the channel too when msg.Broadcast is. The message carries its idempotency
// key in Slack message metadata, for FindPosted.
func (a *Adapter) Post(ctx context.Context, to bot.Target, msg bot.Message) (string, error) {
	if to.Channel == "" {
		return "", &bot.PermanentError{Reason: "no Slack channel id", Err: errors.New("slack: empty channel")}
	}
	if err := a.pace.Wait(ctx, to.Channel); err != nil {
		return "", err
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(FallbackText(msg), false),
		slack.MsgOptionBlocks(Render(msg)...),
		// parse=none and no link names: nothing in the text becomes a mention.
		slack.MsgOptionParse(false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if to.Thread != "" {
		opts = append(opts, slack.MsgOptionTS(to.Thread))
		if msg.Broadcast {
			opts = append(opts, slack.MsgOptionBroadcast())
		}
	}
	if to.IdempotencyKey != "" {
		opts = append(opts, slack.MsgOptionMetadata(slack.SlackMetadata{
			EventType:    MetadataEventType,
			EventPayload: map[string]any{"key": to.IdempotencyKey},
		}))
	}
	_, ts, err := a.api.PostMessageContext(ctx, to.Channel, opts...)
	if err != nil {
		return "", classify(fmt.Sprintf("slack: post to %s", to.Channel), err)
	}
	return ts, nil
}

// FindPosted looks for a message carrying to.IdempotencyKey among the
// channel's recent messages (or the thread's replies), so that a delivery
// interrupted between posting and recording is not posted twice.
func (a *Adapter) FindPosted(ctx context.Context, to bot.Target) (string, bool, error) {
	if to.IdempotencyKey == "" || to.Channel == "" {
		return "", false, nil
	}
	var msgs []slack.Message
	var err error
	if to.Thread != "" {
		msgs, _, _, err = a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: to.Channel, Timestamp: to.Thread, Limit: 200, IncludeAllMetadata: true,
		})
	} else {
		var resp *slack.GetConversationHistoryResponse
		resp, err = a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: to.Channel, Limit: 100, IncludeAllMetadata: true,
		})
		if resp != nil {
			msgs = resp.Messages
		}
	}
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "missing_scope" {
			// Without the history scopes we cannot look; posting again risks
			// a duplicate, which beats losing the message.
			a.log.Warn("slack: cannot check for an earlier post (add the channels:history and groups:history scopes)",
				slog.String("channel", to.Channel))
			return "", false, nil
		}
		return "", false, classify(fmt.Sprintf("slack: read history of %s", to.Channel), err)
	}
	for _, m := range msgs {
		if m.Metadata.EventType != MetadataEventType {
			continue
		}
		if key, _ := m.Metadata.EventPayload["key"].(string); key == to.IdempotencyKey {
			return m.Timestamp, true, nil
		}
	}
	return "", false, nil
}

// permanent are Slack's errors that no retry can fix, in words for /list.
var permanent = map[string]string{
	"channel_not_found":       "the channel no longer exists, or the app cannot see it (channel_not_found)",
	"not_in_channel":          "the app is not in this channel: invite it with /invite @policybot (not_in_channel)",
	"is_archived":             "the channel is archived (is_archived)",
	"invalid_auth":            "Slack refuses the bot token: reinstall the app (invalid_auth)",
	"not_authed":              "no bot token was sent: set SLACK_BOT_TOKEN (not_authed)",
	"token_revoked":           "the app's token was revoked: reinstall the app (token_revoked)",
	"token_expired":           "the app's token expired: reinstall the app (token_expired)",
	"account_inactive":        "the app's account is inactive: reinstall the app (account_inactive)",
	"team_access_not_granted": "the workspace has not granted the app access (team_access_not_granted)",
	"missing_scope":           "the app lacks a permission: reinstall it from the manifest (missing_scope)",
	"restricted_action":       "the workspace does not let the app post here (restricted_action)",
	"ekm_access_denied":       "the workspace's key management denies access (ekm_access_denied)",
	"invalid_blocks":          "Slack refused the message layout (invalid_blocks)",
	"msg_too_long":            "the message is too long for Slack (msg_too_long)",
	"no_text":                 "the message is empty (no_text)",
}

// classify turns slack-go's errors into the outbox's: a rate limit carries
// Slack's Retry-After; refusals that retrying cannot fix are permanent.
func classify(what string, err error) error {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		after := rl.RetryAfter
		if after <= 0 {
			after = time.Second
		}
		return &bot.RateLimitError{RetryAfter: after, Err: fmt.Errorf("%s: %w", what, err)}
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		// A 429 without Retry-After: wait a little more than Slack's usual minute window.
		return &bot.RateLimitError{RetryAfter: 30 * time.Second, Err: fmt.Errorf("%s: %w", what, err)}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		if se.Err == "ratelimited" {
			return &bot.RateLimitError{RetryAfter: 30 * time.Second, Err: fmt.Errorf("%s: %w", what, err)}
		}
		if reason, ok := permanent[se.Err]; ok {
			return &bot.PermanentError{Reason: reason, Err: fmt.Errorf("%s: %w", what, err)}
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// pacer spaces posts to one channel: Slack allows about one message a second
// per channel and answers bursts with 429s.
type pacer struct {
	every time.Duration
	mu    sync.Mutex
	next  map[string]time.Time
}

func newPacer(every time.Duration) *pacer {
	return &pacer{every: every, next: map[string]time.Time{}}
}

// Wait returns when a post to channel may go, having reserved its slot.
func (p *pacer) Wait(ctx context.Context, channel string) error {
	p.mu.Lock()
	now := time.Now()
	at := p.next[channel]
	if at.Before(now) {
		at = now
	}
	p.next[channel] = at.Add(p.every)
	if len(p.next) > 4096 { // forget channels that have been quiet
		for k, t := range p.next {
			if t.Before(now) {
				delete(p.next, k)
			}
		}
	}
	p.mu.Unlock()
	wait := at.Sub(now)
	if wait <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// adminCache remembers who is a workspace admin or owner for a short while:
// every command and click needs to know, and users.info is rate limited.
type adminCache struct {
	ttl     time.Duration
	now     func() time.Time
	lookup  func(ctx context.Context, user string) (bool, error)
	mu      sync.Mutex
	entries map[string]adminEntry
}

type adminEntry struct {
	admin bool
	until time.Time
}

// IsAdmin reports whether user is an admin or owner of team. When Slack
// cannot say, the answer is no: admin-only commands fail closed.
func (c *adminCache) IsAdmin(ctx context.Context, team, user string) bool {
	key := team + "/" + user
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.admin
	}
	admin, err := c.lookup(ctx, user)
	if err != nil {
		return false
	}
	c.mu.Lock()
	if len(c.entries) > 10000 {
		c.entries = map[string]adminEntry{}
	}
	c.entries[key] = adminEntry{admin: admin, until: now.Add(c.ttl)}
	c.mu.Unlock()
	return admin
}

func (a *Adapter) lookupAdmin(ctx context.Context, user string) (bool, error) {
	u, err := a.api.GetUserInfoContext(ctx, user)
	if err != nil {
		a.log.Warn("slack: cannot tell whether a user is an admin; treating them as a member",
			slog.String("user", user), slog.Any("err", err))
		return false, err
	}
	return (u.IsAdmin || u.IsOwner || u.IsPrimaryOwner) && !u.Deleted, nil
}

// seenSet remembers keys for ttl, at most max of them (the oldest are
// forgotten first): event ids for de-duplication, signatures against replays.
type seenSet struct {
	ttl   time.Duration
	max   int
	mu    sync.Mutex
	at    map[string]time.Time
	order []seenEntry
}

type seenEntry struct {
	key string
	at  time.Time
}

func newSeenSet(ttl time.Duration, max int) *seenSet {
	return &seenSet{ttl: ttl, max: max, at: map[string]time.Time{}}
}

// Seen records key and reports whether it was already there.
func (s *seenSet) Seen(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.order) > 0 {
		e := s.order[0]
		if now.Sub(e.at) < s.ttl && len(s.order) < s.max {
			break
		}
		if s.at[e.key].Equal(e.at) { // not re-recorded since
			delete(s.at, e.key)
		}
		s.order = s.order[1:]
	}
	if t, ok := s.at[key]; ok && now.Sub(t) < s.ttl {
		return true
	}
	s.at[key] = now
	s.order = append(s.order, seenEntry{key, now})
	return false
}

// logWriter adapts slog for libraries that want a *log.Logger.
func logWriter(l *slog.Logger) *log.Logger {
	return slog.NewLogLogger(l.Handler(), slog.LevelDebug)
}
