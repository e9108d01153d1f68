package discord

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/commands"
	"github.com/policybot/policybot/config"
)

func TestPermissionsInteger(t *testing.T) {
	// View Channel 1<<10, Send Messages 1<<11, Embed Links 1<<14,
	// Read Message History 1<<16, Create Public Threads 1<<35,
	// Send Messages in Threads 1<<38: the sum docs/discord.md explains.
	const want = 1024 + 2048 + 16384 + 65536 + 34359738368 + 274877906944
	if got := PermissionsInteger(); got != want {
		t.Errorf("PermissionsInteger = %d, want %d", got, want)
	}
	if want != 309237730304 {
		t.Fatal("the documented integer is 309237730304")
	}
	u := InviteURL("123456789012345678")
	if u != "https://discord.com/oauth2/authorize?client_id=123456789012345678&scope=bot+applications.commands&permissions=309237730304" {
		t.Errorf("InviteURL = %s", u)
	}
	for _, p := range Permissions {
		if p.Bit&(p.Bit-1) != 0 || p.Why == "" {
			t.Errorf("%s: one bit and a reason each", p.Name)
		}
	}
	// The install page shows the same link and explains each bit.
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "discord.md"))
	if err != nil {
		t.Skipf("docs/discord.md: %v", err)
	}
	if !strings.Contains(string(doc), InviteURL("APP_ID")) {
		t.Error("docs/discord.md does not show InviteURL's link")
	}
	for _, p := range Permissions {
		if !strings.Contains(string(doc), "| "+p.Name+" |") || !strings.Contains(string(doc), p.Why) {
			t.Errorf("docs/discord.md does not explain %s as the code does", p.Name)
		}
	}
}

// TestApplicationCommandsFitDiscord checks the registrations made from the
// real command specs against Discord's rules for command definitions.
func TestApplicationCommandsFitDiscord(t *testing.T) {
	names := regexp.MustCompile(`^[-_\p{Ll}\p{N}]{1,32}$`)
	specs := commands.New(nil, config.Default(), nil, commands.Options{}).Specs()
	cmds := ApplicationCommands(specs)
	if len(cmds) != len(specs) || len(cmds) > 100 {
		t.Fatalf("%d commands from %d specs", len(cmds), len(specs))
	}
	for _, c := range cmds {
		if !names.MatchString(c.Name) || c.Description == "" || length(c.Description) > 100 {
			t.Errorf("/%s: bad name or description %q", c.Name, c.Description)
		}
		if len(c.Options) > 25 {
			t.Errorf("/%s: %d options", c.Name, len(c.Options))
		}
		optional := false
		seen := map[string]bool{}
		for _, o := range c.Options {
			if !names.MatchString(o.Name) || seen[o.Name] || o.Description == "" || length(o.Description) > 100 {
				t.Errorf("/%s %s: bad or repeated option name, or description %q", c.Name, o.Name, o.Description)
			}
			seen[o.Name] = true
			if o.Required && optional {
				t.Errorf("/%s: required option %s after an optional one", c.Name, o.Name)
			}
			optional = optional || !o.Required
			if o.Autocomplete && len(o.Choices) > 0 || len(o.Choices) > 25 {
				t.Errorf("/%s %s: autocomplete with choices, or too many choices", c.Name, o.Name)
			}
		}
	}
	// Platforms and categories autocomplete; /check is for channel managers.
	for _, c := range cmds {
		for _, o := range c.Options {
			if (o.Name == "platform" || o.Name == "category") && !o.Autocomplete {
				t.Errorf("/%s %s should autocomplete", c.Name, o.Name)
			}
		}
		if c.Name == "check" && (c.DefaultMemberPermissions == nil || *c.DefaultMemberPermissions != 16) {
			t.Error("/check should default to members with Manage Channels")
		}
	}
}

func TestRefusal(t *testing.T) {
	a := &Adapter{opts: Options{RequireManageChannels: true}}
	track := &bot.CommandSpec{Name: "track", ChangesChannel: true}
	digest := &bot.CommandSpec{Name: "digest", ChangesChannel: true}
	list := &bot.CommandSpec{Name: "list"}
	member, manager := bot.Request{}, bot.Request{IsAdmin: true}
	tests := []struct {
		name    string
		req     bot.Request
		spec    *bot.CommandSpec
		line    string
		refused bool
	}{
		{"member tracks", member, track, "/track coursera", true},
		{"manager tracks", manager, track, "/track coursera", false},
		{"member lists", member, list, "/list", false},
		{"member sees the digest now", member, digest, "/digest now", false},
		{"member sets the digest", member, digest, "/digest weekly", true},
		{"member clicks an unknown command", member, nil, "/whatever", true},
	}
	for _, tt := range tests {
		if got := a.refusal(tt.req, tt.spec, tt.line) != ""; got != tt.refused {
			t.Errorf("%s: refused = %v, want %v", tt.name, got, tt.refused)
		}
	}
	a.opts.RequireManageChannels = false
	if a.refusal(member, track, "/track coursera") != "" {
		t.Error("with the requirement off, members may track")
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"@everyone", "<@&1>", "**x**", "# h\n> q\n- i", "[a](b)", `\`, "1. x", "a\\*b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if strings.Contains(strings.ToLower(e), "@everyone") || strings.Contains(strings.ToLower(e), "@here") {
			t.Fatalf("Escape(%q) = %q still mentions", s, e)
		}
		// Every markup character is preceded by an odd run of backslashes.
		for i := 0; i < len(e); i++ {
			if !strings.ContainsRune("*_~`|[]()", rune(e[i])) {
				continue
			}
			n := 0
			for j := i - 1; j >= 0 && e[j] == '\\'; j-- {
				n++
			}
			if n%2 == 0 {
				t.Fatalf("Escape(%q) = %q leaves %q live at %d", s, e, e[i], i)
			}
		}
	})
}
