package bot

import "context"

// Handler answers commands. The commands package implements it; adapters call
// it with what a person typed (or clicked) and render what it returns.
type Handler interface {
	// Handle runs one command line, such as "/track coursera" or "track coursera".
	Handle(ctx context.Context, req Request) []Message
	// Complete suggests values for a command's argument while it is being typed
	// (Discord autocomplete), best first, at most limit.
	Complete(ctx context.Context, req Request, arg, prefix string, limit int) []Choice
	// Specs lists the commands, for registering them with a chat platform.
	Specs() []CommandSpec
}

// Request is one command from a chat.
type Request struct {
	// TenantKind is the adapter's Name(); TenantID the workspace, guild or
	// console session id on that platform.
	TenantKind string
	TenantID   string
	TenantName string
	// ChannelID and ChannelName say where the command was typed.
	ChannelID   string
	ChannelName string
	UserID      string
	UserName    string
	// IsAdmin is the platform's own judgement (Slack admin or owner, Discord
	// Manage Channels, the console user).
	IsAdmin bool
	// Text is the command line: the command name (with or without "/") and its arguments.
	Text string
}

// Choice is one autocomplete suggestion.
type Choice struct {
	Name  string `json:"name"`  // shown to the person
	Value string `json:"value"` // put in the command
}

// ArgKind is the type of a command argument, for typed options and autocomplete.
type ArgKind string

const (
	ArgText     ArgKind = "text"
	ArgPlatform ArgKind = "platform" // a catalog slug, name or alias, or a URL where allowed
	ArgCategory ArgKind = "category" // a provision category id
	ArgDocType  ArgKind = "doctype"  // a document type such as "Privacy Policy"
	ArgChoice   ArgKind = "choice"   // one of Choices
	ArgInt      ArgKind = "int"
)

// ArgSpec describes one argument of a command.
type ArgSpec struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Kind        ArgKind  `json:"kind"`
	Required    bool     `json:"required,omitempty"`
	Repeated    bool     `json:"repeated,omitempty"` // takes the rest of the line
	Choices     []string `json:"choices,omitempty"`
	// Flag is set for options given as --name value.
	Flag bool `json:"flag,omitempty"`
}

// CommandSpec is a command defined as data: help and chat registrations are
// generated from it.
type CommandSpec struct {
	Name        string    `json:"name"`
	Summary     string    `json:"summary"`
	Description string    `json:"description,omitempty"`
	Args        []ArgSpec `json:"args,omitempty"`
	Examples    []string  `json:"examples,omitempty"`
	// ChangesChannel marks commands that change the channel's subscriptions
	// or settings: they may be limited to admins, and are announced in the channel.
	ChangesChannel bool `json:"changes_channel,omitempty"`
	// AdminOnly commands are refused to anyone the platform does not call an admin.
	AdminOnly bool `json:"admin_only,omitempty"`
	// Hidden commands (button targets) are left out of help and registrations.
	Hidden bool `json:"hidden,omitempty"`
}
