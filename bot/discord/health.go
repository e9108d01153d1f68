package discord

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Health reports whether Discord can reach the bot, for /healthz. Over the
// gateway it is nil only while the session is connected (READY or RESUMED
// received, no disconnect since); with HTTP interactions, once the slash
// commands are registered. It makes no call to Discord: it reports what the
// adapter last saw.
func (a *Adapter) Health(context.Context) error {
	s := a.conn.get()
	now := a.opts.Now()
	if a.gateway() {
		return gatewayHealth(s, now)
	}
	return registrationHealth(s, now)
}

// gateway reports whether Run listens on the gateway (else interactions
// come over HTTP, see Routes).
func (a *Adapter) gateway() bool { return a.publicKey == nil && a.opts.Token != "" }

func gatewayHealth(s connState, now time.Time) error {
	switch {
	case s.up:
		return nil
	case s.stopped:
		return errors.New("discord: gateway stopped")
	case s.since.IsZero():
		return errors.New("discord: gateway not started")
	case !s.wasUp && s.err != nil:
		return fmt.Errorf("discord: gateway not connected yet (trying for %s): %w", ago(now, s.since), s.err)
	case !s.wasUp:
		return fmt.Errorf("discord: gateway not connected yet (trying for %s)", ago(now, s.since))
	}
	// discordgo says neither why the session dropped nor why a reconnection
	// failed (it only logs it), so the time is all there is to tell.
	return fmt.Errorf("discord: gateway disconnected %s ago; reconnecting", ago(now, s.since))
}

func registrationHealth(s connState, now time.Time) error {
	switch {
	case s.up:
		return nil
	case s.stopped:
		return errors.New("discord: stopped")
	case s.since.IsZero():
		return errors.New("discord: not started")
	case s.refused:
		return fmt.Errorf("discord: slash commands not registered: %w", s.err)
	case s.err != nil:
		return fmt.Errorf("discord: slash commands not registered yet (trying for %s): %w", ago(now, s.since), s.err)
	}
	return errors.New("discord: registering the slash commands")
}

// connection is what the adapter last saw of the gateway session, or of the
// command registration in HTTP mode. discordgo's event handlers and Run
// write it; Health only reads it.
type connection struct {
	mu sync.Mutex
	s  connState
}

type connState struct {
	up      bool
	wasUp   bool      // connected (registered) at least once
	since   time.Time // when it last went up or down (or the first try)
	err     error     // the latest failure since it was last up
	refused bool      // Discord refused: no retry will help
	stopped bool      // Run has returned
}

func (c *connection) get() connState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s
}

// trying records the first attempt; later ones change nothing.
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

// setDown records that the session is not up, and why when err is not nil.
// The time it went down is kept across the failed attempts that follow.
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

// watchSession follows the gateway session through discordgo's events until
// the returned function removes the handlers. The session runs handlers
// synchronously (see New), so a Disconnect cannot be seen after the READY
// or RESUMED of the reconnection that follows it.
func (a *Adapter) watchSession() (remove func()) {
	up := func() { a.conn.setUp(a.opts.Now()) }
	removers := []func(){
		a.s.AddHandler(func(*discordgo.Session, *discordgo.Ready) { up() }),
		a.s.AddHandler(func(*discordgo.Session, *discordgo.Resumed) { up() }),
		a.s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
			a.conn.setDown(a.opts.Now(), nil)
			a.log.Warn("discord: disconnected from the gateway; reconnecting")
		}),
	}
	return func() {
		for _, r := range removers {
			r()
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
