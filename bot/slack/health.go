package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/policybot/policybot/bot"
)

// Health reports whether Slack can reach the bot, for /healthz. In Socket
// Mode it is nil only while the websocket is connected; in HTTP mode, once
// Slack has accepted the bot token (auth.test, asked once when Run starts).
// It makes no call to Slack: it reports what the adapter last saw.
func (a *Adapter) Health(context.Context) error {
	s := a.conn.Get()
	now := a.opts.Now()
	if a.SocketMode() {
		return socketHealth(s, now)
	}
	return tokenHealth(s, now)
}

func socketHealth(s bot.ConnState, now time.Time) error {
	switch {
	case s.Up:
		return nil
	case s.Stopped:
		return errors.New("slack: socket mode stopped")
	case s.Since.IsZero():
		return errors.New("slack: socket mode not started")
	case !s.WasUp && s.Err != nil:
		return fmt.Errorf("slack: socket mode not connected yet (trying for %s): %w", bot.Ago(now, s.Since), s.Err)
	case !s.WasUp:
		return fmt.Errorf("slack: socket mode not connected yet (trying for %s)", bot.Ago(now, s.Since))
	case s.Err != nil:
		return fmt.Errorf("slack: socket mode disconnected %s ago: %w", bot.Ago(now, s.Since), s.Err)
	}
	return fmt.Errorf("slack: socket mode disconnected %s ago; reconnecting", bot.Ago(now, s.Since))
}

func tokenHealth(s bot.ConnState, now time.Time) error {
	switch {
	case s.Up:
		return nil
	case s.Stopped:
		return errors.New("slack: stopped")
	case s.Since.IsZero():
		return errors.New("slack: not started")
	case s.Refused:
		return fmt.Errorf("slack: bot token refused: %w", s.Err)
	case s.Err != nil:
		return fmt.Errorf("slack: bot token not checked yet (trying for %s): %w", bot.Ago(now, s.Since), s.Err)
	}
	return errors.New("slack: checking the bot token with Slack (auth.test)")
}

// checkToken asks Slack once whether it accepts the bot token (auth.test),
// so that /healthz can say so when it does not (a revoked token, an app
// uninstalled) without calling Slack itself. A failure that retrying may fix
// (Slack unreachable, rate limited) is retried with backoff; a refusal is
// final until the next start.
func (a *Adapter) checkToken(ctx context.Context) {
	a.conn.Trying(a.opts.Now())
	for wait := time.Second; ; wait = min(2*wait, 5*time.Minute) {
		resp, err := a.api.AuthTestContext(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			a.conn.SetUp(a.opts.Now())
			a.log.Info("slack: Slack accepts the bot token", slog.String("team", resp.Team), slog.String("bot_user", resp.User))
			return
		}
		err = classify("slack: auth.test", err)
		if reason, permanent := bot.IsPermanent(err); permanent {
			a.conn.SetRefused(a.opts.Now(), errors.New(reason))
			a.log.Error("slack: Slack refuses the bot token (SLACK_BOT_TOKEN); alerts cannot be posted", slog.String("reason", reason))
			return
		}
		if ra, ok := bot.RetryAfter(err); ok {
			wait = max(wait, ra)
		}
		a.conn.SetDown(a.opts.Now(), err)
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
