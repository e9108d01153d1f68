package discord

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/policybot/policybot/bot"
)

// run answers a command (typed, or a button's). Discord wants an answer
// within 3 s: a command that takes longer (a first capture, a check) is
// deferred — Discord shows "thinking…" — and its answer replaces that
// message when it is ready.
func (a *Adapter) run(ctx context.Context, h bot.Handler, i *discordgo.Interaction, spec *bot.CommandSpec, line string, respond responder) {
	log := a.log.With(slog.String("interaction", i.ID), slog.String("command", commandName(line)))
	req := a.botRequest(i, line)
	if why := a.refusal(req, spec, line); why != "" {
		if err := respond(reply(why)); err != nil {
			log.Warn("discord: refusal not sent", slog.Any("err", err))
		}
		return
	}
	hctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	done := make(chan []bot.Message, 1)
	go func() { done <- h.Handle(hctx, req) }()

	timer := time.NewTimer(a.opts.DeferAfter)
	defer timer.Stop()
	select {
	case msgs := <-done:
		if len(msgs) == 0 {
			msgs = []bot.Message{{Kind: bot.KindEphemeral, Text: "Done."}}
		}
		first := response{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: interactionBody(msgs[0])}
		if err := respond(first); err != nil {
			log.Warn("discord: answer not sent", slog.Any("err", err))
			return
		}
		for _, m := range msgs[1:] {
			if err := a.followUp(ctx, i, m); err != nil {
				log.Warn("discord: follow-up not sent", slog.Any("err", err))
			}
		}
	case <-timer.C:
		// Commands that change the channel are announced in it; the rest
		// are answered privately, so the wait is shown the same way.
		private := spec == nil || !spec.ChangesChannel
		var flags discordgo.MessageFlags
		if private {
			flags = discordgo.MessageFlagsEphemeral
		}
		deferred := response{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: body{AllowedMentions: noMentions(), Flags: flags}}
		if err := respond(deferred); err != nil {
			log.Warn("discord: deferral not sent", slog.Any("err", err))
			return
		}
		msgs := <-done
		if err := a.finishDeferred(ctx, i, msgs, private); err != nil {
			log.Warn("discord: deferred answer not sent", slog.Any("err", err))
		}
	}
}

// finishDeferred puts the answer where "thinking…" was. The deferred
// message is private or public; an answer of the other kind goes in a
// follow-up and the placeholder is removed.
func (a *Adapter) finishDeferred(ctx context.Context, i *discordgo.Interaction, msgs []bot.Message, private bool) error {
	if len(msgs) == 0 {
		msgs = []bot.Message{{Kind: bot.KindEphemeral, Text: "Done."}}
	}
	used := false
	for _, m := range msgs {
		if !used && (m.Kind == bot.KindEphemeral) == private {
			b := render(m)
			endpoint := discordgo.EndpointInteractionResponseActions(i.AppID, i.Token)
			if _, err := a.request(ctx, "PATCH", endpoint, b, endpoint); err != nil {
				return err
			}
			used = true
			continue
		}
		if err := a.followUp(ctx, i, m); err != nil {
			return err
		}
	}
	if !used {
		endpoint := discordgo.EndpointInteractionResponseActions(i.AppID, i.Token)
		if _, err := a.request(ctx, "DELETE", endpoint, nil, endpoint); err != nil {
			return err
		}
	}
	return nil
}

// followUp sends one more message in answer to an interaction.
func (a *Adapter) followUp(ctx context.Context, i *discordgo.Interaction, m bot.Message) error {
	endpoint := discordgo.EndpointFollowupMessage(i.AppID, i.Token)
	_, err := a.request(ctx, "POST", endpoint+"?wait=true", interactionBody(m), endpoint)
	return err
}

// refusal says why a member may not run a command here, or "". Commands
// that change what a channel tracks need Manage Channels when so
// configured; everything else is the Handler's to decide.
func (a *Adapter) refusal(req bot.Request, spec *bot.CommandSpec, line string) string {
	if req.IsAdmin || !a.opts.RequireManageChannels {
		return ""
	}
	if spec == nil {
		// A button naming a command we cannot look up: treat it as
		// changing the channel rather than guess.
		return "Only members who can manage this channel can use that button."
	}
	if !spec.ChangesChannel {
		return ""
	}
	if f := strings.Fields(line); spec.Name == "digest" && len(f) > 1 && strings.EqualFold(f[1], "now") {
		return "" // shows the digest to the asker; changes nothing
	}
	return "Changing what this channel tracks needs the Manage Channels permission; ask someone who has it. /list shows what it tracks now."
}

// autocomplete suggests values for the option being typed, best first, in
// time for Discord's 3 s: a slow answer is dropped for an empty list.
func (a *Adapter) autocomplete(ctx context.Context, h bot.Handler, i *discordgo.Interaction) response {
	data := i.ApplicationCommandData()
	out := choices{Choices: []*discordgo.ApplicationCommandOptionChoice{}}
	resp := response{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: &out}
	focused := focusedOption(data.Options)
	if focused == nil {
		return resp
	}
	req := a.botRequest(i, "/"+data.Name)
	prefix := ""
	if focused.Value != nil {
		if s, ok := focused.Value.(string); ok {
			prefix = s
		}
	}
	cctx, cancel := context.WithTimeout(ctx, completeWithin)
	defer cancel()
	done := make(chan []bot.Choice, 1)
	go func() { done <- h.Complete(cctx, req, argOf(focused.Name), prefix, maxChoices) }()
	select {
	case cs := <-done:
		for _, c := range cs {
			name := bot.Truncate(bot.Clean(c.Name, true), maxChoiceName)
			if name == "" || c.Value == "" || length(c.Value) > maxChoiceName {
				continue
			}
			out.Choices = append(out.Choices, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: c.Value})
			if len(out.Choices) == maxChoices {
				break
			}
		}
	case <-cctx.Done():
		a.log.Warn("discord: autocomplete too slow, answered with no choices", slog.String("command", data.Name))
	}
	return resp
}

func focusedOption(opts []*discordgo.ApplicationCommandInteractionDataOption) *discordgo.ApplicationCommandInteractionDataOption {
	for _, o := range opts {
		if o.Focused {
			return o
		}
		if f := focusedOption(o.Options); f != nil {
			return f
		}
	}
	return nil
}
