package slack

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/policybot/policybot/bot"
)

// Slack's Block Kit limits (https://docs.slack.dev/reference/block-kit):
// a message that breaks one is refused whole, so every text is fitted.
const (
	maxBlocks      = 50
	maxSection     = 3000
	maxHeader      = 150
	maxFields      = 10
	maxField       = 2000
	maxActions     = 25
	maxButtonText  = 75
	maxButtonValue = 2000
	maxURL         = 3000
	maxContext     = 3000
	// maxFallback bounds the top-level text, well under Slack's 40,000: it
	// is what notifications and screen readers show, so it stays short.
	maxFallback = 3000
)

// Action ids: a command button's value is the command line it runs; a link
// button's click is acknowledged and otherwise ignored.
const (
	actionCommand = "policybot_cmd"
	actionLink    = "policybot_link"
)

var severityBadge = map[string]string{
	"critical":  ":red_circle: *Critical*",
	"important": ":large_orange_circle: *Important*",
	"notice":    ":large_yellow_circle: *Notice*",
	"info":      ":large_blue_circle: *Info*",
}

// Badge is a severity at a glance: an emoji and the word.
func Badge(severity string) string {
	if b, ok := severityBadge[strings.ToLower(severity)]; ok {
		return b
	}
	if s := mrkdwn(severity, true); s != "" {
		return ":white_circle: *" + s + "*"
	}
	return ""
}

// Render turns a chat-agnostic message into Block Kit blocks within Slack's
// limits. Alerts, digests and notices open with a header; other messages
// with a bold title line. Text that does not fit is cut at a sentence with a
// link to m.URL, the full record.
func Render(m bot.Message) []slack.Block {
	r := renderer{record: m.URL}
	var body []slack.Block
	title := clean(m.Title, true)
	switch {
	case title == "":
	case m.Kind == bot.KindAlert || m.Kind == bot.KindDigest || m.Kind == bot.KindNotice:
		body = append(body, slack.NewHeaderBlock(plainText(fitPlain(title, maxHeader, true))))
	case safeURL(m.URL) != "":
		body = append(body, r.mrkdwnSection("*"+link(m.URL, title)+"*"))
	default:
		body = append(body, r.mrkdwnSection("*"+fitMrkdwn(title, maxSection-2, 0, "")+"*"))
	}
	if badge := Badge(m.Severity); badge != "" {
		// The headline goes with the severity so that both read at a glance.
		text := badge
		if t := strings.TrimSpace(m.Text); t != "" {
			text += "\n" + fitMrkdwn(t, maxSection-width(badge)-1, 0, m.URL)
		}
		body = append(body, r.mrkdwnSection(text))
	} else {
		body = append(body, r.paragraphs(m.Text)...)
	}
	for _, b := range m.Blocks {
		body = append(body, r.block(b)...)
	}
	actions := r.actions(m.Actions)
	if room := maxBlocks - len(actions); len(body) > room {
		more := "Slack shows at most 50 blocks; the rest is in the full record."
		if l := link(m.URL, "the full record"); l != "" {
			more = "Slack shows at most 50 blocks; the rest is in " + l + "."
		}
		body = append(body[:room-1], slack.NewContextBlock("", mrkdwnText(more)))
	}
	return append(body, actions...)
}

// FallbackText is the message's top-level text: what notifications and
// screen readers show. It is the plain-text rendering of the message's point
// (severity, title, text); the details are in the blocks. Only a message
// with nothing but blocks falls back to rendering them all.
func FallbackText(m bot.Message) string {
	text := bot.RenderText(bot.Message{Kind: m.Kind, Title: m.Title, Severity: m.Severity, Text: m.Text})
	if strings.TrimSpace(text) == "" {
		text = bot.RenderText(m)
	}
	if strings.TrimSpace(text) == "" {
		text = "policybot"
	}
	return fitMrkdwn(text, maxFallback, 0, m.URL)
}

type renderer struct {
	record string // the full record, where cut text links to
}

func plainText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwnText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

func (r renderer) mrkdwnSection(s string) slack.Block {
	return slack.NewSectionBlock(mrkdwnText(s), nil, nil)
}

// paragraphs shows plain text exactly, as plain_text sections: one per group
// of lines up to the section limit, so a long answer is split, not cut.
func (r renderer) paragraphs(text string) []slack.Block {
	var out []slack.Block
	for _, chunk := range chunks(clean(text, false), maxSection, plain) {
		out = append(out, slack.NewSectionBlock(plainText(chunk), nil, nil))
	}
	return out
}

// chunks packs the lines of text, escaped by esc, into pieces of at most
// budget characters; a line longer than budget is cut at a sentence.
func chunks(text string, budget int, esc func(string, bool) string) []string {
	text = strings.Trim(text, "\n ")
	if text == "" {
		return nil
	}
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimRight(cur.String(), "\n "); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for _, line := range strings.Split(text, "\n") {
		e := esc(line, false)
		if width(e) > budget {
			head, _ := cutRaw(line, budget-1, 0)
			e = esc(head, false) + "…"
		}
		if cur.Len() > 0 && width(cur.String())+1+width(e) > budget {
			flush()
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(e)
	}
	flush()
	return out
}

func (r renderer) block(b bot.Block) []slack.Block {
	label := clean(b.Label, true)
	switch b.Kind {
	case bot.BlockHeading:
		text := b.Text
		if strings.TrimSpace(text) == "" {
			text = label
		}
		if strings.TrimSpace(text) == "" {
			return nil
		}
		return []slack.Block{r.mrkdwnSection("*" + fitMrkdwn(text, maxSection-2, 0, r.record) + "*")}
	case bot.BlockQuote:
		return r.quote(label, b)
	case bot.BlockList:
		return r.list(label, b)
	case bot.BlockFields:
		return r.fields(b.Fields)
	case bot.BlockContext:
		return r.context(label, b)
	case bot.BlockDivider:
		return []slack.Block{slack.NewDividerBlock()}
	default: // text, and kinds added after this adapter was written
		if label == "" && len(b.Links) == 0 {
			return r.paragraphs(b.Text)
		}
		head := ""
		if label != "" {
			head = "*" + mrkdwn(label, true) + "*\n"
		}
		tail := r.links(b.Links, maxSection/2)
		if tail != "" {
			tail = "\n" + tail
		}
		text := head + fitMrkdwn(b.Text, maxSection-width(head)-width(tail), 0, r.record) + tail
		return []slack.Block{r.mrkdwnSection(strings.TrimSpace(text))}
	}
}

// quote shows policy text with Slack's quote bar, labelled (Before, After).
func (r renderer) quote(label string, b bot.Block) []slack.Block {
	text := strings.Trim(clean(b.Text, false), "\n ")
	if text == "" && label == "" {
		return nil
	}
	head := ""
	if label != "" {
		head = "*" + mrkdwn(label, true) + "*\n"
	}
	tail := r.links(b.Links, 600)
	if tail != "" {
		tail = "\n" + tail
	}
	if text == "" {
		return []slack.Block{r.mrkdwnSection(strings.TrimSpace(head + "_(nothing)_" + tail))}
	}
	// One ">" per line, counted in the budget.
	body := fitMrkdwn(text, maxSection-width(head)-width(tail)-1, 1, r.record)
	body = ">" + strings.ReplaceAll(body, "\n", "\n>")
	return []slack.Block{r.mrkdwnSection(head + body + tail)}
}

func (r renderer) list(label string, b bot.Block) []slack.Block {
	var lines []string
	if label != "" {
		lines = append(lines, "*"+mrkdwn(label, true)+"*")
	}
	if t := strings.Trim(clean(b.Text, false), "\n "); t != "" {
		lines = append(lines, mrkdwn(t, false))
	}
	for _, it := range b.Items {
		it = strings.Trim(clean(it, false), "\n ")
		if it == "" {
			continue
		}
		e := "• " + strings.ReplaceAll(mrkdwn(it, false), "\n", "\n   ")
		if width(e) > maxSection {
			e = "• " + fitMrkdwn(strings.ReplaceAll(it, "\n", " "), maxSection-2, 0, r.record)
		}
		lines = append(lines, e)
	}
	if l := r.links(b.Links, maxSection); l != "" {
		lines = append(lines, l)
	}
	// Items are already escaped: pack them without escaping again.
	var out []slack.Block
	for _, chunk := range chunks(strings.Join(lines, "\n"), maxSection, func(s string, _ bool) string { return s }) {
		out = append(out, r.mrkdwnSection(chunk))
	}
	return out
}

// fields shows label/value pairs side by side, ten to a section.
func (r renderer) fields(fs []bot.Field) []slack.Block {
	var out []slack.Block
	var cur []*slack.TextBlockObject
	for _, f := range fs {
		label, value := clean(f.Label, true), clean(f.Value, false)
		if label == "" && strings.TrimSpace(value) == "" {
			continue
		}
		head := ""
		if label != "" {
			head = "*" + fitMrkdwn(label, 200, 0, "") + "*\n"
		}
		text := head + fitMrkdwn(value, maxField-width(head), 0, r.record)
		if strings.TrimSpace(text) == "" {
			continue
		}
		cur = append(cur, mrkdwnText(strings.TrimSpace(text)))
		if len(cur) == maxFields {
			out = append(out, slack.NewSectionBlock(nil, cur, nil))
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, slack.NewSectionBlock(nil, cur, nil))
	}
	return out
}

// context is small print: a label, a line, and links (regulations, records).
func (r renderer) context(label string, b bot.Block) []slack.Block {
	var parts []string
	if label != "" {
		parts = append(parts, "*"+mrkdwn(label, true)+":*")
	}
	text := strings.TrimSpace(clean(b.Text, false))
	used := width(strings.Join(parts, " "))
	if text != "" {
		parts = append(parts, fitMrkdwn(text, maxContext/2-used, 0, r.record))
	}
	used = width(strings.Join(parts, " "))
	if l := r.links(b.Links, maxContext-used-1); l != "" {
		parts = append(parts, l)
	}
	s := strings.TrimSpace(strings.Join(parts, " "))
	if s == "" {
		return nil
	}
	return []slack.Block{slack.NewContextBlock("", mrkdwnText(s))}
}

// links joins links as " · "-separated mrkdwn, as many as fit in budget.
func (r renderer) links(ls []bot.Link, budget int) string {
	var out []string
	used := 0
	for i, l := range ls {
		s := link(l.URL, l.Label)
		if s == "" {
			s = mrkdwn(l.Label, true)
		}
		if s == "" {
			continue
		}
		if used+width(s)+3 > budget {
			rest := fmt.Sprintf("and %d more", len(ls)-i)
			if r.record != "" {
				rest = link(r.record, rest)
			}
			if used+width(rest)+3 <= budget {
				out = append(out, rest)
			}
			break
		}
		out = append(out, s)
		used += width(s) + 3
	}
	return strings.Join(out, " · ")
}

// actions turns buttons into actions blocks: a link button opens its URL;
// a command button carries its command line in its value.
func (r renderer) actions(as []bot.Action) []slack.Block {
	var out []slack.Block
	var cur []slack.BlockElement
	for i, a := range as {
		text := fitPlain(a.Label, maxButtonText, true)
		if text == "" {
			continue
		}
		var btn *slack.ButtonBlockElement
		// Action ids must be unique in a message: the index makes them so.
		id := fmt.Sprintf("%d", i)
		if a.ID != "" {
			id += ":" + bot.Truncate(clean(a.ID, true), 100)
		}
		switch {
		case a.URL != "":
			u := safeURL(a.URL)
			if u == "" {
				continue
			}
			// A button's url is not mrkdwn: it takes the address as is.
			btn = slack.NewButtonBlockElement(actionLink+":"+id, "", plainText(text)).WithURL(strings.TrimSpace(a.URL))
		case a.Command != "":
			cmd := clean(a.Command, true)
			if cmd == "" || len(cmd) > maxButtonValue {
				continue
			}
			btn = slack.NewButtonBlockElement(actionCommand+":"+id, cmd, plainText(text))
		default:
			continue
		}
		switch a.Style {
		case "primary":
			btn = btn.WithStyle(slack.StylePrimary)
		case "danger":
			btn = btn.WithStyle(slack.StyleDanger)
		}
		cur = append(cur, btn)
		if len(cur) == maxActions {
			out = append(out, slack.NewActionBlock("", cur...))
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, slack.NewActionBlock("", cur...))
	}
	return out
}
