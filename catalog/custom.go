package catalog

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
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

// GuessDocumentType names a document from the words of its URL path
// ("/legal/cookie-policy" is a Trackers Policy, "/tos" Terms of Service).
// Whole words are compared, so "/photos" is not "tos".
func GuessDocumentType(path string) string {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(path), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		words[w] = true
	}
	has := func(ws ...string) bool {
		for _, w := range ws {
			if words[w] {
				return true
			}
		}
		return false
	}
	switch {
	case has("cookie", "cookies", "tracker", "trackers"):
		return "Trackers Policy"
	case has("privacy", "datenschutz", "confidentialite", "gdpr"):
		return PrivacyPolicy
	case has("terms", "tos", "conditions", "eula", "agreement", "cgu", "agb"):
		return "Terms of Service"
	case has("guidelines", "community"):
		return "Community Guidelines"
	case has("aup") || (words["acceptable"] && words["use"]):
		return "Acceptable Use Policy"
	}
	return PrivacyPolicy
}
