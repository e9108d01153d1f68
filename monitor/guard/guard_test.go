package guard

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/policybot/policybot/monitor/extract"
)

const edge = "testdata/corpus/_edge-cases"

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEdgeCases(t *testing.T) {
	tests := []struct {
		dir, prev, next string
		reason          string
	}{
		{"spotify-privacy-error-page", "001-2023-05-08.md", "002-2023-05-12.md", ReasonErrorPage},
		{"github-copilot-privacy-empty-extraction", "001-2023-10-24.md", "002-2023-11-13.md", ReasonCollapsed},
		{"microsoft-copilot-privacy-truncated-extraction", "001-2025-12-09.md", "002-2025-12-06.md", ReasonCollapsed},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			prev := read(t, filepath.Join(edge, tt.dir, tt.prev))
			next := read(t, filepath.Join(edge, tt.dir, tt.next))
			v := Inspect(Page{Status: 200, ContentType: "text/html", Text: next}, prev)
			if v.OK || v.Reason != tt.reason {
				t.Errorf("Inspect = %+v, want reason %s", v, tt.reason)
			}
			t.Logf("%s: %s", v.Reason, v.Detail)
			// The version before is a real policy.
			if v := Inspect(Page{Status: 200, Text: prev}, ""); !v.OK {
				t.Errorf("previous version refused: %+v", v)
			}
			// Even with no previous version to compare with, a broken page
			// is refused.
			if v := Inspect(Page{Status: 200, Text: next}, ""); v.OK {
				t.Errorf("without previous: accepted")
			}
		})
	}
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TikTok's banner flaps between fetches: A, then B, then A again. The
// second A is a revert of B, not news.
func TestFlappingIsRevert(t *testing.T) {
	a := hash(read(t, filepath.Join(edge, "tiktok-privacy-banner-flapping/001-2026-07-15.md")))
	b := hash(read(t, filepath.Join(edge, "tiktok-privacy-banner-flapping/002-2026-07-25.md")))
	// Versions so far, newest first: [A]. B arrives: nothing older to match.
	if IsRevert(b, nil) {
		t.Error("A→B: B reported as a revert")
	}
	// Versions: [B, A]. A arrives: recent (without the current B) is [A].
	if !IsRevert(a, []string{a}) {
		t.Error("A→B→A: not a revert")
	}
	// Versions: [A, B, A]. B arrives again: recent is [B, A].
	if !IsRevert(b, []string{b, a}) {
		t.Error("A→B→A→B: not a revert")
	}
	if IsRevert(hash("C"), []string{b, a}) || IsRevert("", []string{""}) {
		t.Error("new text or empty hash reported as a revert")
	}
}

func TestInspect(t *testing.T) {
	policy := strings.Repeat("We collect your account information and use it to provide the service. ", 20)
	tests := []struct {
		name string
		page Page
		prev string
		want string // reason, "" for OK
	}{
		{"real text", Page{Status: 200, Text: "# Privacy\n\n" + policy}, "", ""},
		{"cloudflare challenge title", Page{Status: 403, Title: "Just a moment...", Text: "Enable JavaScript and cookies to continue"}, policy, ReasonBlocked},
		{"cloudflare attention required 503", Page{Status: 503, Title: "Attention Required! | Cloudflare", Text: "Sorry, you have been blocked"}, policy, ReasonBlocked},
		{"checking your browser in raw text", Page{Status: 200, Text: "", RawText: "Checking your browser before accessing example.com."}, policy, ReasonBlocked},
		{"access denied", Page{Status: 200, Title: "Access Denied", Text: "You don't have permission to access this resource. Reference #18.2f"}, policy, ReasonBlocked},
		{"hcaptcha", Page{Status: 200, Text: "Please complete the security check. hCaptcha"}, policy, ReasonCaptcha},
		{"are you a robot", Page{Status: 200, Title: "Verification", Text: "Are you a robot? Press and hold the button."}, policy, ReasonCaptcha},
		{"sign in to continue", Page{Status: 200, Text: "# Welcome back\n\nSign in to continue to your account.\n\nEmail\n\nPassword"}, policy, ReasonLoginWall},
		{"login title", Page{Status: 200, Title: "Log in | Example", Text: "Email address. Password. Forgot password?"}, policy, ReasonLoginWall},
		{"http 401", Page{Status: 401, Text: "Unauthorized"}, policy, ReasonLoginWall},
		{"http 404 words", Page{Status: 404, Title: "Page not found", Text: "Sorry, we couldn't find that page."}, policy, ReasonErrorPage},
		{"http 500 no words", Page{Status: 500, Text: policy}, policy, ReasonErrorPage},
		{"http 429", Page{Status: 429, Text: ""}, policy, ReasonBlocked},
		{"service unavailable", Page{Status: 200, Text: "Service Unavailable. The server is temporarily unable to service your request."}, policy, ReasonErrorPage},
		{"curly apostrophe outage", Page{Status: 200, Text: "We’re all mixed up\n\nRefresh this page."}, policy, ReasonErrorPage},
		{"empty", Page{Status: 200, Text: " \n\n "}, policy, ReasonEmpty},
		{"heading only, first capture", Page{Status: 200, Text: "GitHub Privacy Statement\n========================"}, "", ReasonCollapsed},
		{"too short, first capture", Page{Status: 200, Text: "Privacy Policy\n\nLast updated: December 2025"}, "", ReasonCollapsed},
		{"collapsed to a fifth", Page{Status: 200, Text: strings.Repeat("word ", 200)}, strings.Repeat("word ", 1000), ReasonCollapsed},
		{"vanished to 5%", Page{Status: 200, Text: strings.Repeat("word ", 600)}, strings.Repeat("word ", 12000), ReasonCollapsed},
		{"shorter rewrite kept", Page{Status: 200, Text: strings.Repeat("word ", 700)}, strings.Repeat("word ", 1000), ""},
		{"long policy mentions everything", Page{Status: 200, Title: "Privacy Policy", Text: policy + strings.Repeat("Sign in to your account settings to manage cookies. We use reCAPTCHA to prevent abuse; if an error occurred, try again later. Access denied requests are logged. ", 5)}, policy, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Inspect(tt.page, tt.prev)
			if tt.want == "" {
				if !v.OK {
					t.Errorf("refused: %+v", v)
				}
				return
			}
			if v.OK || v.Reason != tt.want {
				t.Errorf("Inspect = %+v, want %s", v, tt.want)
			}
			if v.Detail == "" {
				t.Error("no detail")
			}
		})
	}
}

func TestExtractFailure(t *testing.T) {
	if v := ExtractFailure(fmt.Errorf("select %q: %w", "#main", extract.ErrNoMatch)); v.OK || v.Reason != ReasonNoMatch || !strings.Contains(v.Detail, "#main") {
		t.Errorf("no match: %+v", v)
	}
	if v := ExtractFailure(fmt.Errorf("page 1: %w", extract.ErrEmpty)); v.Reason != ReasonEmpty {
		t.Errorf("empty: %+v", v)
	}
	if v := ExtractFailure(errors.New("boom")); v.OK || v.Reason != "" {
		t.Errorf("other: %+v", v)
	}
	if v := ExtractFailure(nil); !v.OK {
		t.Errorf("nil: %+v", v)
	}
}

// Every real version in the corpus passes the guard, compared with the
// version before it: real policies say "sign in", "cookies", "captcha" and
// "error" without being login walls or error pages.
func TestCorpusAccepted(t *testing.T) {
	root := "../../../shared/corpus"
	if _, err := os.Stat(root); err != nil {
		t.Skip("shared corpus absent")
	}
	broken := map[string]bool{
		"_edge-cases/spotify-privacy-error-page/002-2023-05-12.md":                     true,
		"_edge-cases/github-copilot-privacy-empty-extraction/002-2023-11-13.md":        true,
		"_edge-cases/microsoft-copilot-privacy-truncated-extraction/002-2025-12-06.md": true,
	}
	dirs := map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") && filepath.Base(p) != "README.md" {
			dirs[filepath.Dir(p)] = append(dirs[filepath.Dir(p)], p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, files := range dirs {
		sort.Strings(files)
		prev := ""
		for _, f := range files {
			rel, _ := filepath.Rel(root, f)
			text := read(t, f)
			v := Inspect(Page{Status: 200, ContentType: "text/html", Text: text}, prev)
			switch {
			case broken[rel] && v.OK:
				t.Errorf("%s: broken version accepted", rel)
			case !broken[rel] && !v.OK:
				t.Errorf("%s: real version refused: %s: %s", rel, v.Reason, v.Detail)
			}
			checked++
			if !broken[rel] {
				prev = text
			}
		}
	}
	t.Logf("%d versions checked", checked)
}
