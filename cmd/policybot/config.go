package main

import (
	"context"
	"fmt"

	"github.com/policybot/policybot/config"
)

func runConfig(ctx context.Context, m *Main, args []string) error {
	if len(args) != 1 || args[0] != "check" {
		return usageError{"want `config check`"}
	}
	cfg, err := config.Load(m.ConfigPath, m.Getenv)
	problems := cfg.Validate()
	if err != nil {
		problems = append([]string{err.Error()}, problems...)
	}
	if len(problems) == 0 {
		fmt.Fprintf(m.Stdout, "configuration OK\n  database: %s\n  http: %s (links: %s)\n  checks every %s\n  chat: %s\n",
			redactedDSN(cfg), cfg.HTTPAddr, cfg.PublicURL, cfg.CheckInterval, chatSummary(cfg))
		return nil
	}
	for _, p := range problems {
		fmt.Fprintf(m.Stdout, "problem: %s\n", p)
	}
	return fmt.Errorf("%d problem(s) in the configuration", len(problems))
}

func chatSummary(cfg config.Config) string {
	var s string
	switch {
	case cfg.Slack.Enabled() && cfg.Slack.SocketMode():
		s = "Slack (Socket Mode)"
	case cfg.Slack.Enabled():
		s = "Slack (HTTP)"
	}
	if cfg.Discord.Enabled() {
		if s != "" {
			s += ", "
		}
		s += "Discord"
	}
	if s == "" {
		s = "console (no Slack or Discord credentials)"
	}
	return s
}

func redactedDSN(cfg config.Config) string { return config.Redact(cfg.DSN()) }
