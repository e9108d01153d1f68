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
	go func() { errc <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", err)
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
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug("slack: connecting to Socket Mode")
	case socketmode.EventTypeConnected:
		a.log.Info("slack: connected over Socket Mode")
	case socketmode.EventTypeConnectionError:
		a.log.Warn("slack: Socket Mode connection failed; retrying", slog.Any("err", evt.Data))
	case socketmode.EventTypeInvalidAuth:
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
