// Package bot is the chat-agnostic seam of policybot: the Message model every
// adapter renders, the Adapter and Handler contracts, the outbox Notifier that
// delivers alerts at least once, and the digest.
package bot

// Kind says what role a message plays; adapters choose how to show it.
type Kind string

const (
	// KindReply answers a command in the channel, visible to everyone.
	KindReply Kind = "reply"
	// KindEphemeral answers a command for the asker only.
	KindEphemeral Kind = "ephemeral"
	// KindAlert is the parent message of a change.
	KindAlert Kind = "alert"
	// KindThreadReply is posted in the thread of an alert or notice.
	KindThreadReply Kind = "thread-reply"
	// KindDigest is a periodic summary.
	KindDigest Kind = "digest"
	// KindNotice is a monitor's own news: broken, recovered.
	KindNotice Kind = "notice"
)

// Message is what the bot says, free of any chat's markup. Every string is
// plain text: adapters escape it, so text taken from a policy can never
// mention anyone, open a link it did not mean, or break the markup.
type Message struct {
	Kind Kind `json:"kind"`
	// Title is a short header (platform and document for alerts).
	Title string `json:"title,omitempty"`
	// URL is where the title links to (the change record).
	URL string `json:"url,omitempty"`
	// Severity (info, notice, important, critical) colours alerts; empty otherwise.
	Severity string `json:"severity,omitempty"`
	// Text is the message's point in one or a few sentences, and the fallback
	// where blocks cannot be shown (notifications, logs).
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks,omitempty"`
	// Actions are buttons; each runs a command with the same permission rules
	// as typing it.
	Actions []Action `json:"actions,omitempty"`
	// Broadcast asks that a thread reply also be shown in the channel.
	Broadcast bool `json:"broadcast,omitempty"`
}

// BlockKind is the shape of a block.
type BlockKind string

const (
	// BlockHeading is a short heading line.
	BlockHeading BlockKind = "heading"
	// BlockText is a paragraph.
	BlockText BlockKind = "text"
	// BlockQuote is text quoted from a policy; Label says which (Before, After).
	BlockQuote BlockKind = "quote"
	// BlockList is a bulleted list of Items.
	BlockList BlockKind = "list"
	// BlockFields is a set of label/value pairs shown side by side where possible.
	BlockFields BlockKind = "fields"
	// BlockContext is small print: sources, regulations, record links.
	BlockContext BlockKind = "context"
	// BlockDivider separates groups.
	BlockDivider BlockKind = "divider"
)

// Block is one part of a message body.
type Block struct {
	Kind   BlockKind `json:"kind"`
	Label  string    `json:"label,omitempty"`
	Text   string    `json:"text,omitempty"`
	Items  []string  `json:"items,omitempty"`
	Fields []Field   `json:"fields,omitempty"`
	// Links are shown with the block (e.g. the regulations cited, the record).
	Links []Link `json:"links,omitempty"`
}

// Field is a label and its value.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Link is a labelled URL.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// Action is a button. A link button has URL; a command button has Command,
// the command line it runs (e.g. "/diff 42", "/mute coursera").
type Action struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	URL     string `json:"url,omitempty"`
	Command string `json:"command,omitempty"`
	// Style is "primary", "danger" or empty.
	Style string `json:"style,omitempty"`
}

// Envelope is one outbox delivery: a parent message and the replies that go
// in its thread, posted in order.
type Envelope struct {
	Parent  Message   `json:"parent"`
	Replies []Message `json:"replies,omitempty"`
	// ThreadKey and DocumentID say which thread the parent may join: a later
	// change to the same document within a day goes into the same thread.
	ThreadKey  string `json:"thread_key,omitempty"`
	DocumentID uint   `json:"document_id,omitempty"`
	// Join says when the parent goes into the document's existing thread
	// instead of starting one; empty means JoinRecent.
	Join ThreadJoin `json:"join,omitempty"`
}

// Parts is the number of messages the envelope posts.
func (e Envelope) Parts() int { return 1 + len(e.Replies) }
