package discord

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/policybot/policybot/bot"
)

// Health reports whether Discord can reach the bot, for /healthz. Over the
// gateway it is nil only while the session is connected (READY or RESUMED
// received, no disconnect since); with HTTP interactions, once the slash
// commands are registered. It makes no call to Discord: it reports what the
// adapter last saw.
func (a *Adapter) Health(context.Context) error {
	s := a.conn.Get()
	now := a.opts.Now()
	if a.gateway() {
		return gatewayHealth(s, now)
	}
	return registrationHealth(s, now)
}

// gateway reports whether Run listens on the gateway (else interactions
// come over HTTP, see Routes).
func (a *Adapter) gateway() bool { return a.publicKey == nil && a.opts.Token != "" }

func gatewayHealth(s bot.ConnState, now time.Time) error {
	switch {
	case s.Up:
		return nil
	case s.Stopped:
		return errors.New("discord: gateway stopped")
	case s.Since.IsZero():
		return errors.New("discord: gateway not started")
	case !s.WasUp && s.Err != nil:
		return fmt.Errorf("discord: gateway not connected yet (trying for %s): %w", bot.Ago(now, s.Since), s.Err)
	case !s.WasUp:
		return fmt.Errorf("discord: gateway not connected yet (trying for %s)", bot.Ago(now, s.Since))
	}
	// discordgo says neither why the session dropped nor why a reconnection
	// failed (it only logs it), so the time is all there is to tell.
	return fmt.Errorf("discord: gateway disconnected %s ago; reconnecting", bot.Ago(now, s.Since))
}

func registrationHealth(s bot.ConnState, now time.Time) error {
	switch {
	case s.Up:
		return nil
	case s.Stopped:
		return errors.New("discord: stopped")
	case s.Since.IsZero():
		return errors.New("discord: not started")
	case s.Refused:
		return fmt.Errorf("discord: slash commands not registered: %w", s.Err)
	case s.Err != nil:
		return fmt.Errorf("discord: slash commands not registered yet (trying for %s): %w", bot.Ago(now, s.Since), s.Err)
	}
	return errors.New("discord: registering the slash commands")
}

// watchSession follows the gateway session through discordgo's events until
// the returned function removes the handlers. The session runs handlers
// synchronously (see New), so a Disconnect cannot be seen after the READY
// or RESUMED of the reconnection that follows it.
func (a *Adapter) watchSession() (remove func()) {
	up := func() { a.conn.SetUp(a.opts.Now()) }
	removers := []func(){
		a.s.AddHandler(func(*discordgo.Session, *discordgo.Ready) { up() }),
		a.s.AddHandler(func(*discordgo.Session, *discordgo.Resumed) { up() }),
		a.s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
			a.conn.SetDown(a.opts.Now(), nil)
			a.log.Warn("discord: disconnected from the gateway; reconnecting")
		}),
	}
	return func() {
		for _, r := range removers {
			r()
		}
	}
}
