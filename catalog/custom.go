package catalog

import (
	"fmt"
	"net/url"
	"strings"
)

// CustomPlatform describes a document that is not in the catalog, tracked by
// its URL: the platform is named after the host, and the document type comes
// from docTypes or is guessed from the path. With no selectors the extractor
// finds the main content by itself.
func CustomPlatform(rawURL string, docTypes []string) (Platform, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Platform{}, fmt.Errorf("%q is not an http(s) URL", rawURL)
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	docType := GuessDocumentType(u.Path)
	if len(docTypes) > 0 && strings.TrimSpace(docTypes[0]) != "" {
		docType = strings.TrimSpace(docTypes[0])
	}
	u.Fragment = ""
	return Platform{
		Slug:       Slug(host),
		Name:       host,
		Aliases:    []string{host},
		Category:   "Custom",
		Homepage:   u.Scheme + "://" + u.Host,
		Documents:  map[string]DocumentSource{docType: {Fetch: u.String()}},
		Collection: "custom",
	}, nil
}

// GuessDocumentType names a document from words in its URL path.
func GuessDocumentType(path string) string {
	p := strings.ToLower(path)
	switch {
	case strings.Contains(p, "cookie"), strings.Contains(p, "tracker"):
		return "Trackers Policy"
	case strings.Contains(p, "terms"), strings.Contains(p, "tos"), strings.Contains(p, "conditions"), strings.Contains(p, "legal/user-agreement"):
		return "Terms of Service"
	case strings.Contains(p, "community"), strings.Contains(p, "guidelines"):
		return "Community Guidelines"
	case strings.Contains(p, "acceptable-use"), strings.Contains(p, "aup"):
		return "Acceptable Use Policy"
	default:
		return PrivacyPolicy
	}
}
