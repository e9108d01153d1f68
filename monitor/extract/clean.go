package extract

import (
	"encoding/hex"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// What a page carries that is never policy text, whatever the declaration
// says: code, embedded media, hidden elements, and the consent banners that
// the common consent platforms inject. Removing them in one walk, before any
// selector runs, means a banner can never leak into a version (it would come
// and go between fetches and look like a change of policy).

// consentIDs are the container ids of consent platforms' banners and dialogs.
var consentIDs = map[string]bool{
	"onetrust-consent-sdk": true, "onetrust-banner-sdk": true, "onetrust-pc-sdk": true,
	"didomi-host": true, "didomi-notice": true, "didomi-popup": true,
	"CybotCookiebotDialog": true, "CybotCookiebotDialogBodyUnderlay": true, "CookiebotWidget": true,
	"truste-consent-track": true, "truste-consent-content": true, "truste-consent-button": true,
	"consent_blackbar": true, "trustarc-banner-overlay": true, "teconsent": true,
	"usercentrics-root": true, "usercentrics-cmp-ui": true, "uc-center-container": true,
	"qc-cmp2-container": true, "qc-cmp2-ui": true,
	"cmpbox": true, "cmpbox2": true, "cmpwrapper": true,
	"iubenda-cs-banner": true, "axeptio_overlay": true, "tarteaucitronRoot": true,
	"cookiescript_injected": true, "ketch-consent-banner": true, "osano-cm-window": true,
	"sp_message_container": true, "fides-overlay": true, "termly-code-snippet-support": true,
	"cookie-law-info-bar": true, "cookie-notice": true, "cookieConsent": true, "cookie-consent-banner": true,
	"gdpr-cookie-notice": true, "transcend-consent-manager": true,
}

// consentClasses are class names of the same banners.
var consentClasses = map[string]bool{
	"qc-cmp2-container": true, "qc-cmp-ui-container": true, "optanon-alert-box-wrapper": true,
	"onetrust-pc-dark-filter": true, "ot-sdk-show-settings": true,
	"cc-window": true, "cc-banner": true, "cc-revoke": true, "osano-cm-window": true, "osano-cm-dialog": true,
	"truste_box_overlay": true, "truste_overlay": true, "evidon-banner": true, "evidon-consent-button": true,
	"fc-consent-root": true, "didomi-popup-container": true, "cky-consent-container": true,
	"cky-modal": true, "cmplz-cookiebanner": true, "moove-gdpr-cookie-notice": true,
	"cookie-banner": true, "cookie-consent": true, "cookie-notice": true,
}

// dropTags are never text.
var dropTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Svg: true,
	atom.Math: true, atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Canvas: true,
	atom.Link: true, atom.Meta: true, atom.Video: true, atom.Audio: true, atom.Map: true,
}

// clean removes, in one walk, everything listed above plus comments and hidden
// elements, and decodes Cloudflare-protected e-mail addresses (their encoded
// form changes at every fetch).
func clean(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch c.Type {
		case html.CommentNode:
			n.RemoveChild(c)
		case html.ElementNode:
			if c.DataAtom == atom.Head {
				break // <title> lives there; head is never rendered
			}
			if dropTags[c.DataAtom] || isHidden(c) || isConsent(c) {
				n.RemoveChild(c)
				break
			}
			if c.DataAtom == atom.Dialog && !hasAttr(c, "open") {
				n.RemoveChild(c)
				break
			}
			decodeCloudflareEmail(c)
			clean(c)
		}
		c = next
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// isHidden reports elements a reader never sees: hidden, aria-hidden,
// display:none or visibility:hidden inline styles, hidden inputs.
func isHidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(a.Val), "true") {
				return true
			}
		case "style":
			if hiddenStyle(a.Val) {
				return true
			}
		case "type":
			if n.DataAtom == atom.Input && strings.EqualFold(a.Val, "hidden") {
				return true
			}
		}
	}
	return false
}

// hiddenStyle finds display:none or visibility:hidden in an inline style,
// whatever the spacing and case, without allocating for the common case.
func hiddenStyle(s string) bool {
	if len(s) < 11 {
		return false
	}
	var buf [256]byte
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	t := string(b)
	return containsDecl(t, "display:none") || containsDecl(t, "visibility:hidden")
}

// containsDecl finds decl as a whole declaration (not "xdisplay:none").
func containsDecl(s, decl string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], decl)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(decl)
		if (j == 0 || s[j-1] == ';' || s[j-1] == '{') && (end == len(s) || s[end] == ';' || s[end] == '!') {
			return true
		}
		i = j + 1
	}
}

func isConsent(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "id":
			if consentIDs[a.Val] || strings.HasPrefix(a.Val, "sp_message_container_") {
				return true
			}
		case "class":
			for f := range strings.FieldsSeq(a.Val) {
				if consentClasses[f] {
					return true
				}
			}
		}
	}
	return false
}

// decodeCloudflareEmail replaces Cloudflare's e-mail obfuscation (a hex string
// XORed with its first byte, in data-cfemail or in an email-protection link)
// with the address itself.
func decodeCloudflareEmail(n *html.Node) {
	switch n.DataAtom {
	case atom.A:
		for i, a := range n.Attr {
			if a.Key != "href" {
				continue
			}
			j := strings.Index(a.Val, "/cdn-cgi/l/email-protection#")
			if j < 0 {
				return
			}
			addr := cfDecode(a.Val[j+len("/cdn-cgi/l/email-protection#"):])
			if addr == "" {
				return
			}
			n.Attr[i].Val = "mailto:" + addr
			if strings.Contains(textOf(n), "email") && strings.Contains(textOf(n), "protected") {
				setText(n, addr)
			}
			return
		}
	case atom.Span:
		for _, a := range n.Attr {
			if a.Key == "data-cfemail" {
				if addr := cfDecode(a.Val); addr != "" {
					setText(n, addr)
				}
				return
			}
		}
	}
}

func cfDecode(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) < 2 {
		return ""
	}
	key := b[0]
	out := make([]byte, len(b)-1)
	for i, c := range b[1:] {
		out[i] = c ^ key
	}
	s := string(out)
	if !strings.Contains(s, "@") {
		return ""
	}
	return s
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func setText(n *html.Node, s string) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		c = next
	}
	n.AppendChild(&html.Node{Type: html.TextNode, Data: s})
}
