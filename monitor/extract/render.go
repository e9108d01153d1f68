package extract

import (
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// renderer walks selected HTML and writes blocks. It keeps one inline buffer
// for the block being built; block elements end it, inline elements add to it.
type renderer struct {
	w     *writer
	in    inline
	rules linkRules
	base  *url.URL
	skip  map[*html.Node]bool // selected roots rendered on their own

	cur   block // kind and attributes of the block being built
	flat  int   // > 0 inside a heading or table cell: blocks become spaces
	pre   int   // > 0 inside <pre>: newlines end blocks
	seq   int   // blocks flushed so far; a link spanning two blocks is not wrapped
	lists []listState
}

type listState struct {
	ordered bool
	next    int
}

func newRenderer(w *writer, base *url.URL, rules linkRules) *renderer {
	return &renderer{w: w, base: base, rules: rules}
}

// root renders one selected node, itself included, as a run of blocks.
func (r *renderer) root(n *html.Node) {
	r.cur = block{kind: paragraph}
	r.flat, r.pre, r.lists = 0, 0, r.lists[:0]
	if n.Type == html.ElementNode && n.DataAtom == atom.Nav {
		// Navigation is chrome unless the declaration asks for it.
		r.children(n)
	} else {
		r.node(n)
	}
	r.flush()
}

func (r *renderer) flush() {
	if !r.in.empty() {
		b := r.cur
		b.text = string(r.in.buf)
		r.w.add(b)
		if r.cur.kind == item {
			// Text after a nested list continues the item as a bullet.
			r.cur.ordered = false
		}
	}
	r.in.reset()
	r.seq++
}

// boundary separates words without ending the block when blocks are
// flattened (headings, cells, list items); otherwise it ends the block.
func (r *renderer) boundary() {
	if r.flat > 0 || r.cur.kind == item {
		r.in.softSpace()
		return
	}
	r.flush()
}

func (r *renderer) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r.node(c)
	}
}

func (r *renderer) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		if r.pre > 0 {
			r.preText(n.Data)
			return
		}
		r.in.text(n.Data)
		return
	case html.ElementNode:
	case html.DocumentNode:
		r.children(n)
		return
	default:
		return
	}
	if r.skip != nil && r.skip[n] {
		return
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Math, atom.Iframe,
		atom.Object, atom.Embed, atom.Canvas, atom.Head, atom.Title, atom.Meta, atom.Link,
		atom.Img, atom.Picture, atom.Video, atom.Audio, atom.Source, atom.Track, atom.Map,
		atom.Area, atom.Input, atom.Textarea, atom.Select, atom.Option, atom.Datalist, atom.Dialog, atom.Nav:
		return
	case atom.A:
		r.link(n)
	case atom.Br:
		if r.pre > 0 {
			r.flush()
			return
		}
		r.boundary()
	case atom.Hr:
		if r.flat == 0 {
			r.boundary()
		}
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if r.flat > 0 || r.cur.kind == item {
			r.in.softSpace()
			r.children(n)
			r.in.softSpace()
			return
		}
		r.flush()
		saved := r.cur
		r.cur = block{kind: heading, level: int(n.Data[1] - '0')}
		r.flat++
		r.children(n)
		r.flat--
		r.flush()
		r.cur = saved
	case atom.Ul, atom.Ol, atom.Menu, atom.Dir:
		if r.flat > 0 {
			r.in.softSpace()
			r.children(n)
			r.in.softSpace()
			return
		}
		r.flush()
		ls := listState{ordered: n.DataAtom == atom.Ol, next: 1}
		if ls.ordered {
			if v, err := strconv.Atoi(attr(n, "start")); err == nil {
				ls.next = v
			}
		}
		r.lists = append(r.lists, ls)
		r.children(n)
		r.lists = r.lists[:len(r.lists)-1]
		r.flush()
	case atom.Li:
		if r.flat > 0 {
			r.in.softSpace()
			r.children(n)
			r.in.softSpace()
			return
		}
		r.flush()
		saved := r.cur
		b := block{kind: item}
		if k := len(r.lists); k > 0 {
			ls := &r.lists[k-1]
			b.level = k - 1
			b.ordered = ls.ordered
			if v, err := strconv.Atoi(attr(n, "value")); err == nil {
				ls.next = v
			}
			b.num = min(max(ls.next, 0), 999999999)
			ls.next++
		}
		r.cur = b
		r.children(n)
		r.flush()
		r.cur = saved
	case atom.Table:
		if r.flat > 0 {
			r.in.softSpace()
			r.children(n)
			r.in.softSpace()
			return
		}
		r.flush()
		if isLayoutTable(n) {
			r.layoutTable(n)
		} else {
			r.children(n)
		}
		r.flush()
	case atom.Tr:
		if r.flat > 0 {
			r.in.softSpace()
			r.children(n)
			r.in.softSpace()
			return
		}
		r.tableRow(n)
	case atom.Td, atom.Th:
		// A cell outside a row (broken markup): its text, as a block.
		r.boundary()
		r.children(n)
		r.boundary()
	case atom.Pre:
		if r.flat > 0 {
			r.children(n)
			return
		}
		r.boundary()
		r.pre++
		r.children(n)
		r.pre--
		r.boundary()
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Main, atom.Header, atom.Footer, atom.Aside,
		atom.Blockquote, atom.Address, atom.Center, atom.Dl, atom.Dt, atom.Dd, atom.Details,
		atom.Summary, atom.Figure, atom.Figcaption, atom.Form, atom.Fieldset, atom.Legend, atom.Hgroup,
		atom.Body, atom.Html, atom.Caption, atom.Thead, atom.Tbody, atom.Tfoot, atom.Search:
		r.boundary()
		r.children(n)
		r.boundary()
	case atom.Button, atom.Label:
		r.in.softSpace()
		r.children(n)
		r.in.softSpace()
	default:
		r.children(n)
	}
}

func (r *renderer) preText(s string) {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			r.in.text(s)
			return
		}
		r.in.text(s[:i])
		r.flush()
		s = s[i+1:]
	}
}

// link renders an anchor: its text, its target where keepLink wants it, and
// nothing at all for skip links and "back to top" buttons.
func (r *renderer) link(n *html.Node) {
	start, seq, space := len(r.in.buf), r.seq, r.in.space
	r.children(n)
	if seq != r.seq {
		return
	}
	href := attr(n, "href")
	if isChromeLink(href, r.in.buf[start:]) {
		r.in.buf = r.in.buf[:start]
		r.in.space = space
		return
	}
	if href == "" || href[0] == '#' {
		return
	}
	if r.base != nil {
		if u, err := r.base.Parse(href); err == nil {
			href = u.String()
		}
	}
	r.in.endLink(start, href, r.rules)
}

// chromeLinkText is the text of in-page navigation links that are page
// furniture, not policy text.
var chromeLinkText = map[string]bool{
	"skip to content": true, "skip to main content": true, "skip to main": true, "skip navigation": true,
	"skip to navigation": true, "back to top": true, "return to top": true, "go to top": true, "top": true,
	"scroll to top": true, "to top": true, "top of page": true, "back to the top": true,
	"retour en haut": true, "haut de page": true, "retour en haut de page": true, "nach oben": true,
	"volver arriba": true, "torna su": true,
}

func isChromeLink(href string, text []byte) bool {
	if href != "" && href[0] != '#' {
		return false
	}
	t := strings.ToLower(strings.Trim(string(text), " ^↑⬆▲"))
	return chromeLinkText[t]
}

// tableRow writes one row: each cell's text flattened to one line.
func (r *renderer) tableRow(n *html.Node) {
	r.flush()
	var cells []string
	saved := r.in
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || (c.DataAtom != atom.Td && c.DataAtom != atom.Th) {
			continue
		}
		if r.skip != nil && r.skip[c] {
			continue
		}
		r.in = inline{buf: r.in.buf[:0:0]}
		r.flat++
		r.children(c)
		r.flat--
		cells = append(cells, string(r.in.buf))
	}
	r.in = saved
	r.in.reset()
	if len(cells) > 0 {
		r.w.add(block{kind: row, cells: cells})
	}
	r.seq++
}

// isLayoutTable tells a table used for page layout from a data table: a
// single column, or cells that hold headings, lists or other tables.
func isLayoutTable(t *html.Node) bool {
	maxCells := 0
	layout := false
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		for c := n.FirstChild; c != nil && !layout; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Tr:
				k := 0
				for td := c.FirstChild; td != nil; td = td.NextSibling {
					if td.Type == html.ElementNode && (td.DataAtom == atom.Td || td.DataAtom == atom.Th) {
						k++
						if hasBlockContent(td) {
							layout = true
						}
					}
				}
				maxCells = max(maxCells, k)
			case atom.Thead, atom.Tbody, atom.Tfoot:
				walk(c, depth+1)
			}
		}
	}
	walk(t, 0)
	return layout || maxCells <= 1
}

func hasBlockContent(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.Table, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			return true
		}
		if hasBlockContent(c) {
			return true
		}
	}
	return false
}

// layoutTable renders the cells of a layout table as ordinary blocks.
func (r *renderer) layoutTable(t *html.Node) {
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Tr, atom.Thead, atom.Tbody, atom.Tfoot:
				walk(c)
			case atom.Td, atom.Th:
				r.boundary()
				r.children(c)
				r.boundary()
			case atom.Caption:
				r.node(c)
			}
		}
	}
	walk(t)
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}
