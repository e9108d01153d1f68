package commands

import (
	"context"

	"github.com/policybot/policybot/bot"
)

var severities = []string{"info", "notice", "important", "critical"}

// command is a spec and the code that answers it.
type command struct {
	spec bot.CommandSpec
	run  func(r *Router, ctx context.Context, s *session, c *call) ([]bot.Message, error)
}

// table is every command, in the order help lists them. Help text, chat
// registrations and argument checks are all generated from these specs.
func table() []command {
	platform := bot.ArgSpec{Name: "platform", Description: "a platform's name, such as coursera", Kind: bot.ArgPlatform, Required: true}
	return []command{
		{bot.CommandSpec{
			Name: "track", Summary: "track a platform's documents in this channel",
			Description: "Alerts about changes to the platform's documents (all of them unless you name some) go to this channel, and it is in the digest. A URL adds a document that is not in the catalog.",
			Args: []bot.ArgSpec{
				{Name: "platform", Description: "a platform's name, or the URL of a policy page", Kind: bot.ArgPlatform, Required: true},
				{Name: "types", Description: "document types, such as privacy or \"Terms of Service\"", Kind: bot.ArgDocType, Repeated: true},
			},
			Examples:       []string{"/track coursera", "/track netflix privacy", "/track https://example.com/privacy"},
			ChangesChannel: true,
		}, (*Router).track},
		{bot.CommandSpec{
			Name: "untrack", Summary: "stop tracking a platform (or some of its documents)",
			Args: []bot.ArgSpec{platform,
				{Name: "types", Description: "document types to stop tracking; all when none", Kind: bot.ArgDocType, Repeated: true}},
			Examples:       []string{"/untrack coursera", "/untrack coursera terms"},
			ChangesChannel: true,
		}, (*Router).untrack},
		{bot.CommandSpec{
			Name: "list", Summary: "what this channel tracks, when each was last checked, and its health",
			Examples: []string{"/list"},
		}, (*Router).list},
		{bot.CommandSpec{
			Name: "provisions", Summary: "what a platform's documents provide, by provision, with excerpts",
			Args: []bot.ArgSpec{platform,
				{Name: "category", Description: "a provision category, such as data-sharing", Kind: bot.ArgCategory}},
			Examples: []string{"/provisions coursera", "/provisions coursera data-sharing"},
		}, (*Router).provisions},
		{bot.CommandSpec{
			Name: "compare", Summary: "how platforms handle a provision, side by side",
			Description: "Name two or more platforms, or a category alone to compare every platform this channel tracks.",
			Args: []bot.ArgSpec{
				{Name: "platforms", Description: "platforms to compare, or one provision category", Kind: bot.ArgPlatform, Required: true, Repeated: true},
				{Name: "category", Description: "the provision category to compare", Kind: bot.ArgCategory, Flag: true},
			},
			Examples: []string{"/compare coursera netflix --category data-sharing", "/compare data-retention"},
		}, (*Router).compare},
		{bot.CommandSpec{
			Name: "history", Summary: "a platform's versions and changes, with dates, severities and record links",
			Args: []bot.ArgSpec{platform,
				{Name: "type", Description: "one document type; all when none", Kind: bot.ArgDocType, Repeated: true}},
			Examples: []string{"/history coursera", "/history coursera privacy"},
		}, (*Router).history},
		{bot.CommandSpec{
			Name: "diff", Summary: "what one change said and which passages it edited",
			Args:     []bot.ArgSpec{{Name: "change", Description: "the change number from an alert or /history", Kind: bot.ArgInt, Required: true}},
			Examples: []string{"/diff 42"},
		}, (*Router).diff},
		{bot.CommandSpec{
			Name: "digest", Summary: "set this channel's digest (weekly, daily or off), or see it now",
			Description: "weekly takes a day, a time and a time zone: /digest weekly monday 09:00 Europe/Paris. /digest now shows this period's digest to you.",
			Args: []bot.ArgSpec{
				{Name: "mode", Description: "weekly, daily, off or now", Kind: bot.ArgChoice, Required: true, Choices: []string{"weekly", "daily", "off", "now"}},
				{Name: "when", Description: "DAY HH:MM TZ, such as monday 09:00 Europe/Paris", Kind: bot.ArgText, Repeated: true},
			},
			Examples:       []string{"/digest weekly monday 09:00 Europe/Paris", "/digest daily 08:30", "/digest now", "/digest off"},
			ChangesChannel: true,
		}, (*Router).digest},
		{bot.CommandSpec{
			Name: "settings", Summary: "this channel's alert settings",
			Description: "severity: the lowest severity alerted here. threads: details in a thread (on) or as separate messages (off). broadcast: also show the details of changes at or above a severity in the channel. admins-only: only admins may change what this channel tracks.",
			Args: []bot.ArgSpec{
				{Name: "setting", Description: "severity, threads, broadcast or admins-only", Kind: bot.ArgChoice, Required: true, Choices: []string{"severity", "threads", "broadcast", "admins-only"}},
				{Name: "value", Description: "info|notice|important|critical, or on|off", Kind: bot.ArgText, Required: true},
			},
			Examples:       []string{"/settings severity important", "/settings threads off", "/settings broadcast critical", "/settings admins-only on"},
			ChangesChannel: true,
		}, (*Router).settings},
		{bot.CommandSpec{
			Name: "check", Summary: "check a tracked platform now (admins)",
			Args:      []bot.ArgSpec{platform},
			Examples:  []string{"/check coursera"},
			AdminOnly: true,
		}, (*Router).check},
		{bot.CommandSpec{
			Name: "help", Summary: "the commands, or how to use one",
			Args:     []bot.ArgSpec{{Name: "command", Description: "a command name", Kind: bot.ArgChoice}},
			Examples: []string{"/help", "/help track"},
		}, (*Router).help},
		{bot.CommandSpec{
			Name: "mute", Summary: "stop alerts about a platform in this channel (it stays in the digest)",
			Args: []bot.ArgSpec{platform}, ChangesChannel: true, Hidden: true,
		}, (*Router).mute},
		{bot.CommandSpec{
			Name: "unmute", Summary: "alert about a muted platform again",
			Args: []bot.ArgSpec{platform}, ChangesChannel: true, Hidden: true,
		}, (*Router).unmute},
	}
}
