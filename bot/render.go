package bot

import (
	"fmt"
	"strings"
)

// RenderText renders a message as plain text: the title (with the severity
// first, so a busy reader sees how much it matters), the text, then each
// block, then the buttons with what they do. It is what the console prints,
// what logs show and what chats without rich layout fall back to. Every
// string is cleaned, so policy text cannot inject terminal escapes.
func RenderText(m Message) string {
	var lines []string
	add := func(s string) { lines = append(lines, s) }
	title := Clean(m.Title, true)
	if sev := Clean(m.Severity, true); sev != "" {
		title = strings.TrimSpace("[" + strings.ToUpper(sev) + "] " + title)
	}
	if title != "" {
		if u := Clean(m.URL, true); u != "" {
			title += " <" + u + ">"
		}
		add(title)
	}
	if t := strings.TrimRight(Clean(m.Text, false), "\n "); t != "" {
		add(t)
	}
	for _, b := range m.Blocks {
		if s := renderBlock(b); s != "" {
			add(s)
		}
	}
	if len(m.Actions) > 0 {
		var parts []string
		for _, a := range m.Actions {
			label := Clean(a.Label, true)
			switch {
			case a.URL != "":
				parts = append(parts, fmt.Sprintf("[%s] %s", label, Clean(a.URL, true)))
			case a.Command != "":
				parts = append(parts, fmt.Sprintf("[%s] %s", label, Clean(a.Command, true)))
			default:
				parts = append(parts, "["+label+"]")
			}
		}
		add("Buttons: " + strings.Join(parts, "  "))
	}
	return strings.Join(lines, "\n")
}

func renderBlock(b Block) string {
	label := Clean(b.Label, true)
	text := strings.TrimRight(Clean(b.Text, false), "\n ")
	var s string
	switch b.Kind {
	case BlockHeading:
		s = strings.ToUpper(Clean(b.Text, true))
		if s == "" {
			s = strings.ToUpper(label)
		}
	case BlockQuote:
		prefix := "> "
		if label != "" {
			prefix = "> " + label + ": "
		}
		s = prefixLines(text, prefix, "> ")
	case BlockList:
		var items []string
		if label != "" {
			items = append(items, label+":")
		}
		for _, it := range b.Items {
			items = append(items, prefixLines(strings.TrimRight(Clean(it, false), "\n "), "- ", "  "))
		}
		if text != "" {
			items = append([]string{text}, items...)
		}
		s = strings.Join(items, "\n")
	case BlockFields:
		var parts []string
		for _, f := range b.Fields {
			parts = append(parts, Clean(f.Label, true)+": "+Clean(f.Value, true))
		}
		s = strings.Join(parts, " | ")
	case BlockContext:
		s = text
		if label != "" {
			s = strings.TrimSpace(label + ": " + s)
		}
	case BlockDivider:
		s = "---"
	default:
		s = text
		if label != "" {
			s = strings.TrimSpace(label + ": " + s)
		}
	}
	if len(b.Links) > 0 {
		var links []string
		for _, l := range b.Links {
			lt, lu := Clean(l.Label, true), Clean(l.URL, true)
			switch {
			case lu == "":
				links = append(links, lt)
			case lt == "":
				links = append(links, lu)
			default:
				links = append(links, lt+" <"+lu+">")
			}
		}
		joined := strings.Join(links, ", ")
		if s == "" {
			s = joined
		} else if b.Kind == BlockContext || b.Kind == BlockText {
			s += " " + joined
		} else {
			s += "\n" + joined
		}
	}
	return s
}

// prefixLines puts first before the first line and rest before the others.
func prefixLines(text, first, rest string) string {
	if text == "" {
		return strings.TrimRight(first, " ")
	}
	ls := strings.Split(text, "\n")
	for i := range ls {
		if i == 0 {
			ls[i] = first + ls[i]
		} else {
			ls[i] = rest + ls[i]
		}
	}
	return strings.Join(ls, "\n")
}
