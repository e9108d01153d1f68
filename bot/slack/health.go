package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/policybot/policybot/bot"
)

// Health reports whether Slack can reach the bot, for /healthz. In Socket
// Mode it is nil only while the websocket is connected; in HTTP mode, once
// Slack has accepted the bot token (auth.test, asked once when Run starts).
// It makes no call to Slack: it reports what the adapter last saw.
func (a *Adapter) Health(context.Context) error {
	s := a.conn.get()
	now := a.opts.Now()
	if a.SocketMode() {
		return socketHealth(s, now)
	}
	return tokenHealth(s, now)
}

func socketHealth(s connState, now time.Time) error {
	switch {
	case s.up:
		return nil
	case s.stopped:
		return errors.New("slack: socket mode stopped")
	case s.since.IsZero():
		return errors.New("slack: socket mode not started")
	case !s.wasUp && s.err != nil:
		return fmt.Errorf("slack: socket mode not connected yet (trying for %s): %w", ago(now, s.since), s.err)
	case !s.wasUp:
		return fmt.Errorf("slack: socket mode not connected yet (trying for %s)", ago(now, s.since))
	case s.err != nil:
		return fmt.Errorf("slack: socket mode disconnected %s ago: %w", ago(now, s.since), s.err)
	}
	return fmt.Errorf("slack: socket mode disconnected %s ago; reconnecting", ago(now, s.since))
}

func tokenHealth(s connState, now time.Time) error {
	switch {
	case s.up:
		return nil
	case s.stopped:
		return errors.New("slack: stopped")
	case s.since.IsZero():
		return errors.New("slack: not started")
	case s.refused:
		return fmt.Errorf("slack: bot token refused: %w", s.err)
	case s.err != nil:
		return fmt.Errorf("slack: bot token not checked yet (trying for %s): %w", ago(now, s.since), s.err)
	}
	return errors.New("slack: checking the bot token with Slack (auth.test)")
}

// connection is what the adapter last saw of its way to Slack. Socket Mode's
// events and the start-up token check write it; Health only reads it.
type connection struct {
	mu sync.Mutex
	s  connState
}

type connState struct {
	up      bool
	wasUp   bool      // connected at least once (else still starting)
	since   time.Time // when it last went up or down (or the first try)
	err     error     // the latest failure since it was last up
	refused bool      // Slack refused the token: no retry will help
	stopped bool      // Run has returned
}

func (c *connection) get() connState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s
}

// trying records the first attempt to connect; later ones change nothing.
func (c *connection) trying(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s.since.IsZero() {
		c.s.since = now
	}
}

func (c *connection) setUp(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s = connState{up: true, wasUp: true, since: now}
}

// setDown records that the connection is not up, and why when err is not
// nil. The time it went down is kept across the failed attempts that follow.
func (c *connection) setDown(now time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s.up || c.s.since.IsZero() {
		c.s.since = now
	}
	c.s.up = false
	if err != nil {
		c.s.err = err
	}
}

func (c *connection) setRefused(now time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s = connState{wasUp: c.s.wasUp, since: now, err: err, refused: true}
}

func (c *connection) setStopped() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.up, c.s.stopped = false, true
}

// checkToken asks Slack once whether it accepts the bot token (auth.test),
// so that /healthz can say so when it does not (a revoked token, an app
// uninstalled) without calling Slack itself. A failure that retrying may fix
// (Slack unreachable, rate limited) is retried with backoff; a refusal is
// final until the next start.
func (a *Adapter) checkToken(ctx context.Context) {
	a.conn.trying(a.opts.Now())
	for wait := time.Second; ; wait = min(2*wait, 5*time.Minute) {
		resp, err := a.api.AuthTestContext(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			a.conn.setUp(a.opts.Now())
			a.log.Info("slack: Slack accepts the bot token", slog.String("team", resp.Team), slog.String("bot_user", resp.User))
			return
		}
		err = classify("slack: auth.test", err)
		if reason, permanent := bot.IsPermanent(err); permanent {
			a.conn.setRefused(a.opts.Now(), errors.New(reason))
			a.log.Error("slack: Slack refuses the bot token (SLACK_BOT_TOKEN); alerts cannot be posted", slog.String("reason", reason))
			return
		}
		if ra, ok := bot.RetryAfter(err); ok {
			wait = max(wait, ra)
		}
		a.conn.setDown(a.opts.Now(), err)
		a.log.Warn("slack: cannot check the bot token; retrying", slog.Any("err", err), slog.Duration("in", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// ago says how long ago t was, to the unit an operator cares about.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(1, int(d/time.Second)))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}
