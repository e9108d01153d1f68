package main

import (
	"net/http"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/bot/discord"
)

// newDiscordAdapter builds the Discord adapter from the configuration, and
// the function that mounts its HTTP interactions endpoint on the web
// server's mux (it answers only when DISCORD_PUBLIC_KEY is set; otherwise
// the adapter listens on the gateway).
func newDiscordAdapter(m *Main) (bot.Adapter, func(*http.ServeMux), error) {
	cfg := m.Config.Discord
	a, err := discord.New(discord.Options{
		Token:     cfg.BotToken,
		AppID:     cfg.AppID,
		PublicKey: cfg.PublicKey,
		APIURL:    cfg.APIURL,
		GuildID:   cfg.GuildID,
		// Changing what a channel tracks needs Manage Channels unless the
		// operator turned that off.
		RequireManageChannels: cfg.RequireManageChannels == nil || *cfg.RequireManageChannels,
		Logger:                m.Logger.With("component", "discord"),
	})
	if err != nil {
		return nil, nil, err
	}
	return a, a.Routes, nil
}
