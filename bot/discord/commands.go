package discord

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/policybot/policybot/bot"
)

// Discord's limits on command definitions.
const (
	maxCommandDescription = 100
	maxOptions            = 25
	// repeatSlots is how many options a repeated, autocompleted argument
	// gets (/compare's platforms): Discord options take one value each.
	repeatSlots = 4
)

// ApplicationCommands turns the bot's command specs into Discord slash
// commands: each argument becomes a typed option, platforms and categories
// autocomplete, fixed choices become Discord choices. Commands only admins
// may run are hidden from members without Manage Channels.
func ApplicationCommands(specs []bot.CommandSpec) []*discordgo.ApplicationCommand {
	var out []*discordgo.ApplicationCommand
	for _, s := range specs {
		if s.Hidden {
			continue
		}
		c := &discordgo.ApplicationCommand{
			Type:        discordgo.ChatApplicationCommand,
			Name:        strings.ToLower(s.Name),
			Description: describe(s.Summary, s.Name),
		}
		if s.AdminOnly {
			perm := int64(discordgo.PermissionManageChannels)
			c.DefaultMemberPermissions = &perm
		}
		for _, arg := range s.Args {
			for _, name := range optionNames(arg) {
				if len(c.Options) == maxOptions {
					break
				}
				o := option(arg, name)
				o.Required = arg.Required && name == arg.Name
				c.Options = append(c.Options, o)
			}
		}
		// Discord wants required options first; the command line is built
		// from the spec's order, so this order is only for the picker.
		slices.SortStableFunc(c.Options, func(x, y *discordgo.ApplicationCommandOption) int {
			switch {
			case x.Required == y.Required:
				return 0
			case x.Required:
				return -1
			}
			return 1
		})
		out = append(out, c)
	}
	return out
}

func describe(s, fallback string) string {
	d := bot.Truncate(bot.Clean(s, true), maxCommandDescription)
	if d == "" {
		d = fallback
	}
	return d
}

// optionNames are the Discord options of one argument: one, or several for
// a repeated argument people pick values for (platforms, platform-2, ...).
func optionNames(arg bot.ArgSpec) []string {
	name := optionName(arg.Name)
	if !arg.Repeated || !autocompletes(arg) {
		return []string{name}
	}
	names := []string{name}
	for i := 2; i <= repeatSlots; i++ {
		names = append(names, fmt.Sprintf("%s-%d", name, i))
	}
	return names
}

// argOf maps an option name back to its argument's name.
func argOf(option string) string {
	if i := strings.LastIndexByte(option, '-'); i > 0 {
		if _, err := strconv.Atoi(option[i+1:]); err == nil {
			return option[:i]
		}
	}
	return option
}

func optionName(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, " ", "-"))
	if len(s) > 32 {
		s = s[:32]
	}
	return s
}

func autocompletes(arg bot.ArgSpec) bool {
	switch arg.Kind {
	case bot.ArgPlatform, bot.ArgCategory:
		return true
	case bot.ArgDocType:
		return !arg.Repeated // a free list of types is typed, not picked
	case bot.ArgChoice:
		return len(arg.Choices) == 0 || len(arg.Choices) > maxChoices
	}
	return false
}

func option(arg bot.ArgSpec, name string) *discordgo.ApplicationCommandOption {
	o := &discordgo.ApplicationCommandOption{
		Type:        discordgo.ApplicationCommandOptionString,
		Name:        name,
		Description: describe(arg.Description, arg.Name),
	}
	if name != optionName(arg.Name) {
		o.Description = describe("another "+strings.TrimPrefix(arg.Description, "a "), arg.Name)
	}
	switch arg.Kind {
	case bot.ArgInt:
		o.Type = discordgo.ApplicationCommandOptionInteger
		one := 1.0
		o.MinValue = &one
	case bot.ArgChoice:
		if !autocompletes(arg) {
			for _, c := range arg.Choices {
				o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: c, Value: c})
			}
		}
	}
	o.Autocomplete = autocompletes(arg)
	return o
}

// Register overwrites the application's commands with specs: in the guild
// when one is configured (they appear at once), else globally.
func (a *Adapter) Register(ctx context.Context, specs []bot.CommandSpec) error {
	if a.opts.AppID == "" {
		return fmt.Errorf("discord: register commands: no application id (DISCORD_APP_ID)")
	}
	endpoint := discordgo.EndpointApplicationGlobalCommands(a.opts.AppID)
	if a.opts.GuildID != "" {
		endpoint = discordgo.EndpointApplicationGuildCommands(a.opts.AppID, a.opts.GuildID)
	}
	cmds := ApplicationCommands(specs)
	if _, err := a.request(ctx, "PUT", endpoint, cmds, endpoint); err != nil {
		return fmt.Errorf("register %d commands: %w", len(cmds), err)
	}
	return nil
}

// commandLine rebuilds what a person would have typed from a slash command's
// options, in the spec's argument order, so the Handler parses one grammar
// whatever the chat.
func commandLine(spec bot.CommandSpec, opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	values := map[string][]string{}
	for _, o := range opts {
		var v string
		switch o.Type {
		case discordgo.ApplicationCommandOptionInteger:
			v = strconv.FormatInt(o.IntValue(), 10)
		case discordgo.ApplicationCommandOptionString:
			v = o.StringValue()
		default:
			v = fmt.Sprint(o.Value)
		}
		if v = strings.TrimSpace(v); v != "" {
			values[argOf(o.Name)] = append(values[argOf(o.Name)], v)
		}
	}
	line := []string{"/" + spec.Name}
	var flags []string
	for _, arg := range spec.Args {
		for _, v := range values[optionName(arg.Name)] {
			if !(arg.Repeated && !autocompletes(arg)) {
				// One value: keep its words together.
				v = quote(v)
			}
			if arg.Flag {
				flags = append(flags, "--"+arg.Name, v)
			} else {
				line = append(line, v)
			}
		}
	}
	return strings.Join(append(line, flags...), " ")
}

// quote wraps a value that has spaces in quotes the command grammar
// understands, choosing a quote character the value does not contain.
func quote(v string) string {
	if !strings.ContainsAny(v, " \t\"'“”") {
		return v
	}
	for _, q := range [][2]string{{`"`, `"`}, {"'", "'"}, {"“", "”"}} {
		if !strings.Contains(v, q[0]) && !strings.Contains(v, q[1]) {
			return q[0] + v + q[1]
		}
	}
	return `"` + strings.ReplaceAll(v, `"`, "") + `"`
}
