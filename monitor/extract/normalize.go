package extract

import (
	"strings"
)

// Normalize rewrites Markdown (an Open Terms Archive version, a file a person
// wrote, or the output of Extract) into the output dialect described in
// markdown.go, with the same character and whitespace rules as Extract. It is
// idempotent, and Normalize(Extract(...).Markdown) is that Markdown unchanged,
// so texts from either side can be compared directly.
func Normalize(markdown string) string {
	var p mdParser
	p.rules = linkRules{}
	start := 0
	for start <= len(markdown) {
		end := strings.IndexByte(markdown[start:], '\n')
		if end < 0 {
			end = len(markdown)
		} else {
			end += start
		}
		p.line(markdown[start:end])
		start = end + 1
	}
	p.closeAll()
	return p.w.String()
}

// mdParser reads the CommonMark subset that matters for policies, leniently:
// ATX and setext headings, bullet and ordered lists nested by indentation,
// pipe tables, block quotes (markers dropped), fenced code, thematic breaks
// (dropped), hard line breaks.
type mdParser struct {
	w     writer
	rules linkRules
	in    inline

	para     []string // lines of the open paragraph
	paraHard bool     // the last paragraph line ended with a hard break

	itemOpen    bool
	itemText    []string
	itemBlock   block
	itemIndent  int   // indent of the open item's marker
	listIndents []int // marker indents of the open lists, outermost first

	blank    bool // the previous line was blank
	quote    int  // block quote depth of the previous line
	fence    string
	fenceQ   int
	sawBlock bool
}

func (p *mdParser) line(raw string) {
	raw = strings.TrimSuffix(raw, "\r")
	if strings.IndexByte(raw, '\t') >= 0 {
		raw = strings.ReplaceAll(raw, "\t", "    ")
	}
	// Block quote markers: dropped, but a change of depth ends a paragraph.
	q := 0
	for {
		t := strings.TrimLeft(raw, " ")
		if len(raw)-len(t) > 3 || !strings.HasPrefix(t, ">") {
			break
		}
		raw = strings.TrimPrefix(t[1:], " ")
		q++
	}
	if p.fence != "" {
		t := strings.TrimSpace(raw)
		if strings.HasPrefix(t, p.fence) && strings.Trim(t, p.fence[:1]) == "" {
			p.fence = ""
			return
		}
		p.closeAll()
		p.in.reset()
		p.in.text(t)
		p.w.add(block{kind: paragraph, text: string(p.in.buf)})
		return
	}
	if q != p.quote {
		p.closePara()
		p.quote = q
	}
	hard := strings.HasSuffix(raw, "  ") || (strings.HasSuffix(raw, "\\") && !strings.HasSuffix(raw, "\\\\"))
	content := strings.TrimLeft(raw, " ")
	indent := len(raw) - len(content)
	content = strings.TrimRight(content, " ")
	if content == "" {
		p.closePara()
		p.blank = true
		return
	}
	wasBlank := p.blank
	p.blank = false
	if hard && strings.HasSuffix(content, "\\") {
		content = strings.TrimRight(content[:len(content)-1], " ")
		if content == "" {
			p.closePara()
			p.blank = true
			return
		}
	}

	if indent < 4 || p.itemOpen || len(p.listIndents) > 0 {
		if f := fenceOpening(content); f != "" {
			p.closeAll()
			p.fence = f
			return
		}
		if lvl, text, ok := atxHeading(content); ok {
			p.closeAll()
			p.emitText(heading, lvl, text)
			return
		}
		if len(p.para) > 0 && !p.itemOpen && indent < 4 {
			if lvl := setextUnderline(content); lvl > 0 {
				text := strings.Join(p.para, "\n")
				p.para = p.para[:0]
				p.emitText(heading, lvl, text)
				return
			}
		}
		if isThematicBreak(content) {
			p.closeAll()
			return
		}
		if content[0] == '|' {
			p.closeAll()
			p.tableRow(content)
			return
		}
		if ordered, num, rest, ok := listMarker(content); ok {
			p.closePara()
			p.closeItem()
			p.startItem(indent, ordered, num, rest)
			return
		}
	}

	// Plain text: continues the open item or paragraph, or starts a paragraph.
	if p.itemOpen {
		if !wasBlank || indent > p.itemIndent {
			p.itemText = append(p.itemText, content)
			return
		}
		p.closeAll()
	}
	if len(p.para) > 0 && p.paraHard {
		p.closePara()
	}
	p.para = append(p.para, content)
	p.paraHard = hard
}

func (p *mdParser) startItem(indent int, ordered bool, num int, rest string) {
	if !p.sawItemContext() {
		p.listIndents = p.listIndents[:0]
	}
	for len(p.listIndents) > 0 && p.listIndents[len(p.listIndents)-1] > indent {
		p.listIndents = p.listIndents[:len(p.listIndents)-1]
	}
	if len(p.listIndents) == 0 || p.listIndents[len(p.listIndents)-1] < indent {
		p.listIndents = append(p.listIndents, indent)
	}
	p.itemOpen = true
	p.itemIndent = indent
	p.itemBlock = block{kind: item, level: len(p.listIndents) - 1, ordered: ordered, num: num}
	p.itemText = append(p.itemText[:0], rest)
}

// sawItemContext reports whether the list context is still open: the last
// block written was a list item and nothing else came since.
func (p *mdParser) sawItemContext() bool {
	return len(p.listIndents) > 0 && p.w.n > 0 && p.w.prev == item
}

func (p *mdParser) closeItem() {
	if !p.itemOpen {
		return
	}
	p.itemOpen = false
	b := p.itemBlock
	p.emitText(item, b.level, strings.Join(p.itemText, "\n"), b)
	p.itemText = p.itemText[:0]
}

func (p *mdParser) closePara() {
	if len(p.para) == 0 {
		return
	}
	text := strings.Join(p.para, "\n")
	p.para = p.para[:0]
	p.paraHard = false
	p.emitText(paragraph, 0, text)
	p.listIndents = p.listIndents[:0]
}

func (p *mdParser) closeAll() {
	p.closePara()
	p.closeItem()
	p.listIndents = p.listIndents[:0]
}

// emitText parses inline Markdown and adds the block. An item passes its
// block (ordered, num) as proto.
func (p *mdParser) emitText(kind blockKind, level int, text string, proto ...block) {
	p.in.reset()
	parseInline(&p.in, text, p.rules)
	b := block{kind: kind, level: level, text: string(p.in.buf)}
	if len(proto) > 0 {
		b.ordered, b.num = proto[0].ordered, proto[0].num
	}
	p.w.add(b)
}

func (p *mdParser) tableRow(content string) {
	cells := splitRow(content)
	// The part after the last pipe: empty for a closed row, else text.
	trailing := cells[len(cells)-1]
	cells = cells[:len(cells)-1]
	sep := len(cells) > 0
	for _, c := range cells {
		if !isSeparatorCell(c) {
			sep = false
			break
		}
	}
	if sep {
		// Turndown writes a table's caption right after the separator row.
		if strings.TrimSpace(trailing) != "" {
			p.emitText(paragraph, 0, strings.TrimSpace(trailing))
		}
		return
	}
	if trailing != "" {
		cells = append(cells, trailing)
	}
	b := block{kind: row, cells: make([]string, len(cells))}
	for i, c := range cells {
		p.in.reset()
		parseInline(&p.in, strings.TrimSpace(c), p.rules)
		b.cells[i] = string(p.in.buf)
	}
	p.w.add(b)
}

// splitRow splits "| a | b \| c |" on unescaped pipes, dropping the part
// before the leading pipe. The last element is what follows the last pipe.
func splitRow(s string) []string {
	var cells []string
	start := 1 // s[0] == '|'
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '|':
			cells = append(cells, s[start:i])
			start = i + 1
		}
	}
	return append(cells, s[start:])
}

func fenceOpening(s string) string {
	for _, f := range []string{"```", "~~~"} {
		if strings.HasPrefix(s, f) {
			n := len(s) - len(strings.TrimLeft(s, f[:1]))
			if f[0] == '`' && strings.Contains(s[n:], "`") {
				return ""
			}
			return s[:n]
		}
	}
	return ""
}

func atxHeading(s string) (int, string, bool) {
	n := 0
	for n < len(s) && s[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (n < len(s) && s[n] != ' ') {
		return 0, "", false
	}
	text := strings.TrimSpace(s[n:])
	// Closing sequence: trailing #s after a space (or the whole text).
	t := strings.TrimRight(text, "#")
	if t == "" {
		text = ""
	} else if len(t) < len(text) && strings.HasSuffix(t, " ") {
		text = strings.TrimRight(t, " ")
	}
	return n, text, true
}

func setextUnderline(s string) int {
	t := strings.TrimRight(s, " ")
	if t == "" {
		return 0
	}
	c := t[0]
	if c != '=' && c != '-' {
		return 0
	}
	for i := 0; i < len(t); i++ {
		if t[i] != c {
			return 0
		}
	}
	if c == '=' {
		return 1
	}
	return 2
}

func isThematicBreak(s string) bool {
	c := s[0]
	if c != '-' && c != '*' && c != '_' {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case c:
			n++
		case ' ':
		default:
			return false
		}
	}
	return n >= 3
}

// listMarker recognizes "- ", "* ", "+ ", "1. " and "1) " (or the marker alone).
func listMarker(s string) (ordered bool, num int, rest string, ok bool) {
	switch s[0] {
	case '-', '*', '+':
		if len(s) == 1 {
			return false, 0, "", true
		}
		if s[1] == ' ' {
			return false, 0, strings.TrimLeft(s[2:], " "), true
		}
		return false, 0, "", false
	}
	i := 0
	for i < len(s) && i < 10 && s[i] >= '0' && s[i] <= '9' {
		num = num*10 + int(s[i]-'0')
		i++
	}
	if i == 0 || i > 9 || i >= len(s) || (s[i] != '.' && s[i] != ')') {
		return false, 0, "", false
	}
	if i+1 == len(s) {
		return true, num, "", true
	}
	if s[i+1] != ' ' {
		return false, 0, "", false
	}
	return true, num, strings.TrimLeft(s[i+2:], " "), true
}

// parseInline reads inline Markdown into in: backslash escapes, code spans
// (kept as text), emphasis (dropped), images (dropped), links (text, and
// target only where keepLink says so), <br> (a space).
func parseInline(in *inline, s string, rules linkRules) {
	lit := 0 // start of pending literal text
	flush := func(end int) {
		if end > lit {
			in.text(s[lit:end])
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && isASCIIPunct(s[i+1]) {
				flush(i)
				in.writeByte(s[i+1])
				i += 2
				lit = i
				continue
			}
		case '`':
			n := runLen(s, i, '`')
			if end := findCodeClose(s, i+n, n); end >= 0 {
				flush(i)
				in.text(s[i+n : end])
				i = end + n
				lit = i
				continue
			}
			// No closing run: the whole run is literal.
			i += n
			continue
		case '*':
			flush(i)
			i += runLen(s, i, '*')
			lit = i
			continue
		case '_':
			n := runLen(s, i, '_')
			var prev, next rune = -1, -1
			if i > 0 {
				prev = lastRune(s[:i])
			}
			if i+n < len(s) {
				next = firstRune(s[i+n:])
			}
			if isWordRune(prev) && isWordRune(next) {
				i += n
				continue
			}
			flush(i)
			i += n
			lit = i
			continue
		case '!':
			if i+1 < len(s) && s[i+1] == '[' {
				if _, _, end, ok := parseLink(s, i+1); ok {
					flush(i)
					i = end
					lit = i
					continue
				}
			}
		case '[':
			if textEnd, dest, end, ok := parseLink(s, i); ok {
				flush(i)
				start := len(in.buf)
				parseInline(in, s[i+1:textEnd], rules)
				in.endLink(start, dest, rules)
				i = end
				lit = i
				continue
			}
		case '<':
			if n := brTag(s[i:]); n > 0 {
				flush(i)
				in.softSpace()
				i += n
				lit = i
				continue
			}
		}
		i++
	}
	flush(len(s))
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

func runLen(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

func findCodeClose(s string, from, n int) int {
	for i := from; i < len(s); {
		j := strings.IndexByte(s[i:], '`')
		if j < 0 {
			return -1
		}
		j += i
		m := runLen(s, j, '`')
		if m == n {
			return j
		}
		i = j + m
	}
	return -1
}

// parseLink parses [text](dest "title") starting at the '['. It returns the
// end of the text (index of the matching ']'), the destination, and the index
// after the closing ')'.
func parseLink(s string, open int) (textEnd int, dest string, end int, ok bool) {
	depth := 0
	i := open
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
			continue
		case '`':
			n := runLen(s, i, '`')
			if e := findCodeClose(s, i+n, n); e >= 0 {
				i = e + n - 1
			} else {
				i += n - 1
			}
			continue
		case '[':
			depth++
		case ']':
			depth--
		}
		if depth == 0 {
			break
		}
	}
	if i >= len(s) || i+1 >= len(s) || s[i+1] != '(' {
		return 0, "", 0, false
	}
	textEnd = i
	j := i + 2
	for j < len(s) && (s[j] == ' ' || s[j] == '\n') {
		j++
	}
	if j < len(s) && s[j] == '<' {
		k := strings.IndexByte(s[j:], '>')
		if k < 0 {
			return 0, "", 0, false
		}
		dest = s[j+1 : j+k]
		j += k + 1
	} else {
		parens := 0
		k := j
		for ; k < len(s); k++ {
			c := s[k]
			if c == '\\' && k+1 < len(s) {
				k++
				continue
			}
			if c == '(' {
				parens++
			} else if c == ')' {
				if parens == 0 {
					break
				}
				parens--
			} else if c == ' ' || c == '\n' {
				break
			}
		}
		dest = s[j:k]
		j = k
	}
	// Optional title, then ')'.
	for j < len(s) && (s[j] == ' ' || s[j] == '\n') {
		j++
	}
	if j < len(s) && (s[j] == '"' || s[j] == '\'' || s[j] == '(') {
		closer := s[j]
		if closer == '(' {
			closer = ')'
		}
		k := strings.IndexByte(s[j+1:], closer)
		if k < 0 {
			return 0, "", 0, false
		}
		j += k + 2
		for j < len(s) && (s[j] == ' ' || s[j] == '\n') {
			j++
		}
	}
	if j >= len(s) || s[j] != ')' {
		return 0, "", 0, false
	}
	return textEnd, unescapeDest(dest), j + 1, true
}

func unescapeDest(d string) string {
	if strings.IndexByte(d, '\\') < 0 {
		return d
	}
	var b strings.Builder
	for i := 0; i < len(d); i++ {
		if d[i] == '\\' && i+1 < len(d) && isASCIIPunct(d[i+1]) {
			i++
		}
		b.WriteByte(d[i])
	}
	return b.String()
}

// brTag returns the length of a <br>, <br/> or <br /> tag at the start of s.
func brTag(s string) int {
	if len(s) < 4 || (s[1] != 'b' && s[1] != 'B') || (s[2] != 'r' && s[2] != 'R') {
		return 0
	}
	i := 3
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i < len(s) && s[i] == '/' {
		i++
	}
	if i < len(s) && s[i] == '>' {
		return i + 1
	}
	return 0
}

func lastRune(s string) rune {
	for i := len(s) - 1; i >= 0 && i >= len(s)-4; i-- {
		if s[i] < 0x80 || s[i] >= 0xC0 {
			r := []rune(s[i:])
			if len(r) > 0 {
				return r[0]
			}
		}
	}
	return -1
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return -1
}
