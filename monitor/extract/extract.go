// Package extract turns a captured page (HTML or PDF) into the normalized
// Markdown text of a document: the part the declaration selects, or the
// page's main content when there is no declaration, with page chrome,
// scripts, hidden elements and consent banners removed, in a fixed Markdown
// dialect whose whitespace, quotes and dashes never vary between captures.
package extract

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/policybot/policybot/catalog"
)

// Version identifies the extractor's output. Bump it when the output of the
// same capture changes: stored versions re-extracted by a newer extractor are
// then recorded as technical versions, not as policy changes.
const Version = "1"

// Page is one captured page. Body is UTF-8 HTML, or PDF bytes.
type Page struct {
	Body        []byte
	ContentType string
	URL         string
}

// Options says how to cut the document out of its pages.
type Options struct {
	// Source is the declaration of the document; nil means there is none and
	// the main content is found by heuristics. For Combine, pages[i] pairs
	// with Source.Pages()[i].
	Source *catalog.DocumentSource
	// History holds earlier declarations; with At, the one in force at the
	// capture date is used.
	History catalog.History
	DocType string
	At      time.Time
}

// Result is the extracted document.
type Result struct {
	Markdown string
	// Warnings are problems that did not stop the extraction (unknown
	// filters), for the operator.
	Warnings []string
	Title    string
}

var (
	// ErrNoMatch means a selector of the declaration matched nothing: the page
	// changed shape or is not the document. It is wrapped with the selector.
	ErrNoMatch = errors.New("selector matched nothing")
	// ErrEmpty means the selected content holds no text.
	ErrEmpty = errors.New("no text in the selected content")
	// ErrUnsupported means the body is neither HTML nor PDF.
	ErrUnsupported = errors.New("unsupported content type")
)

// Extract cuts the document out of its pages and returns it as normalized
// Markdown. Several pages are one document, concatenated in order.
func Extract(pages []Page, opt Options) (Result, error) {
	if len(pages) == 0 {
		return Result{}, errors.New("extract: no page")
	}
	var decl []catalog.Page
	if opt.Source != nil {
		src := *opt.Source
		if len(opt.History) > 0 && !opt.At.IsZero() {
			src = opt.History.At(opt.DocType, src, opt.At)
		}
		decl = src.Pages()
		if len(decl) != len(pages) {
			return Result{}, fmt.Errorf("extract: %d page(s) given, the declaration in force lists %d", len(pages), len(decl))
		}
	}
	var (
		w   writer
		res Result
	)
	for i, p := range pages {
		var dp *catalog.Page
		if decl != nil {
			dp = &decl[i]
		}
		var (
			title string
			err   error
		)
		switch kind := contentKind(p); kind {
		case "html":
			title, err = extractHTML(&w, p, dp, &res.Warnings)
		case "pdf":
			title, err = extractPDF(&w, p)
		default:
			err = fmt.Errorf("%w %q: only HTML and PDF can be extracted", ErrUnsupported, kind)
		}
		if err != nil {
			return Result{}, fmt.Errorf("extract %s: %w", pageName(p, dp, i, len(pages)), err)
		}
		if res.Title == "" {
			res.Title = title
		}
	}
	res.Markdown = w.String()
	if res.Markdown == "" {
		return Result{}, fmt.Errorf("extract: %w", ErrEmpty)
	}
	if w.title != "" {
		res.Title = w.title
	}
	return res, nil
}

func pageName(p Page, dp *catalog.Page, i, n int) string {
	name := p.URL
	if name == "" && dp != nil {
		name = dp.Fetch
	}
	if n > 1 {
		if name == "" {
			return fmt.Sprintf("page %d", i+1)
		}
		return fmt.Sprintf("page %d (%s)", i+1, name)
	}
	if name == "" {
		return "page"
	}
	return name
}

// contentKind says "html", "pdf", or the media type that is neither.
func contentKind(p Page) string {
	mt, _, err := mime.ParseMediaType(p.ContentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(p.ContentType))
	}
	switch mt {
	case "text/html", "application/xhtml+xml":
		return "html"
	case "application/pdf", "application/x-pdf":
		return "pdf"
	case "", "application/octet-stream", "binary/octet-stream":
		if bytes.HasPrefix(bytes.TrimLeft(p.Body, " \t\r\n"), []byte("%PDF-")) {
			return "pdf"
		}
		sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(p.Body))
		if sniffed == "text/html" {
			return "html"
		}
		if mt == "" {
			return sniffed
		}
	}
	return mt
}

// extractHTML applies the declaration page dp (nil: find the main content)
// to one HTML page, in Open Terms Archive's order: filters, remove, select.
func extractHTML(w *writer, p Page, dp *catalog.Page, warnings *[]string) (string, error) {
	root, err := html.Parse(bytes.NewReader(p.Body))
	if err != nil {
		return "", fmt.Errorf("parse HTML: %w", err)
	}
	title := documentTitle(root)
	base := baseURL(p, dp)
	doc := goquery.NewDocumentFromNode(root)
	var rules linkRules
	var roots []*html.Node
	if dp == nil {
		clean(root)
		roots = []*html.Node{mainContent(root)}
	} else {
		for _, name := range applyFilters(doc, dp.Filter, &rules) {
			*warnings = append(*warnings, fmt.Sprintf("filter %q is not known: skipped", name))
		}
		if err := removeSelected(doc, dp.Remove); err != nil {
			return "", err
		}
		sels := dp.Select
		if len(sels) == 0 {
			sels = catalog.Selectors{{CSS: "body"}}
		}
		if roots, err = selectRoots(doc, sels); err != nil {
			return "", err
		}
		// Cleaning comes after selection so that selectors see the page as
		// the declaration's author did (removing a hidden element would shift
		// every :nth-child after it).
		kept := roots[:0]
		for _, n := range roots {
			if isHidden(n) || isConsent(n) || dropTags[n.DataAtom] {
				continue
			}
			clean(n)
			kept = append(kept, n)
		}
		roots = kept
	}
	r := newRenderer(w, base, rules)
	if len(roots) > 1 {
		r.skip = make(map[*html.Node]bool, len(roots))
		for _, n := range roots {
			r.skip[n] = true
		}
	}
	for _, n := range roots {
		if r.skip != nil {
			delete(r.skip, n)
		}
		r.root(n)
		if r.skip != nil {
			r.skip[n] = true
		}
	}
	return title, nil
}

// baseURL is where relative links point from: the captured URL, else the
// declared one.
func baseURL(p Page, dp *catalog.Page) *url.URL {
	s := p.URL
	if s == "" && dp != nil {
		s = dp.Fetch
	}
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return nil
	}
	return u
}
