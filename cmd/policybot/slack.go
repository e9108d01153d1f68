package main

import (
	"net/http"

	"github.com/policybot/policybot/bot"
	slackbot "github.com/policybot/policybot/bot/slack"
)

// newSlackAdapter builds the Slack adapter from the configuration. With
// SLACK_APP_TOKEN it talks Socket Mode and needs no routes (the second
// result is nil); with SLACK_SIGNING_SECRET alone it answers HTTP requests,
// and the second result mounts /slack/commands, /slack/interactivity and
// /slack/events on the web server's mux.
func newSlackAdapter(m *Main) (bot.Adapter, func(*http.ServeMux), error) {
	cfg := m.Config.Slack
	a, err := slackbot.New(slackbot.Options{
		BotToken:      cfg.BotToken,
		AppToken:      cfg.AppToken,
		SigningSecret: cfg.SigningSecret,
		APIURL:        cfg.APIURL,
		Logger:        m.Logger.With("component", "slack"),
	})
	if err != nil {
		return nil, nil, err
	}
	if a.SocketMode() {
		return a, nil, nil
	}
	return a, a.Routes, nil
}
