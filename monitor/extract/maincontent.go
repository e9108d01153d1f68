package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Without a declaration the extractor finds the policy by itself. Policies
// are long runs of prose, so the rule is simple: drop page chrome, then take
// the page's declared main region if it holds most of the text, else walk
// down from <body> into whichever child holds most of the prose, and stop
// where the prose is spread over several children (the article's container).

// chromeRoles are ARIA landmark roles of page furniture.
var chromeRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "complementary": true, "search": true,
	"menubar": true, "menu": true, "dialog": true, "alertdialog": true, "toolbar": true,
}

func isChrome(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Nav, atom.Header, atom.Footer, atom.Aside, atom.Form, atom.Button, atom.Select:
		return true
	}
	return chromeRoles[strings.ToLower(attr(n, "role"))]
}

// mainContent returns the node holding the page's main text, with chrome
// removed from it.
func mainContent(root *html.Node) *html.Node {
	body := findElement(root, atom.Body)
	if body == nil {
		body = root
	}
	// Chrome inside the chosen region goes too (a table of contents aside,
	// a share bar), except a header that carries the document's title.
	scores := map[*html.Node]int{}
	total := proseScore(body, scores)
	if total == 0 {
		return body
	}
	best := body
	for _, cand := range landmarks(body) {
		if s := scores[cand]; s*2 >= total && (best == body || s > scores[best]) {
			best = cand
		}
	}
	if best == body {
		n := body
		for {
			var top *html.Node
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && (top == nil || scores[c] > scores[top]) {
					top = c
				}
			}
			if top == nil || scores[top]*10 < scores[n]*7 {
				break
			}
			n = top
		}
		best = n
	}
	stripChrome(best)
	return best
}

// landmarks returns <main>, [role=main] and <article> elements.
func landmarks(n *html.Node) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.Main || c.DataAtom == atom.Article || strings.EqualFold(attr(c, "role"), "main") {
				out = append(out, c)
			}
			walk(c)
		}
	}
	walk(n)
	return out
}

// proseScore scores each element by the characters of text it holds outside
// links and chrome: link lists (menus, footers, tables of contents) weigh
// nothing, so they never win.
func proseScore(n *html.Node, scores map[*html.Node]int) int {
	total := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			total += len(strings.TrimSpace(c.Data))
		case html.ElementNode:
			if isChrome(c) {
				continue
			}
			s := proseScore(c, scores)
			if c.DataAtom == atom.A {
				s /= 10
			}
			total += s
		}
	}
	scores[n] = total
	return total
}

func stripChrome(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode {
			if isChrome(c) && !(c.DataAtom == atom.Header && hasHeading(c)) {
				n.RemoveChild(c)
			} else {
				stripChrome(c)
			}
		}
		c = next
	}
}

func hasHeading(n *html.Node) bool {
	return findElement(n, atom.H1) != nil
}

func findElement(n *html.Node, a atom.Atom) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == a {
			return c
		}
		if f := findElement(c, a); f != nil {
			return f
		}
	}
	return nil
}
