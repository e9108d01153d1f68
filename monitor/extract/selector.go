package extract

import (
	"fmt"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/policybot/policybot/catalog"
)

// compile parses a CSS selector, reporting a bad one as such (goquery alone
// would silently match nothing).
func compile(css string) (goquery.Matcher, error) {
	m, err := cascadia.Compile(css)
	if err != nil {
		return nil, fmt.Errorf("invalid selector %q: %w", css, err)
	}
	return m, nil
}

// removeSelected deletes what the declaration's remove selectors match. A
// remove selector that matches nothing is fine: the clutter it names may
// simply be absent from this capture.
func removeSelected(doc *goquery.Document, sels catalog.Selectors) error {
	for _, s := range sels {
		if !s.IsRange() {
			m, err := compile(s.CSS)
			if err != nil {
				return err
			}
			doc.FindMatcher(m).Remove()
			continue
		}
		rg, ok, err := findRange(doc, s)
		if err != nil {
			return err
		}
		if ok {
			rg.remove(doc.Nodes[0])
		}
	}
	return nil
}

// selectRoots returns, in declaration order, the nodes the select selectors
// pick. A range becomes a new detached node holding a copy of its contents.
// Every selector must match: one that matches nothing is ErrNoMatch.
func selectRoots(doc *goquery.Document, sels catalog.Selectors) ([]*html.Node, error) {
	var roots []*html.Node
	seen := map[*html.Node]bool{}
	for _, s := range sels {
		if s.IsRange() {
			rg, ok, err := findRange(doc, s)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("select %s: %w", s, ErrNoMatch)
			}
			frag := rg.clone(doc.Nodes[0])
			if frag == nil {
				return nil, fmt.Errorf("select %s: empty range: %w", s, ErrNoMatch)
			}
			roots = append(roots, frag)
			continue
		}
		m, err := compile(s.CSS)
		if err != nil {
			return nil, err
		}
		found := doc.FindMatcher(m).Nodes
		if len(found) == 0 {
			return nil, fmt.Errorf("select %q: %w", s.CSS, ErrNoMatch)
		}
	next:
		for _, n := range found {
			for a := n; a != nil; a = a.Parent {
				if seen[a] {
					continue next // already inside an earlier selection
				}
			}
			seen[n] = true
			roots = append(roots, n)
		}
	}
	return roots, nil
}

// docRange is a DOM Range between two boundary points, each given as a
// position in a pre-order numbering where every node has an entry and an
// exit number. It holds the nodes fully inside [start, end).
type docRange struct {
	start, end int
	pos        map[*html.Node][2]int
}

// findRange resolves startBefore/startAfter and endBefore/endAfter to
// positions. The first element matching each selector is the boundary, as
// in the DOM's querySelector.
func findRange(doc *goquery.Document, s catalog.Selector) (docRange, bool, error) {
	startCSS, endCSS := s.StartBefore, s.EndBefore
	startAfter, endAfter := false, false
	if s.StartAfter != "" {
		startCSS, startAfter = s.StartAfter, true
	}
	if s.EndAfter != "" {
		endCSS, endAfter = s.EndAfter, true
	}
	if startCSS == "" || endCSS == "" {
		return docRange{}, false, fmt.Errorf("range selector %s: needs a start and an end", s)
	}
	sm, err := compile(startCSS)
	if err != nil {
		return docRange{}, false, err
	}
	em, err := compile(endCSS)
	if err != nil {
		return docRange{}, false, err
	}
	root := doc.Nodes[0]
	startNode := cascadia.Query(root, sm)
	endNode := cascadia.Query(root, em)
	if startNode == nil || endNode == nil {
		return docRange{}, false, nil
	}
	rg := docRange{pos: make(map[*html.Node][2]int)}
	counter := 0
	var number func(n *html.Node)
	number = func(n *html.Node) {
		enter := counter
		counter++
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			number(c)
		}
		rg.pos[n] = [2]int{enter, counter}
		counter++
	}
	number(root)
	point := func(n *html.Node, after bool) int {
		if !after {
			return rg.pos[n][0]
		}
		if n.NextSibling != nil {
			return rg.pos[n.NextSibling][0]
		}
		return rg.pos[n.Parent][1]
	}
	rg.start = point(startNode, startAfter)
	rg.end = point(endNode, endAfter)
	return rg, rg.start < rg.end, nil
}

func (rg docRange) inside(n *html.Node) bool {
	p := rg.pos[n]
	return p[0] >= rg.start && p[1] < rg.end
}

func (rg docRange) overlaps(n *html.Node) bool {
	p := rg.pos[n]
	return p[0] < rg.end && p[1] >= rg.start
}

// remove deletes the nodes fully inside the range.
func (rg docRange) remove(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch {
		case rg.inside(c):
			n.RemoveChild(c)
		case rg.overlaps(c):
			rg.remove(c)
		}
		c = next
	}
}

// clone copies the range's contents under a new <div>, keeping shallow
// copies of partially selected elements (as Range.cloneContents does) below
// the deepest node that contains the whole range.
func (rg docRange) clone(root *html.Node) *html.Node {
	container := root
	for {
		var only *html.Node
		count := 0
		for c := container.FirstChild; c != nil; c = c.NextSibling {
			if rg.overlaps(c) {
				only = c
				count++
			}
		}
		if count != 1 || rg.inside(only) {
			break
		}
		container = only
	}
	frag := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	rg.cloneChildren(container, frag)
	if frag.FirstChild == nil {
		return nil
	}
	return frag
}

func (rg docRange) cloneChildren(from, to *html.Node) {
	for c := from.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case rg.inside(c):
			to.AppendChild(deepClone(c))
		case rg.overlaps(c):
			shallow := &html.Node{Type: c.Type, Data: c.Data, DataAtom: c.DataAtom, Namespace: c.Namespace, Attr: c.Attr}
			rg.cloneChildren(c, shallow)
			to.AppendChild(shallow)
		}
	}
}

func deepClone(n *html.Node) *html.Node {
	m := &html.Node{Type: n.Type, Data: n.Data, DataAtom: n.DataAtom, Namespace: n.Namespace, Attr: n.Attr}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		m.AppendChild(deepClone(c))
	}
	return m
}
