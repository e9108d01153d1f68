package discord

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/store"
)

const (
	// answerTimeout bounds a command that was deferred: Discord's
	// interaction token, which the follow-up needs, lasts 15 minutes.
	answerTimeout = 10 * time.Minute
	// completeWithin leaves room in Discord's 3 s for the answer to travel.
	completeWithin = 2 * time.Second
)

// response is an interaction response; Data is a body, or choices for
// autocomplete.
type response struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data any                               `json:"data,omitempty"`
}

type choices struct {
	Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
}

// responder sends the one initial response to an interaction: over the
// gateway it is a REST call, over HTTP the body of Discord's request.
// Follow-ups go through REST either way.
type responder func(response) error

func (a *Adapter) gatewayResponder(ctx context.Context, i *discordgo.Interaction) responder {
	return func(r response) error {
		endpoint := discordgo.EndpointInteractionResponse(i.ID, i.Token)
		_, err := a.request(ctx, "POST", endpoint, r, endpoint)
		return err
	}
}

func (a *Adapter) currentHandler() bot.Handler {
	if b := a.handler.Load(); b != nil {
		return b.h
	}
	return nil
}

// interact answers one interaction from either transport.
func (a *Adapter) interact(ctx context.Context, i *discordgo.Interaction, respond responder) {
	log := a.log.With(slog.String("interaction", i.ID), slog.String("guild", i.GuildID))
	h := a.currentHandler()
	var err error
	switch {
	case i.Type == discordgo.InteractionPing:
		err = respond(response{Type: discordgo.InteractionResponsePong})
	case h == nil && i.Type == discordgo.InteractionApplicationCommandAutocomplete:
		err = respond(response{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &choices{Choices: []*discordgo.ApplicationCommandOptionChoice{}}})
	case h == nil:
		err = respond(reply("policybot is starting; try again in a few seconds."))
	case i.Type == discordgo.InteractionApplicationCommandAutocomplete:
		err = respond(a.autocomplete(ctx, h, i))
	case i.Type == discordgo.InteractionApplicationCommand:
		data := i.ApplicationCommandData()
		spec, ok := specsOf(h)[data.Name]
		if !ok {
			err = respond(reply(fmt.Sprintf("/%s is not a policybot command any more; type /help for the list.", bot.Quote(data.Name))))
			break
		}
		a.run(ctx, h, i, &spec, commandLine(spec, data.Options), respond)
		return
	case i.Type == discordgo.InteractionMessageComponent:
		line, ok := strings.CutPrefix(i.MessageComponentData().CustomID, customIDPrefix)
		if !ok {
			err = respond(reply("That button is not one of policybot's."))
			break
		}
		var spec *bot.CommandSpec
		if s, ok := specsOf(h)[commandName(line)]; ok {
			spec = &s
		}
		a.run(ctx, h, i, spec, line, respond)
		return
	default:
		err = respond(reply("policybot does not handle this kind of interaction."))
	}
	if err != nil {
		log.Warn("discord: interaction not answered", slog.Any("err", err))
	}
}

// specsOf lists every command the handler knows, button targets included
// when it says (the commands.Router does, with AllSpecs).
func specsOf(h bot.Handler) map[string]bot.CommandSpec {
	specs := h.Specs()
	if all, ok := h.(interface{ AllSpecs() []bot.CommandSpec }); ok {
		specs = all.AllSpecs()
	}
	m := make(map[string]bot.CommandSpec, len(specs))
	for _, s := range specs {
		m[s.Name] = s
	}
	return m
}

func commandName(line string) string {
	f := strings.Fields(line)
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(f[0], "/"))
}

// reply is an immediate private answer.
func reply(text string) response {
	b := render(bot.Message{Kind: bot.KindEphemeral, Text: text})
	b.Flags = discordgo.MessageFlagsEphemeral
	return response{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: b}
}

// interactionBody renders a message for an interaction answer: private
// answers are ephemeral (only the asker sees them).
func interactionBody(m bot.Message) body {
	b := render(m)
	if m.Kind == bot.KindEphemeral {
		b.Flags = discordgo.MessageFlagsEphemeral
	}
	return b
}

// request builds the Handler's request from who clicked or typed where.
func (a *Adapter) botRequest(i *discordgo.Interaction, line string) bot.Request {
	req := bot.Request{TenantKind: store.TenantDiscord, TenantID: i.GuildID, ChannelID: i.ChannelID, Text: line}
	var u *discordgo.User
	if i.Member != nil {
		u = i.Member.User
		// Member.Permissions are the member's in this channel, overwrites
		// included: what Discord itself checks.
		req.IsAdmin = i.Member.Permissions&(discordgo.PermissionManageChannels|discordgo.PermissionAdministrator) != 0
	} else if i.User != nil {
		u = i.User
		// A direct message is the person's own channel.
		req.IsAdmin = true
		req.TenantID = "dm:" + i.User.ID
	}
	if u != nil {
		req.UserID = u.ID
		req.UserName = u.GlobalName
		if req.UserName == "" {
			req.UserName = u.Username
		}
	}
	if st := a.s.State; st != nil {
		if g, err := st.Guild(i.GuildID); err == nil {
			req.TenantName = g.Name
		}
		if ch, err := st.Channel(i.ChannelID); err == nil {
			req.ChannelName = ch.Name
		}
	}
	return req
}
