package catalog

import "testing"

func TestGuessDocumentType(t *testing.T) {
	tests := map[string]string{
		"/privacy":                       PrivacyPolicy,
		"/legal/privacy-policy.html":     PrivacyPolicy,
		"/":                              PrivacyPolicy,
		"/en/photos/privacy":             PrivacyPolicy, // "photos" is not "tos"
		"/tos":                           "Terms of Service",
		"/legal/terms-of-service":        "Terms of Service",
		"/user-agreement":                "Terms of Service",
		"/cookie-policy":                 "Trackers Policy",
		"/legal/cookies":                 "Trackers Policy",
		"/community-guidelines":          "Community Guidelines",
		"/policies/acceptable-use":       "Acceptable Use Policy",
		"/about/privacy-and-cookie-info": "Trackers Policy",
	}
	for path, want := range tests {
		if got := GuessDocumentType(path); got != want {
			t.Errorf("GuessDocumentType(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestCustomPlatform(t *testing.T) {
	p, err := CustomPlatform("https://www.Example.com/legal/terms?utm_source=x#top", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Slug != "example-com" || p.Collection != "custom" {
		t.Errorf("platform = %+v", p)
	}
	src, ok := p.Documents["Terms of Service"]
	if !ok || src.Fetch != "https://www.Example.com/legal/terms?utm_source=x" {
		t.Errorf("documents = %+v", p.Documents)
	}
	sp, _ := p.Records()
	if !sp.Custom {
		t.Error("a platform made from a URL is stored as custom")
	}
	for _, bad := range []string{"ftp://example.com/x", "example.com/privacy", "https:///nohost"} {
		if _, err := CustomPlatform(bad, nil); err == nil {
			t.Errorf("CustomPlatform(%q) accepted", bad)
		}
	}
}
