package extract

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Open Terms Archive declarations name filters: JavaScript functions kept
// next to each collection's declarations, which are not available here. The
// common generic ones are implemented from what their names state; any other
// name is reported as a warning and skipped, never an error, so that one
// service's custom filter cannot stop its monitor.
var namedFilters = map[string]func(doc *goquery.Document, rules *linkRules){
	// Query strings in kept link targets carry tokens; drop them all.
	"removeQueryParams": func(_ *goquery.Document, rules *linkRules) { rules.dropQuery = true },
	// Link targets are always cleaned (cleanURL); these ask for no more.
	"cleanUrls":         func(*goquery.Document, *linkRules) {},
	"removeTrackingIDs": removeTrackingPixels,
	// Navigation headers: nav bars and banners inside the selected content.
	"removeNavigationHeaders": func(doc *goquery.Document, _ *linkRules) {
		doc.Find("nav, [role=navigation], [role=banner], header nav").Remove()
	},
	"removeReturnToTopButtons": func(doc *goquery.Document, _ *linkRules) {
		doc.Find("a, button").Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			if isChromeLink(href, []byte(normalizeSpace(s.Text()))) || href == "#top" || href == "#" && isChromeLink("", []byte(normalizeSpace(s.Text()))) {
				s.Remove()
			}
		})
		doc.Find("[class*=back-to-top], [class*=backToTop], [class*=scroll-to-top], [id*=back-to-top]").Remove()
	},
	"removeHelpButtons": func(doc *goquery.Document, _ *linkRules) {
		doc.Find("[class*=help-button], [class*=helpButton], [class*=help-btn], [id*=help-button], [aria-label=Help], button[title=Help]").Remove()
	},
	"removeEmptyAnchorsLinks": func(doc *goquery.Document, _ *linkRules) {
		doc.Find("a").Each(func(_ int, s *goquery.Selection) {
			if strings.TrimSpace(s.Text()) == "" && s.Find("img").Length() == 0 {
				s.Remove()
			}
		})
	},
	// Cloudflare addresses are decoded by clean() on every page already.
	"removeCloudflareEmailProtection": func(*goquery.Document, *linkRules) {},
	"unifyEmailProtectedAddresses":    func(*goquery.Document, *linkRules) {},
}

// removeTrackingPixels drops 1x1 images and beacons, and strips tracking
// parameters from every link (cleanURL does so for kept targets).
func removeTrackingPixels(doc *goquery.Document, _ *linkRules) {
	doc.Find("img[width='1'], img[height='1'], img[width='0'], img[height='0']").Remove()
	for _, n := range doc.Find("a[href]").Nodes {
		for i, a := range n.Attr {
			if a.Key == "href" && strings.Contains(a.Val, "?") {
				if c := cleanURL(a.Val, linkRules{}); c != "" {
					n.Attr[i].Val = c
				}
			}
		}
	}
}

// applyFilters runs the named filters in order and returns the names it
// does not know.
func applyFilters(doc *goquery.Document, names []string, rules *linkRules) (unknown []string) {
	for _, name := range names {
		f, ok := namedFilters[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		f(doc, rules)
	}
	return unknown
}

func normalizeSpace(s string) string {
	var in inline
	in.text(s)
	return string(in.buf)
}

// documentTitle returns the page's <title>, normalized.
func documentTitle(root *html.Node) string {
	var find func(n *html.Node) *html.Node
	find = func(n *html.Node) *html.Node {
		if n.Type == html.ElementNode && n.DataAtom == atom.Title {
			return n
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Body {
			return nil
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if t := find(c); t != nil {
				return t
			}
		}
		return nil
	}
	if t := find(root); t != nil {
		return normalizeSpace(textOf(t))
	}
	return ""
}
