package extract

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// Link targets are dropped from the output, because most of them are noise
// for a reader of a diff: in-page anchors, locale switches, and URLs that
// carry build or date tokens (a "Download PDF" link whose path changes every
// week). A target is kept only when the link text says nothing by itself
// ("here", "learn more"): then the destination is the content, and a change
// of destination is a change of the policy.
var genericLinkText = map[string]bool{
	"here": true, "click here": true, "see here": true, "available here": true, "this link": true,
	"link": true, "this page": true, "page": true, "this": true, "learn more": true, "read more": true,
	"more": true, "more info": true, "more information": true, "find out more": true, "see more": true,
	"details": true, "website": true, "this website": true, "form": true, "this form": true,
	"online form": true, "web form": true, "this article": true, "article": true,
	"ici": true, "cliquez ici": true, "en savoir plus": true, "lien": true, "ce lien": true,
	"hier": true, "mehr erfahren": true, "aquí": true, "más información": true,
}

func isGenericLinkText(text string) bool {
	text = strings.TrimFunc(text, func(r rune) bool {
		return r == ' ' || r == '.' || r == ',' || r == ':' || r == ';' || r == '(' || r == ')' || r == '"' || r == '\''
	})
	if len(text) > 24 {
		return false
	}
	return genericLinkText[strings.ToLower(text)]
}

// trackingParams are query parameters that identify a visit, a campaign or
// a session, never a document.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true, "msclkid": true,
	"mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true, "_hsenc": true, "_hsmi": true,
	"hsctatracking": true, "igshid": true, "yclid": true, "twclid": true, "ttclid": true, "li_fat_id": true,
	"sid": true, "ssid": true, "sessionid": true, "session_id": true, "session": true, "phpsessid": true,
	"jsessionid": true, "aspsessionid": true, "cfid": true, "cftoken": true, "ref": true, "ref_src": true,
	"trk": true, "trkinfo": true, "s_cid": true, "cmpid": true, "icid": true, "ncid": true, "spm": true,
	"scid": true, "token": true, "_ke": true, "oly_anon_id": true, "oly_enc_id": true, "vero_id": true,
}

func isTrackingParam(key string) bool {
	k := strings.ToLower(key)
	return strings.HasPrefix(k, "utm_") || strings.HasPrefix(k, "pk_") || strings.HasPrefix(k, "mtm_") || trackingParams[k]
}

// linkRules says how targets are cleaned; filters can tighten it.
type linkRules struct {
	dropQuery bool // removeQueryParams: no query string at all
}

// cleanURL returns the canonical form of an absolute http(s) or mailto URL:
// no fragment, no credentials, no tracking or session parameters, the rest
// of the query sorted. It returns "" for anything else (relative, script,
// in-page). cleanURL(cleanURL(u)) == cleanURL(u).
func cleanURL(href string, rules linkRules) string {
	href = strings.TrimSpace(href)
	if href == "" || href[0] == '#' || !utf8.ValidString(href) {
		return ""
	}
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "mailto":
		addr := u.Opaque
		if addr == "" {
			addr = strings.TrimPrefix(u.Path, "//")
		}
		if i := strings.IndexByte(addr, '?'); i >= 0 {
			addr = addr[:i]
		}
		if addr == "" {
			return ""
		}
		return sanitizeURL("mailto:" + addr)
	case "http", "https":
	default:
		return ""
	}
	if !validHost(u.Host) {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if rules.dropQuery {
		u.RawQuery = ""
	} else if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			u.RawQuery = ""
		} else {
			for k := range q {
				if isTrackingParam(k) {
					delete(q, k)
				}
			}
			u.RawQuery = q.Encode()
		}
	}
	u.ForceQuery = false
	return sanitizeURL(u.String())
}

// sanitizeURL keeps a URL inside Markdown link syntax and inside one line.
func sanitizeURL(s string) string {
	if !strings.ContainsAny(s, "() <>\\\t\n\r\uE000\uE001\uE002") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '(':
			b.WriteString("%28")
		case ')':
			b.WriteString("%29")
		case ' ':
			b.WriteString("%20")
		case '<':
			b.WriteString("%3C")
		case '>':
			b.WriteString("%3E")
		case '\\':
			b.WriteString("%5C")
		case '\t', '\n', '\r', linkOpen, linkMid, linkClose:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// endLink is called when a link's text has been written to in since start
// (the length of the buffer when the link began). It wraps that text in link
// markers when the target is worth keeping.
func (in *inline) endLink(start int, href string, rules linkRules) {
	if start < len(in.buf) && in.buf[start] == ' ' {
		start++
	}
	if start >= len(in.buf) {
		return
	}
	text := in.buf[start:]
	for _, c := range text {
		if c == 0xEE { // lead byte of a marker: no links inside links
			return
		}
	}
	if !isGenericLinkText(string(text)) {
		return
	}
	target := cleanURL(href, rules)
	if target == "" {
		return
	}
	var marker [3]byte
	utf8.EncodeRune(marker[:], linkOpen)
	in.buf = append(in.buf, marker[:]...)
	copy(in.buf[start+3:], in.buf[start:len(in.buf)-3])
	copy(in.buf[start:], marker[:])
	in.writeMarker(linkMid)
	in.buf = append(in.buf, target...)
	in.writeMarker(linkClose)
}

func validHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c >= 0x80) {
			return false
		}
	}
	return true
}
