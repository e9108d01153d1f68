package slack

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/policybot/policybot/commands"
	"github.com/policybot/policybot/config"
	"github.com/policybot/policybot/store/storetest"
)

type manifest struct {
	Display struct {
		Name            string `yaml:"name"`
		LongDescription string `yaml:"long_description"`
	} `yaml:"display_information"`
	Features struct {
		BotUser struct {
			DisplayName string `yaml:"display_name"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape *bool  `yaml:"should_escape"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// The manifest in deploy/ installs what this adapter needs: the commands the
// router answers, the scopes its API calls use, Socket Mode, buttons.
func TestManifest(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "slack-manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if !m.Settings.SocketMode || !m.Settings.Interactivity.IsEnabled {
		t.Errorf("socket mode %v, interactivity %v; both must be on", m.Settings.SocketMode, m.Settings.Interactivity.IsEnabled)
	}
	if n := len(m.Display.LongDescription); n < 175 || n > 4000 {
		t.Errorf("long_description is %d characters; Slack wants 175 to 4000", n)
	}
	for _, scope := range []string{"commands", "chat:write", "users:read", "channels:history", "groups:history", "app_mentions:read"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, scope) {
			t.Errorf("bot scope %s is missing", scope)
		}
	}
	if !slices.Contains(m.Settings.Events.BotEvents, "app_mention") {
		t.Error("the app_mention event is not subscribed")
	}

	router := commands.New(storetest.MustOpen(t), config.Default(), nil, commands.Options{})
	known := map[string]bool{}
	for _, s := range router.Specs() {
		known["/"+s.Name] = true
	}
	var got []string
	for _, c := range m.Features.SlashCommands {
		got = append(got, c.Command)
		if c.Command != "/policybot" && !known[c.Command] {
			t.Errorf("%s is in the manifest but the router has no such command", c.Command)
		}
		if c.ShouldEscape == nil || *c.ShouldEscape {
			t.Errorf("%s: should_escape must be false, so that what people type arrives as typed", c.Command)
		}
		if c.Description == "" || len(c.Description) > 140 || len(c.UsageHint) > 1000 {
			t.Errorf("%s: description %q (Slack allows 140 characters)", c.Command, c.Description)
		}
	}
	for _, want := range []string{"/track", "/untrack", "/list", "/provisions", "/compare", "/history", "/diff", "/digest", "/settings", "/policybot"} {
		if !slices.Contains(got, want) {
			t.Errorf("the manifest lacks %s", want)
		}
	}
}
