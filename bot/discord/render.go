package discord

import (
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/policybot/policybot/bot"
)

// Discord's limits on what one message may carry, in characters. A message
// over any of them is refused whole, so every string is cut to fit first.
const (
	maxContent     = 2000
	maxEmbedsTotal = 6000 // title, description, fields, footer and author of all embeds
	maxTitle       = 256
	maxDescription = 4096
	minDescription = 300 // what the description keeps before fields are dropped
	maxFields      = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxButtonLabel = 80
	maxCustomID    = 100
	maxButtonRow   = 5
	maxRows        = 5
	maxThreadName  = 100
	maxChoiceName  = 100
	maxChoices     = 25
)

// Colours of the embed's left border, by severity: the busy reader's first cue.
var severityColours = map[string]int{
	"critical":  0xED4245, // red
	"important": 0xE67E22, // orange
	"notice":    0xFEE75C, // yellow
	"info":      0x5865F2, // blurple
}

const (
	colourNotice = 0x99AAB5 // a monitor's own news: grey
	colourDigest = 0x57F287 // green
	colourReply  = 0x5865F2
)

// customIDPrefix marks a button that runs a command: the rest of the
// custom_id is the command line.
const customIDPrefix = "cmd:"

// body is a message as Discord's create-message, webhook and interaction
// endpoints take it. It is our own type because discordgo's MessageSend has
// no nonce and enforce_nonce, and because allowed_mentions must never be
// left out: without it, text quoted from a policy could ping @everyone.
type body struct {
	Content         string                            `json:"content,omitempty"`
	Embeds          []*discordgo.MessageEmbed         `json:"embeds,omitempty"`
	Components      []discordgo.MessageComponent      `json:"components,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	Flags           discordgo.MessageFlags            `json:"flags,omitempty"`
	Nonce           string                            `json:"nonce,omitempty"`
	EnforceNonce    bool                              `json:"enforce_nonce,omitempty"`
}

// noMentions allows no mention of any kind: an empty parse list (not a
// missing one, which would mean Discord's default of parsing everything).
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// render turns a chat-agnostic message into Discord's form. Messages with a
// title (alerts, their thread replies, notices, digests) are embeds; plain
// answers are message text, unless too long for it (2,000 characters), when
// an embed's description (4,096) takes them.
func render(m bot.Message) body {
	b := body{AllowedMentions: noMentions(), Components: components(m.Actions)}
	if !wantsEmbed(m) {
		if text := contentMarkdown(m); length(text) <= maxContent {
			b.Content = text
			if b.Content == "" && len(b.Components) == 0 {
				b.Content = "(nothing to show)"
			}
			return b
		}
	}
	b.Embeds = []*discordgo.MessageEmbed{embed(m)}
	return b
}

func wantsEmbed(m bot.Message) bool {
	switch m.Kind {
	case bot.KindAlert, bot.KindThreadReply, bot.KindNotice, bot.KindDigest:
		return true
	}
	return m.Title != "" || m.Severity != ""
}

// contentMarkdown is a plain answer as message text.
func contentMarkdown(m bot.Message) string {
	var parts []string
	if m.Title != "" {
		parts = append(parts, "**"+Escape(bot.Clean(m.Title, true))+"**")
	}
	if t := strings.TrimSpace(Escape(bot.Clean(m.Text, false))); t != "" {
		parts = append(parts, t)
	}
	for _, b := range m.Blocks {
		if s := blockMarkdown(b); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

// embed builds the one embed of a titled message: fields blocks become
// inline fields, labelled small print becomes a field, everything else
// goes into the description, cut at a sentence with a link to the record.
func embed(m bot.Message) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{
		Type:  discordgo.EmbedTypeRich,
		Title: cut(Escape(bot.Clean(m.Title, true)), maxTitle, ""),
		URL:   safeURL(m.URL),
		Color: colour(m),
	}
	more := ""
	if e.URL != "" {
		more = "[Full record](" + e.URL + ")"
	}
	var desc []string
	if t := strings.TrimSpace(Escape(bot.Clean(m.Text, false))); t != "" {
		desc = append(desc, t)
	}
	addField := func(name, value string, inline bool) {
		if len(e.Fields) >= maxFields {
			return
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if name == "" {
			name = "\u200b" // Discord refuses empty field names and values
		}
		if value == "" {
			value = "—"
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{
			Name: cut(name, maxFieldName, ""), Value: cut(value, maxFieldValue, more), Inline: inline,
		})
	}
	for _, b := range m.Blocks {
		switch {
		case b.Kind == bot.BlockFields:
			for _, f := range b.Fields {
				addField(Escape(bot.Clean(f.Label, true)), Escape(bot.Clean(f.Value, true)), true)
			}
		case b.Kind == bot.BlockContext && b.Label != "":
			value := Escape(bot.Clean(b.Text, false))
			if l := links(b.Links, "\n"); l != "" {
				value = strings.TrimSpace(value + "\n" + l)
			}
			addField(Escape(bot.Clean(b.Label, true)), value, false)
		default:
			if s := blockMarkdown(b); s != "" {
				desc = append(desc, s)
			}
		}
	}
	e.Description = cut(strings.Join(desc, "\n\n"), maxDescription, more)
	// The 6,000 characters are shared by the whole embed: the description
	// gives way first (the record holds it all), down to a few sentences;
	// then the last fields go.
	for over := embedLength(e) - maxEmbedsTotal; over > 0; over = embedLength(e) - maxEmbedsTotal {
		if keep := length(e.Description) - over; keep >= minDescription || len(e.Fields) == 0 {
			e.Description = cut(e.Description, max(keep, 0), more)
			break
		}
		e.Fields = e.Fields[:len(e.Fields)-1]
	}
	return e
}

func embedLength(e *discordgo.MessageEmbed) int {
	n := length(e.Title) + length(e.Description)
	for _, f := range e.Fields {
		n += length(f.Name) + length(f.Value)
	}
	if e.Footer != nil {
		n += length(e.Footer.Text)
	}
	if e.Author != nil {
		n += length(e.Author.Name)
	}
	return n
}

func colour(m bot.Message) int {
	if c, ok := severityColours[strings.ToLower(m.Severity)]; ok {
		return c
	}
	switch m.Kind {
	case bot.KindNotice:
		return colourNotice
	case bot.KindDigest:
		return colourDigest
	}
	return colourReply
}

// blockMarkdown renders one block as Discord Markdown; all the text in it
// is escaped, only the markup added here is live.
func blockMarkdown(b bot.Block) string {
	label := Escape(bot.Clean(b.Label, true))
	text := strings.TrimSpace(Escape(bot.Clean(b.Text, false)))
	var s string
	switch b.Kind {
	case bot.BlockHeading:
		h := Escape(bot.Clean(b.Text, true))
		if h == "" {
			h = label
		}
		if h != "" {
			s = "**" + h + "**"
		}
	case bot.BlockQuote:
		q := prefixLines(text, "> ")
		if label != "" {
			q = "**" + label + "**\n" + q
		}
		s = q
	case bot.BlockList:
		var lines []string
		if label != "" {
			lines = append(lines, "**"+label+"**")
		}
		if text != "" {
			lines = append(lines, text)
		}
		for _, it := range b.Items {
			item := strings.TrimSpace(Escape(bot.Clean(it, false)))
			lines = append(lines, "- "+strings.ReplaceAll(item, "\n", "\n  "))
		}
		s = strings.Join(lines, "\n")
	case bot.BlockFields:
		var lines []string
		for _, f := range b.Fields {
			lines = append(lines, "**"+Escape(bot.Clean(f.Label, true))+":** "+Escape(bot.Clean(f.Value, true)))
		}
		s = strings.Join(lines, "\n")
	case bot.BlockContext:
		t := text
		if label != "" {
			t = strings.TrimSpace(label + ": " + t)
		}
		if l := links(b.Links, " · "); l != "" {
			t = strings.TrimSpace(t + " " + l)
		}
		// Subtext ("-# ") is Discord's small print.
		return prefixLines(t, "-# ")
	case bot.BlockDivider:
		return "\u200b"
	default:
		s = text
		if label != "" {
			s = strings.TrimSpace("**" + label + ":** " + s)
		}
	}
	if l := links(b.Links, " · "); l != "" {
		if s == "" {
			return l
		}
		s += "\n" + l
	}
	return s
}

func prefixLines(s, p string) string {
	if s == "" {
		return ""
	}
	return p + strings.ReplaceAll(s, "\n", "\n"+p)
}

// links renders labelled URLs as masked links ([label](url)): the label is
// escaped so it cannot close the link early, and the URL is ours, checked
// to be http(s).
func links(ls []bot.Link, sep string) string {
	var out []string
	for _, l := range ls {
		label := Escape(bot.Clean(l.Label, true))
		u := safeURL(l.URL)
		switch {
		case u == "" && label == "":
		case u == "":
			out = append(out, label)
		case label == "":
			out = append(out, "<"+u+">")
		default:
			out = append(out, "["+label+"]("+u+")")
		}
	}
	return strings.Join(out, sep)
}

// safeURL returns u if it is an absolute http(s) URL, with the characters
// that could end a Markdown link or an angle-bracket link encoded; otherwise "".
func safeURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return urlEscaper.Replace(u.String())
}

var urlEscaper = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "\"", "%22", "`", "%60", "\n", "", "\r", "")

// components turns actions into buttons, five to a row: a link button for
// a URL, and for a command a button whose custom_id carries the command
// line, run with the same permission checks as typing it.
func components(actions []bot.Action) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	var row discordgo.ActionsRow
	for _, a := range actions {
		label := bot.Truncate(bot.Clean(a.Label, true), maxButtonLabel)
		if label == "" {
			continue
		}
		var btn discordgo.Button
		switch {
		case a.URL != "":
			u := safeURL(a.URL)
			if u == "" || len(u) > 512 {
				continue
			}
			btn = discordgo.Button{Label: label, Style: discordgo.LinkButton, URL: u}
		case a.Command != "":
			id := customIDPrefix + bot.Clean(a.Command, true)
			if length(id) > maxCustomID {
				continue // a command too long to carry would run cut short
			}
			style := discordgo.SecondaryButton
			switch a.Style {
			case "primary":
				style = discordgo.PrimaryButton
			case "danger":
				style = discordgo.DangerButton
			}
			btn = discordgo.Button{Label: label, Style: style, CustomID: id}
		default:
			continue
		}
		row.Components = append(row.Components, btn)
		if len(row.Components) == maxButtonRow {
			rows = append(rows, row)
			row = discordgo.ActionsRow{}
		}
	}
	if len(row.Components) > 0 {
		rows = append(rows, row)
	}
	if len(rows) > maxRows {
		rows = rows[:maxRows]
	}
	return rows
}
