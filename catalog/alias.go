package catalog

import (
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// autoAliases returns the aliases a platform's own facts give: its name in
// lower case when that differs from the slug ("claude.ai"), the name with its
// spaces removed ("googledrive"), and the registrable domain of the first page
// it fetches ("coursera.org" for www.coursera.org).
func autoAliases(p Platform) []string {
	var as []string
	lower := strings.ToLower(strings.TrimSpace(p.Name))
	if lower != p.Slug {
		as = append(as, lower)
	}
	if joined := strings.Join(strings.Fields(lower), ""); joined != lower && joined != p.Slug {
		as = append(as, joined)
	}
	if d := registrableDomain(p.firstFetch()); d != "" {
		as = append(as, d)
	}
	return unionAliases(nil, as)
}

// registrableDomain returns the domain a person would type for rawURL (a URL
// or a bare host): "google.com" for https://policies.google.com/privacy.
func registrableDomain(rawURL string) string {
	host := hostOf(rawURL)
	if host == "" {
		return ""
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}

// hostOf returns the lower-case host of a URL or bare host name, without
// "www." and port, or "" when s has none.
func hostOf(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	h := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	if !strings.Contains(h, ".") {
		return ""
	}
	return h
}

// domainOf returns the host a query names when it is a URL or a bare domain
// ("https://www.coursera.org/about", "coursera.org"), else "".
func domainOf(query string) string {
	q := strings.TrimSpace(query)
	if !strings.ContainsAny(q, "./") || strings.ContainsAny(q, " \t") {
		return ""
	}
	return hostOf(q)
}

// unionAliases returns a's aliases followed by b's new ones, lower case,
// without blanks or repeats, sorted for stable output.
func unionAliases(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range [][]string{a, b} {
		for _, s := range list {
			s = strings.ToLower(strings.TrimSpace(s))
			if s == "" || seen[s] || strings.Contains(s, ",") {
				continue
			}
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
