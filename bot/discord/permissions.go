package discord

import (
	"fmt"
	"net/url"

	"github.com/bwmarrin/discordgo"
)

// Permission is one permission the bot asks for when invited, and why.
type Permission struct {
	Name string
	Bit  int64
	Why  string
}

// Permissions are what the bot needs in the channels it posts to, and
// nothing more: no Administrator, no Mention Everyone, no Manage Messages.
var Permissions = []Permission{
	{"View Channel", discordgo.PermissionViewChannel, "see the channels it is asked to post in"},
	{"Send Messages", discordgo.PermissionSendMessages, "post alerts, digests and monitor notices"},
	{"Embed Links", discordgo.PermissionEmbedLinks, "show alerts as embeds (without it Discord drops them)"},
	{"Read Message History", discordgo.PermissionReadMessageHistory, "start a thread from an alert posted earlier"},
	{"Create Public Threads", discordgo.PermissionCreatePublicThreads, "start each alert's thread of details"},
	{"Send Messages in Threads", discordgo.PermissionSendMessagesInThreads, "post the details, and forum posts' replies, in threads"},
}

// PermissionsInteger is the permission integer of the invite URL: the sum
// of the bits of Permissions.
func PermissionsInteger() int64 {
	var n int64
	for _, p := range Permissions {
		n |= p.Bit
	}
	return n
}

// InviteURL is the address that adds the application to a server with the
// bot and slash commands and the permissions above.
func InviteURL(appID string) string {
	// The scopes are joined with a literal +, as Discord's own links have them.
	return fmt.Sprintf("https://discord.com/oauth2/authorize?client_id=%s&scope=bot+applications.commands&permissions=%d",
		url.QueryEscape(appID), PermissionsInteger())
}
