package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policybot.yaml")
	yaml := "data_dir: /var/lib/policybot\ncheck_interval: 2h\nfetch:\n  max_body_bytes: 2048\nplans:\n  team:\n    max_platforms: 5\n    same_day_alerts: true\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("", env(map[string]string{
		"POLICYBOT_CONFIG":              file,
		"POLICYBOT_CHECK_INTERVAL":      "30s",
		"POLICYBOT_FETCH_ALLOW_PRIVATE": "true",
		"POLICYBOT_DATABASE_URL":        "postgres://u:p@db/policybot",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/var/lib/policybot" {
		t.Errorf("DataDir = %q, want the file's", cfg.DataDir)
	}
	if cfg.CheckInterval != 30*time.Second {
		t.Errorf("CheckInterval = %s, want the environment's 30s", cfg.CheckInterval)
	}
	if !cfg.Fetch.AllowPrivate {
		t.Error("POLICYBOT_FETCH_ALLOW_PRIVATE=true not applied")
	}
	if cfg.Fetch.MaxBodyBytes != 2048 || cfg.Fetch.Timeout != Default().Fetch.Timeout {
		t.Errorf("fetch = %+v: file value or default lost", cfg.Fetch)
	}
	if _, ok := cfg.Plans["free"]; !ok {
		t.Error("default plans lost when the file adds one")
	}
	if p := cfg.Plans["team"]; p.MaxPlatforms != 5 {
		t.Errorf("team plan = %+v", p)
	}
	if cfg.DSN() != "postgres://u:p@db/policybot" {
		t.Errorf("DSN = %q", cfg.DSN())
	}
	if problems := cfg.Validate(); len(problems) > 0 {
		t.Errorf("valid config reported problems: %v", problems)
	}
}

func TestDefaultIsValidAndSafe(t *testing.T) {
	cfg, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Validate(); len(p) > 0 {
		t.Fatalf("defaults invalid: %v", p)
	}
	if cfg.Fetch.AllowPrivate {
		t.Error("private addresses must be refused by default")
	}
	if cfg.DSN() != filepath.Join("data", "policybot.db") {
		t.Errorf("DSN = %q", cfg.DSN())
	}
	if cfg.DefaultPlan != "unlimited" || cfg.Fetch.MaxBodyBytes != 10<<20 || cfg.HTTPAddr != "127.0.0.1:8080" {
		t.Errorf("unexpected defaults: %+v", cfg)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := Default()
	cfg.PublicURL = "not a url"
	cfg.Workers = 0
	cfg.DefaultPlan = "gold"
	cfg.Slack.AppToken = "xapp-1"
	cfg.Discord.PublicKey = "zz"
	cfg.LogLevel = "loud"
	problems := cfg.Validate()
	for _, want := range []string{"public_url", "workers", "default_plan", "slack.bot_token", "discord.public_key", "log_level"} {
		found := false
		for _, p := range problems {
			if strings.HasPrefix(p, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem reported for %s in %q", want, problems)
		}
	}
}

func TestBadEnvironmentNamesEveryVariable(t *testing.T) {
	_, err := Load("", env(map[string]string{
		"POLICYBOT_CHECK_INTERVAL":      "often",
		"POLICYBOT_FETCH_ALLOW_PRIVATE": "maybe",
		"POLICYBOT_WORKERS":             "four",
	}))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range []string{"POLICYBOT_CHECK_INTERVAL", "POLICYBOT_FETCH_ALLOW_PRIVATE", "POLICYBOT_WORKERS"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestUnknownFileKeyIsAnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("chek_interval: 1h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(file, env(nil)); err == nil || !strings.Contains(err.Error(), "chek_interval") {
		t.Fatalf("err = %v, want the misspelt key named", err)
	}
}

func TestEmptyFileIsDefaults(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CheckInterval != 6*time.Hour {
		t.Errorf("CheckInterval = %s", cfg.CheckInterval)
	}
}

func TestSlackNeedsATransport(t *testing.T) {
	cfg := Default()
	cfg.Slack.BotToken = "xoxb-1"
	found := false
	for _, p := range cfg.Validate() {
		if strings.Contains(p, "SLACK_APP_TOKEN") && strings.Contains(p, "SLACK_SIGNING_SECRET") {
			found = true
		}
	}
	if !found {
		t.Fatalf("a bot token alone must be reported: %v", cfg.Validate())
	}
	cfg.Slack.SigningSecret = "s"
	if p := cfg.Validate(); len(p) > 0 {
		t.Fatalf("bot token + signing secret is HTTP mode: %v", p)
	}
}
