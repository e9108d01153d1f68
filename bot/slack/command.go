package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/store"
)

// maxResponses is how often Slack accepts a post to one response_url.
const maxResponses = 5

// eventEnvelope is the Events API's outer payload, over HTTP and Socket Mode alike.
type eventEnvelope struct {
	Type      string          `json:"type"`
	Challenge string          `json:"challenge"`
	TeamID    string          `json:"team_id"`
	EventID   string          `json:"event_id"`
	Event     json.RawMessage `json:"event"`
}

// mention is the part of an app_mention event the bot reads.
type mention struct {
	Type     string `json:"type"`
	User     string `json:"user"`
	BotID    string `json:"bot_id"`
	Text     string `json:"text"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
	Channel  string `json:"channel"`
}

// CommandLine is the command line a slash command stands for: "/track" with
// "coursera" is "/track coursera"; the umbrella "/policybot track coursera"
// is "track coursera", and "/policybot" alone asks for help.
func CommandLine(command, text string) string {
	text = strings.TrimSpace(unlink(text))
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(command), "/"))
	if name == "policybot" || name == "" {
		if text == "" {
			return "help"
		}
		return text
	}
	return strings.TrimSpace("/" + name + " " + text)
}

var (
	slackMarkup  = regexp.MustCompile(`<([^<>|]+)(?:\|([^<>]*))?>`)
	leadMentions = regexp.MustCompile(`^(\s*<@[A-Z0-9]+(?:\|[^>]*)?>)+`)
	unescaper    = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// unlink turns what Slack sends in place of typed text back into it: a URL
// Slack made a link (<https://x|x>) becomes the URL, a channel or person
// reference its name, and the three escaped characters themselves.
func unlink(s string) string {
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		sub := slackMarkup.FindStringSubmatch(m)
		target, label := sub[1], sub[2]
		switch {
		case strings.HasPrefix(target, "http://"), strings.HasPrefix(target, "https://"):
			return target
		case label != "":
			return label
		}
		return target
	})
	return unescaper.Replace(s)
}

// request is a bot.Request from Slack ids; the admin flag comes from users.info.
func (a *Adapter) request(ctx context.Context, team, teamName, channel, channelName, user, userName, text string) bot.Request {
	return bot.Request{
		TenantKind: store.TenantSlack, TenantID: team, TenantName: teamName,
		ChannelID: channel, ChannelName: channelName,
		UserID: user, UserName: userName,
		IsAdmin: a.admins.IsAdmin(ctx, team, user),
		Text:    text,
	}
}

// spawn runs fn for one command in its own goroutine with its own timeout,
// after the request was acknowledged. When too many commands are being
// worked on, the asker is told to try again instead of queueing unboundedly.
func (a *Adapter) spawn(responseURL string, fn func(ctx context.Context, h bot.Handler)) {
	ref := a.handler.Load()
	if ref == nil {
		return
	}
	// Work outlives the request that started it, and a shutdown lets it
	// finish within its timeout rather than cutting the answer off.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(a.baseContext()), a.opts.CommandTimeout)
	select {
	case a.slots <- struct{}{}:
	default:
		a.work.Add(1)
		go func() {
			defer a.work.Done()
			defer cancel()
			a.respond(ctx, responseURL, []bot.Message{{Kind: bot.KindEphemeral,
				Text: "policybot is busy with other commands; please try again in a minute."}})
		}()
		return
	}
	a.work.Add(1)
	go func() {
		defer a.work.Done()
		defer cancel()
		defer func() { <-a.slots }()
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("slack: command handler panicked", slog.Any("panic", p))
				a.respond(ctx, responseURL, []bot.Message{{Kind: bot.KindEphemeral,
					Text: "Something went wrong on our side; the error is logged. Please try again in a minute."}})
			}
		}()
		fn(ctx, ref.h)
	}()
}

// goCommand answers a slash command through its response_url.
func (a *Adapter) goCommand(cmd slack.SlashCommand) {
	a.spawn(cmd.ResponseURL, func(ctx context.Context, h bot.Handler) {
		line := CommandLine(cmd.Command, cmd.Text)
		req := a.request(ctx, cmd.TeamID, cmd.TeamDomain, cmd.ChannelID, cmd.ChannelName, cmd.UserID, cmd.UserName, line)
		a.respond(ctx, cmd.ResponseURL, h.Handle(ctx, req))
	})
}

// goInteraction runs the command a button carries, with the clicker's
// permissions, exactly as if they had typed it.
func (a *Adapter) goInteraction(cb slack.InteractionCallback) {
	if cb.Type != slack.InteractionTypeBlockActions {
		return
	}
	for _, act := range cb.ActionCallback.BlockActions {
		if !strings.HasPrefix(act.ActionID, actionCommand+":") || strings.TrimSpace(act.Value) == "" {
			continue // link buttons open their URL in Slack; nothing to do here
		}
		channel, channelName := cb.Channel.ID, cb.Channel.Name
		if channel == "" {
			channel = cb.Container.ChannelID
		}
		user, userName := cb.User.ID, cb.User.Name
		if userName == "" {
			userName = cb.User.Profile.DisplayName
		}
		value := act.Value
		a.spawn(cb.ResponseURL, func(ctx context.Context, h bot.Handler) {
			req := a.request(ctx, cb.Team.ID, cb.Team.Domain, channel, channelName, user, userName, value)
			a.respond(ctx, cb.ResponseURL, h.Handle(ctx, req))
		})
		return // one click is one action
	}
}

// goEvent handles an Events API event once, however often Slack retries it.
// A mention ("@policybot list") is a command answered in its thread.
func (a *Adapter) goEvent(env eventEnvelope) {
	if env.EventID != "" && a.events.Seen(env.EventID, a.opts.Now()) {
		a.log.Debug("slack: event already handled", slog.String("event", env.EventID))
		return
	}
	var ev mention
	if err := json.Unmarshal(env.Event, &ev); err != nil || ev.Type != "app_mention" {
		return
	}
	if ev.BotID != "" || ev.User == "" || ev.Channel == "" {
		return // never answer a bot, ourselves included
	}
	thread := ev.ThreadTS
	if thread == "" {
		thread = ev.TS
	}
	line := strings.TrimSpace(unlink(leadMentions.ReplaceAllString(ev.Text, "")))
	if line == "" {
		line = "help"
	}
	a.spawn("", func(ctx context.Context, h bot.Handler) {
		req := a.request(ctx, env.TeamID, "", ev.Channel, "", ev.User, "", line)
		for _, m := range h.Handle(ctx, req) {
			if err := a.reply(ctx, ev.Channel, thread, ev.User, m); err != nil {
				a.log.Warn("slack: could not answer a mention", slog.String("channel", ev.Channel), slog.Any("err", err))
				return
			}
		}
	})
}

// reply answers a mention in its thread: in the open when the answer is for
// the channel, to the asker alone when it is ephemeral.
func (a *Adapter) reply(ctx context.Context, channel, thread, user string, m bot.Message) error {
	if err := a.pace.Wait(ctx, channel); err != nil {
		return err
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(FallbackText(m), false),
		slack.MsgOptionBlocks(Render(m)...),
		slack.MsgOptionParse(false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionTS(thread),
	}
	var err error
	if m.Kind == bot.KindReply {
		_, _, err = a.api.PostMessageContext(ctx, channel, opts...)
	} else {
		_, err = a.api.PostEphemeralContext(ctx, channel, user, opts...)
	}
	if err != nil {
		return classify(fmt.Sprintf("slack: answer in %s", channel), err)
	}
	return nil
}

// respond posts answers to a response_url: in the channel when they change
// it (bot.KindReply), otherwise to the asker alone.
func (a *Adapter) respond(ctx context.Context, responseURL string, msgs []bot.Message) {
	if responseURL == "" || len(msgs) == 0 {
		return
	}
	if !a.allowedResponseURL(responseURL) {
		a.log.Warn("slack: response_url is not Slack's; not answering", slog.String("host", hostOf(responseURL)))
		return
	}
	no := false
	for i, m := range msgs {
		if i == maxResponses {
			a.log.Warn("slack: more answers than a response_url takes", slog.Int("answers", len(msgs)))
			return
		}
		rt := slack.ResponseTypeEphemeral
		if m.Kind == bot.KindReply {
			rt = slack.ResponseTypeInChannel
		}
		wm := &slack.WebhookMessage{
			Text:         FallbackText(m),
			Blocks:       &slack.Blocks{BlockSet: Render(m)},
			ResponseType: rt,
			// A click's answer must never replace the alert it came from.
			ReplaceOriginal: false,
			UnfurlLinks:     &no,
			UnfurlMedia:     &no,
		}
		if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, wm); err != nil {
			a.log.Warn("slack: could not post an answer", slog.Any("err", err))
			return
		}
	}
}

// allowedResponseURL keeps answers going to Slack (or to the API stand-in
// the operator configured): a response_url comes inside a verified request,
// but the bot should still never post a channel's answers anywhere else.
func (a *Adapter) allowedResponseURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme == "https" && (host == "slack.com" || strings.HasSuffix(host, ".slack.com")) {
		return true
	}
	if a.opts.APIURL != "" {
		api, err := url.Parse(a.opts.APIURL)
		return err == nil && api.Scheme == u.Scheme && strings.EqualFold(api.Host, u.Host)
	}
	return false
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}
