package diff

import (
	"strings"
)

// BlockKind is the Markdown construct a block came from.
type BlockKind string

const (
	BlockHeading   BlockKind = "heading"
	BlockParagraph BlockKind = "paragraph"
	BlockItem      BlockKind = "item"
	BlockRow       BlockKind = "row"
	BlockCode      BlockKind = "code"
)

// Block is the unit the differ aligns: a heading, a paragraph, one list item
// or one table row, with the heading path it sits under.
type Block struct {
	Kind BlockKind
	// Level is the heading level (1-6); 0 for other blocks.
	Level int
	// Text is the block as Markdown: trailing spaces and the indentation of
	// its first line removed, setext headings rewritten as ATX ("# Title"),
	// continuation lines kept.
	Text string
	// Section is the path of headings above the block, outermost first,
	// joined with " > ". A heading's own Section is the path of its parents.
	Section string
}

// Blocks splits Markdown into blocks. It accepts both the extractor's
// normalized output and Open Terms Archive Markdown (setext headings, "*   "
// list markers, backslash escapes). Thematic breaks and table separator rows
// carry no text and are dropped.
func Blocks(md string) []Block {
	p := blockParser{}
	md = strings.ReplaceAll(md, "\r\n", "\n")
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		raw := strings.TrimRight(lines[i], " \t\r")
		trimmed := strings.TrimLeft(raw, " \t")
		indent := len(raw) - len(trimmed)

		if p.fence != "" {
			p.cur = append(p.cur, raw)
			if strings.HasPrefix(trimmed, p.fence) && strings.Trim(trimmed, p.fence[:1]) == "" {
				p.fence = ""
				p.flush()
			}
			continue
		}
		switch {
		case trimmed == "":
			p.flush()
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			p.flush()
			p.kind = BlockCode
			p.fence = trimmed[:3]
			p.cur = append(p.cur, trimmed)
		case p.kind == BlockParagraph && len(p.cur) > 0 && isSetextUnderline(trimmed):
			level := 1
			if trimmed[0] == '-' {
				level = 2
			}
			text := strings.Join(trimLines(p.cur), " ")
			p.cur = nil
			p.kind = ""
			p.heading(level, text)
		case isThematicBreak(trimmed):
			p.flush()
		case indent < 4 && atxLevel(trimmed) > 0:
			p.flush()
			level := atxLevel(trimmed)
			p.heading(level, atxText(trimmed, level))
		case strings.HasPrefix(trimmed, "|"):
			p.flush()
			if !isTableSeparator(trimmed) {
				p.emit(Block{Kind: BlockRow, Text: trimmed})
			}
		case listMarkerLen(trimmed) > 0:
			p.flush()
			p.kind = BlockItem
			p.cur = append(p.cur, trimmed)
		default:
			if p.kind == "" {
				p.kind = BlockParagraph
			}
			p.cur = append(p.cur, trimmed)
		}
	}
	p.flush()
	return p.blocks
}

type blockParser struct {
	blocks []Block
	kind   BlockKind
	cur    []string
	fence  string
	// path holds the heading texts by level (index 0 = level 1); inner is
	// the section of non-heading blocks, joined once per heading.
	path  [6]string
	inner string
}

func (p *blockParser) flush() {
	if len(p.cur) > 0 {
		text := p.cur[0]
		if len(p.cur) > 1 {
			text = strings.Join(p.cur, "\n")
		}
		p.emit(Block{Kind: p.kind, Text: text})
	}
	p.cur = p.cur[:0]
	p.kind = ""
	p.fence = ""
}

func (p *blockParser) emit(b Block) {
	b.Section = p.inner
	p.blocks = append(p.blocks, b)
}

func (p *blockParser) heading(level int, text string) {
	b := Block{Kind: BlockHeading, Level: level, Text: strings.Repeat("#", level) + " " + text, Section: p.section(level)}
	p.blocks = append(p.blocks, b)
	p.path[level-1] = headingTitle(text)
	for l := level; l < len(p.path); l++ {
		p.path[l] = ""
	}
	p.inner = p.section(7)
}

// section joins the headings above level.
func (p *blockParser) section(level int) string {
	var parts []string
	for l := 0; l < level-1 && l < len(p.path); l++ {
		if p.path[l] != "" {
			parts = append(parts, p.path[l])
		}
	}
	return strings.Join(parts, " > ")
}

// headingTitle is a heading as a reader names it: no emphasis, no link URL.
func headingTitle(text string) string {
	return strings.Join(strings.Fields(stripFormatting(stripLinks(text))), " ")
}

func trimLines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimSpace(l)
	}
	return out
}

func isSetextUnderline(s string) bool {
	if s == "" || (s[0] != '=' && s[0] != '-') {
		return false
	}
	return strings.Trim(s, s[:1]) == ""
}

// isThematicBreak reports a line of three or more -, * or _ (spaces allowed).
func isThematicBreak(s string) bool {
	if s == "" || (s[0] != '-' && s[0] != '*' && s[0] != '_') {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case s[0]:
			n++
		case ' ', '\t':
		default:
			return false
		}
	}
	return n >= 3
}

func atxLevel(s string) int {
	n := 0
	for n < len(s) && s[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (n < len(s) && s[n] != ' ' && s[n] != '\t') {
		return 0
	}
	return n
}

func atxText(s string, level int) string {
	t := strings.TrimSpace(s[level:])
	// A closing sequence of #s is decoration, unless it is the whole text.
	if c := strings.TrimRight(t, "#"); c != t && (c == "" || strings.HasSuffix(c, " ")) {
		t = strings.TrimSpace(c)
	}
	return t
}

func isTableSeparator(s string) bool {
	hasDash := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '-':
			hasDash = true
		case '|', ':', ' ', '\t':
		default:
			return false
		}
	}
	return hasDash
}

// listMarkerLen returns the length of a list marker and the spaces after it
// at the start of s ("* ", "- ", "+ ", "1. ", "2) "), or 0.
func listMarkerLen(s string) int {
	n := 0
	switch {
	case s == "":
		return 0
	case s[0] == '*' || s[0] == '-' || s[0] == '+':
		n = 1
	default:
		for n < len(s) && n < 9 && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		if n == 0 || n >= len(s) || (s[n] != '.' && s[n] != ')') {
			return 0
		}
		n++
	}
	if n == len(s) {
		return n
	}
	if s[n] != ' ' && s[n] != '\t' {
		return 0
	}
	for n < len(s) && (s[n] == ' ' || s[n] == '\t') {
		n++
	}
	return n
}
