package extract

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/policybot/policybot/catalog"
)

func htmlPage(body string) Page {
	return Page{Body: []byte(body), ContentType: "text/html; charset=utf-8", URL: "https://example.com/legal/privacy"}
}

func src(sel ...string) *catalog.DocumentSource {
	s := &catalog.DocumentSource{Fetch: "https://example.com/legal/privacy"}
	for _, c := range sel {
		s.Select = append(s.Select, catalog.Selector{CSS: c})
	}
	return s
}

// page is a realistic page: chrome, tracking code and consent banners
// around a policy.
const page = `<!doctype html><html><head><title>Privacy | Example</title>
<script>window.dataLayer=[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());</script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
<style>.x{display:none}</style></head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header><nav><a href="/">Home</a> <a href="/blog">Blog</a></nav></header>
<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk">We use cookies. OneTrust Accept all</div></div>
<div id="CybotCookiebotDialog">Cookiebot consent: This website uses cookies</div>
<div id="didomi-host">Didomi: With your agreement, we and our partners</div>
<div id="truste-consent-track">TrustArc cookie preferences</div>
<div class="qc-cmp2-container">Quantcast We value your privacy</div>
<div id="usercentrics-root">Usercentrics privacy settings</div>
<main id="main">
  <h1>Privacy&nbsp;Policy</h1>
  <p>Last updated: <time>May 1, 2026</time></p>
  <p>We collect <strong>your</strong> data — only what we “need”…</p>
  <div hidden>Hidden draft paragraph</div>
  <div style="display: none">Invisible by style</div>
  <span aria-hidden="true">decorative icon text</span>
  <noscript>Enable JavaScript to see this</noscript>
  <template><p>Template text</p></template>
  <svg><text>SVG label</text></svg>
  <iframe src="https://ads.example/"></iframe>
  <h2>What we collect</h2>
  <ul><li>Account data<ul><li>name</li><li>e-mail</li></ul></li><li>Usage data</li></ul>
  <ol start="3"><li>third</li><li>fourth</li></ol>
  <table><tr><th>Data</th><th>Why</th></tr><tr><td>IP address</td><td>Security<br>and fraud</td></tr></table>
  <p>Opt out <a href="/opt-out?utm_source=mail&amp;id=7#form">here</a> or read our <a href="/cookies?sid=abc">cookie policy</a>.</p>
  <p>Write to <a href="/cdn-cgi/l/email-protection#4a3a38233c2b29330a2f322b273a262f64292527">[email&#160;protected]</a>.</p>
  <p><a href="#top">Back to top</a></p>
  <script>console.log("function(){ inline }")</script>
</main>
<footer>© Example Inc. <a href="/terms">Terms</a></footer>
</body></html>`

const pageWant = `# Privacy Policy

Last updated: May 1, 2026

We collect your data - only what we "need"...

## What we collect

- Account data
  - name
  - e-mail
- Usage data
3. third
4. fourth

| Data | Why |
| IP address | Security and fraud |

Opt out [here](https://example.com/opt-out?id=7) or read our cookie policy.

Write to privacy@example.com.
`

func TestExtractHTML(t *testing.T) {
	res, err := Extract([]Page{htmlPage(page)}, Options{Source: src("main")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Markdown != pageWant {
		t.Errorf("markdown:\n%s\nwant:\n%s", res.Markdown, pageWant)
	}
	if res.Title != "Privacy Policy" {
		t.Errorf("title %q", res.Title)
	}
	if Normalize(res.Markdown) != res.Markdown {
		t.Error("output is not a fixed point of Normalize")
	}
}

// forbidden is text that must never reach a version.
var forbidden = []string{"OneTrust", "gtag(", "function(", "Cookiebot", "googletagmanager", "window.",
	"Didomi", "TrustArc", "Quantcast", "Usercentrics", "Hidden draft", "Invisible", "decorative",
	"Enable JavaScript", "Template text", "SVG label", "Skip to main", "Back to top", "dataLayer", "email protected"}

func TestNoScriptsBannersOrHiddenText(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  Options
	}{
		{"declaration", Options{Source: src("main")}},
		{"whole body", Options{Source: src("body")}},
		{"no declaration", Options{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Extract([]Page{htmlPage(page)}, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range forbidden {
				if strings.Contains(res.Markdown, f) {
					t.Errorf("output contains %q:\n%s", f, res.Markdown)
				}
			}
			if !strings.Contains(res.Markdown, "Usage data") {
				t.Errorf("policy text missing:\n%s", res.Markdown)
			}
		})
	}
}

func TestNoDeclarationFindsMainContent(t *testing.T) {
	res, err := Extract([]Page{htmlPage(page)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, chrome := range []string{"Home", "Blog", "© Example", "Terms"} {
		if strings.Contains(res.Markdown, chrome) {
			t.Errorf("chrome %q in output:\n%s", chrome, res.Markdown)
		}
	}
	// No <main>: the densest block wins over menus and footers full of links.
	div := `<html><body><div class="menu"><a href="/a">Alpha</a><a href="/b">Beta</a><a href="/c">Gamma</a></div>
<div class="wrap"><div class="side"><a href="/x">Privacy</a> <a href="/y">Terms</a></div>
<div class="content"><h1>Terms</h1><p>` + strings.Repeat("These terms govern your use of the service. ", 30) + `</p>
<p>` + strings.Repeat("You may stop using it at any time. ", 20) + `</p></div></div>
<div class="foot">Copyright footer text that is short</div></body></html>`
	res, err = Extract([]Page{htmlPage(div)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Markdown, "# Terms\n\nThese terms govern") || strings.Contains(res.Markdown, "Alpha") ||
		strings.Contains(res.Markdown, "Copyright footer") {
		t.Errorf("main content not isolated:\n%.300s", res.Markdown)
	}
}

func TestSelectorErrors(t *testing.T) {
	p := []Page{htmlPage(page)}
	for _, tt := range []struct {
		name    string
		source  *catalog.DocumentSource
		noMatch bool
	}{
		{"css matches nothing", src(".does-not-exist"), true},
		{"one of several matches nothing", src("main", "#gone"), true},
		{"range start missing", &catalog.DocumentSource{Select: catalog.Selectors{{StartBefore: "#nope", EndBefore: "footer"}}}, true},
		{"range end before start", &catalog.DocumentSource{Select: catalog.Selectors{{StartAfter: "footer", EndBefore: "h1"}}}, true},
		{"selected element is empty", src("iframe"), false},
		{"invalid selector", src("main[["), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Extract(p, Options{Source: tt.source})
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrNoMatch) != tt.noMatch {
				t.Errorf("errors.Is(ErrNoMatch) = %v, want %v: %v", !tt.noMatch, tt.noMatch, err)
			}
		})
	}
	_, err := Extract(p, Options{Source: src(".does-not-exist")})
	if !strings.Contains(err.Error(), ".does-not-exist") {
		t.Errorf("error does not name the selector: %v", err)
	}
}

func TestRangesRemoveAndFilters(t *testing.T) {
	doc := `<html><body><nav>menu</nav><h1>Policy</h1><p>Keep one.</p><div class="ad">Advert</div>
<p>Keep two.</p><h2 id="end">Archive</h2><p>Old text.</p></body></html>`
	for _, tt := range []struct {
		name string
		s    catalog.DocumentSource
		want string
	}{
		{"startBefore endBefore", catalog.DocumentSource{Select: catalog.Selectors{{StartBefore: "h1", EndBefore: "#end"}}},
			"# Policy\n\nKeep one.\n\nAdvert\n\nKeep two.\n"},
		{"startAfter endAfter", catalog.DocumentSource{Select: catalog.Selectors{{StartAfter: "h1", EndAfter: "#end"}}},
			"Keep one.\n\nAdvert\n\nKeep two.\n\n## Archive\n"},
		{"remove css and range", catalog.DocumentSource{
			Select: catalog.Selectors{{CSS: "body"}},
			Remove: catalog.Selectors{{CSS: ".ad"}, {CSS: "nav"}, {StartBefore: "#end", EndAfter: "p:last-child"}}},
			"# Policy\n\nKeep one.\n\nKeep two.\n"},
		{"several selectors in declaration order", catalog.DocumentSource{Select: catalog.Selectors{{CSS: "#end"}, {CSS: "h1"}}},
			"## Archive\n\n# Policy\n"},
		{"nested matches are not repeated", catalog.DocumentSource{Select: catalog.Selectors{{CSS: "body"}, {CSS: "h1"}}},
			"# Policy\n\nKeep one.\n\nAdvert\n\nKeep two.\n\n## Archive\n\nOld text.\n"},
		{"nav is chrome unless selected", catalog.DocumentSource{Select: catalog.Selectors{{CSS: "nav"}}}, "menu\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Extract([]Page{htmlPage(doc)}, Options{Source: &tt.s})
			if err != nil {
				t.Fatal(err)
			}
			if res.Markdown != tt.want {
				t.Errorf("got\n%q\nwant\n%q", res.Markdown, tt.want)
			}
		})
	}

	s := catalog.DocumentSource{Select: catalog.Selectors{{CSS: "body"}},
		Filter: []string{"removeNavigationHeaders", "removeQueryParams", "someServiceSpecificFilter"}}
	res, err := Extract([]Page{htmlPage(`<body><nav>Menu</nav><p>See <a href="https://x.example/p?id=1">here</a>.</p></body>`)}, Options{Source: &s})
	if err != nil {
		t.Fatal(err)
	}
	if res.Markdown != "See [here](https://x.example/p).\n" {
		t.Errorf("filters not applied: %q", res.Markdown)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "someServiceSpecificFilter") {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

func TestCombineAndHistory(t *testing.T) {
	current := catalog.DocumentSource{Select: catalog.Selectors{{CSS: "main"}},
		Combine: []catalog.Page{{Fetch: "https://example.com/a"}, {Fetch: "https://example.com/b", Select: catalog.Selectors{{CSS: ".b"}}}}}
	a := htmlPage(`<main><p>Part A</p></main><div class="old">Old A</div>`)
	b := htmlPage(`<main>ignored</main><div class="b"><p>Part B</p></div>`)
	res, err := Extract([]Page{a, b}, Options{Source: &current})
	if err != nil {
		t.Fatal(err)
	}
	if res.Markdown != "Part A\n\nPart B\n" {
		t.Errorf("combine: %q", res.Markdown)
	}
	if _, err := Extract([]Page{a}, Options{Source: &current}); err == nil {
		t.Error("page count mismatch accepted")
	}
	hist := catalog.History{"Privacy Policy": {{
		DocumentSource: catalog.DocumentSource{Fetch: "https://example.com/a", Select: catalog.Selectors{{CSS: ".old"}}},
		ValidUntil:     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}}}
	opt := Options{Source: &current, History: hist, DocType: "Privacy Policy", At: time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)}
	res, err = Extract([]Page{a}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Markdown != "Old A\n" {
		t.Errorf("history: %q", res.Markdown)
	}
}

func TestContentTypes(t *testing.T) {
	if _, err := Extract([]Page{{Body: []byte(`{"a":1}`), ContentType: "application/json"}}, Options{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("json: %v", err)
	}
	if _, err := Extract([]Page{{Body: []byte("just text"), ContentType: "text/plain"}}, Options{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("text/plain: %v", err)
	}
	res, err := Extract([]Page{{Body: []byte("<html><body><p>Sniffed</p></body></html>")}}, Options{})
	if err != nil || res.Markdown != "Sniffed\n" {
		t.Errorf("sniffed HTML: %q %v", res.Markdown, err)
	}
	if _, err := Extract([]Page{{Body: []byte("%PDF-1.4 truncated"), ContentType: "application/pdf"}}, Options{}); err == nil {
		t.Error("broken PDF accepted")
	}
	if _, err := Extract([]Page{htmlPage("<html><body></body></html>")}, Options{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty page: %v", err)
	}
}
