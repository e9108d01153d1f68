package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/policybot/policybot/bot"
)

// runSocket receives commands, clicks and mentions over Socket Mode until
// ctx ends. Each envelope is acknowledged before any work starts, so Slack
// always hears back within its three seconds.
func (a *Adapter) runSocket(ctx context.Context, h bot.Handler) error {
	sm := socketmode.New(a.api, socketmode.OptionLog(logWriter(a.log)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	a.conn.Trying(a.opts.Now())
	go func() { errc <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return nil
			}
			err = fmt.Errorf("slack: socket mode: %w", err)
			a.conn.SetDown(a.opts.Now(), err)
			return err
		case evt := <-sm.Events:
			a.socketEvent(ctx, sm, evt)
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	ack := func() {
		if evt.Request == nil {
			return
		}
		if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, nil); err != nil {
			a.log.Warn("slack: could not acknowledge an envelope", slog.Any("err", err))
		}
	}
	// socketmode reports no event when a connection drops: its next
	// Connecting is the first sign, so that is when the link goes down.
	now := a.opts.Now()
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.conn.SetDown(now, nil)
		a.log.Debug("slack: connecting to Socket Mode")
	case socketmode.EventTypeConnected:
		a.conn.SetUp(now)
		a.log.Info("slack: connected over Socket Mode")
	case socketmode.EventTypeConnectionError:
		var err error = errors.New("connection failed")
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok && ce.ErrorObj != nil {
			err = ce.ErrorObj
		}
		a.conn.SetDown(now, err)
		a.log.Warn("slack: Socket Mode connection failed; retrying", slog.Any("err", err))
	case socketmode.EventTypeDisconnect:
		a.conn.SetDown(now, errors.New("Slack asked the app to reconnect"))
	case socketmode.EventTypeInvalidAuth:
		a.conn.SetDown(now, errors.New("Slack refused the app token (SLACK_APP_TOKEN)"))
		a.log.Error("slack: Slack refused the app token (SLACK_APP_TOKEN); check it has the connections:write scope")
	case socketmode.EventTypeSlashCommand:
		ack()
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			return
		}
		a.goCommand(cmd)
	case socketmode.EventTypeInteractive:
		ack()
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			return
		}
		a.goInteraction(cb)
	case socketmode.EventTypeEventsAPI:
		ack()
		var env eventEnvelope
		if evt.Request != nil && json.Unmarshal(evt.Request.Payload, &env) == nil {
			a.goEvent(env)
		}
	case socketmode.EventTypeErrorBadMessage, socketmode.EventTypeIncomingError:
		a.log.Warn("slack: unreadable Socket Mode message", slog.String("type", string(evt.Type)))
	}
}
