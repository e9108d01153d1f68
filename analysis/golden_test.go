package analysis

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policybot/policybot/monitor/diff"
)

func readCorpus(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "corpus", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// corpusDiff compares two corpus versions with the product's differ, so the
// golden summaries see exactly the edits an alert would.
func corpusDiff(t testing.TB, oldRel, newRel string) diff.Result {
	return diff.Compare(readCorpus(t, oldRel), readCorpus(t, newRel))
}

type itemWant struct {
	categories []string    // any of these
	directions []Direction // any of these
	text       string      // in Before or After
	regs       []string    // all of these regulation ids
}

func findItem(s ChangeSummary, w itemWant) (Item, bool) {
	for _, it := range s.Items {
		if !containsStr(w.categories, it.Category) {
			continue
		}
		if len(w.directions) > 0 && !containsDir(w.directions, it.Direction) {
			continue
		}
		if w.text != "" && !strings.Contains(it.Before+" "+it.After, w.text) {
			continue
		}
		ok := true
		for _, r := range w.regs {
			found := false
			for _, ref := range it.Regulations {
				if ref.ID == r && ref.Cite != "" && ref.URL != "" {
					found = true
				}
			}
			ok = ok && found
		}
		if ok {
			return it, true
		}
	}
	return Item{}, false
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsDir(list []Direction, d Direction) bool {
	for _, x := range list {
		if x == d {
			return true
		}
	}
	return false
}

var growth = []Direction{DirectionIntroduced, DirectionExpanded}

func TestSummarizeGolden(t *testing.T) {
	tests := []struct {
		name, platform, old, new string
		minSeverity              Severity
		items                    []itemWant
		headline                 []string // words the headline must hold
	}{
		{
			name: "coursera voice and affiliates", platform: "Coursera",
			old: "coursera/privacy-policy/005-2026-05-07.md", new: "coursera/privacy-policy/006-2026-05-12.md",
			minSeverity: SeverityImportant,
			items: []itemWant{
				{categories: []string{"voice_biometric"}, directions: growth, text: "transcribed into text", regs: []string{"gdpr-art-9", "ccpa-1798-121"}},
				{categories: []string{"affiliates_scope", "third_party_sharing"}, directions: growth, text: "affiliates and subsidiaries", regs: []string{"gdpr-art-13-1-e", "ccpa-1798-115"}},
			},
			// Both movements, not the renamed chatbot.
			headline: []string{"voice transcription", "sharing with affiliates"},
		},
		{
			name: "netflix household inferences for ads", platform: "Netflix",
			old: "netflix/privacy-policy/004-2025-09-23.md", new: "netflix/privacy-policy/005-2026-04-11.md",
			minSeverity: SeverityImportant,
			items: []itemWant{
				{categories: []string{"tracking_ads"}, directions: growth, text: "household", regs: []string{"eprivacy-art-5-3"}},
			},
		},
		{
			name: "claude verification data", platform: "Claude",
			old: "claude-ai/privacy-policy/003-2026-06-07.md", new: "claude-ai/privacy-policy/004-2026-06-08.md",
			minSeverity: SeverityImportant,
			items: []itemWant{
				{categories: []string{"voice_biometric", "sensitive_data"}, directions: growth, text: "facial geometry", regs: []string{"gdpr-art-9"}},
				{categories: []string{"verification_identity"}, directions: growth, text: "verify your age or identity"},
				{categories: []string{"actions_on_your_behalf", "ai_features"}, directions: growth, text: "on your behalf"},
			},
		},
		{
			name: "tinder search queries and refunds", platform: "Tinder",
			old: "tinder/privacy-policy/005-2025-12-10.md", new: "tinder/privacy-policy/006-2026-03-06.md",
			minSeverity: SeverityNotice,
			items: []itemWant{
				{categories: []string{"first_party_collection"}, directions: growth, text: "search queries"},
				{categories: []string{"data_retention", "first_party_collection"}, text: "refund"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(tt.platform, "privacy-policy", corpusDiff(t, tt.old, tt.new))
			if s.Severity.Rank() < tt.minSeverity.Rank() {
				t.Errorf("severity %s (%s), want at least %s", s.Severity, s.SeverityReason, tt.minSeverity)
			}
			if !strings.HasPrefix(s.Headline, tt.platform) || !strings.Contains(s.Headline, "Privacy Policy") {
				t.Errorf("headline %q does not name the platform and document", s.Headline)
			}
			for _, h := range tt.headline {
				if !strings.Contains(s.Headline, h) {
					t.Errorf("headline %q does not say %q", s.Headline, h)
				}
			}
			for _, w := range tt.items {
				if _, ok := findItem(s, w); !ok {
					t.Errorf("no item %+v among %d items", w, len(s.Items))
				}
			}
			for _, it := range s.Items {
				if it.Before == "" && it.After == "" {
					t.Errorf("item %s %s has no sentence", it.Category, it.Direction)
				}
				if len(it.Before) > 2000 || len(it.After) > 2000 {
					t.Errorf("item %s carries a whole block, not sentences", it.Category)
				}
				if len(it.Regulations) == 0 {
					t.Errorf("item %s cites no regulation", it.Category)
				}
			}
		})
	}
}

func TestSummarizeNoise(t *testing.T) {
	for _, dir := range []string{"coursera-privacy-date-only", "google-privacy-pdf-url-token", "chatgpt-terms-ellipsis-noise"} {
		t.Run(dir, func(t *testing.T) {
			matches, _ := filepath.Glob(filepath.Join("testdata", "corpus", "_edge-cases", dir, "*.md"))
			if len(matches) != 2 {
				t.Fatalf("want 2 versions, found %v", matches)
			}
			old, _ := filepath.Rel(filepath.Join("testdata", "corpus"), matches[0])
			nw, _ := filepath.Rel(filepath.Join("testdata", "corpus"), matches[1])
			s := Summarize("x", "privacy-policy", corpusDiff(t, old, nw))
			if len(s.Items) != 0 || s.Severity != SeverityInfo {
				t.Errorf("noise gave %d items, severity %s: %+v", len(s.Items), s.Severity, s.Items)
			}
		})
	}
}

func TestSummarizeHandBuilt(t *testing.T) {
	mod := func(before, after string) diff.Result {
		return diff.Result{Kind: diff.KindSubstantive, Edits: []diff.Edit{{Op: diff.OpModified, Section: "Sharing",
			Before: before, After: after, Substantive: true}}}
	}
	tests := []struct {
		name     string
		d        diff.Result
		category string
		dir      Direction
		severity Severity
		items    int // -1: don't check
	}{
		{"no edits", diff.Result{Kind: diff.KindNone}, "", "", SeverityInfo, 0},
		{"cosmetic only", diff.Result{Kind: diff.KindCosmetic, Edits: []diff.Edit{{Op: diff.OpModified, Before: "Last updated May 4.",
			After: "Last updated May 11.", Reason: "date"}}}, "", "", SeverityInfo, 0},
		{"moved only", diff.Result{Kind: diff.KindSubstantive, Edits: []diff.Edit{
			{Op: diff.OpRemoved, Before: "We sell your personal information to data brokers.", Substantive: true},
			{Op: diff.OpAdded, After: "We sell your personal information to data brokers.", Substantive: true}}}, "", "", SeverityInfo, 0},
		{"sale introduced", diff.Result{Kind: diff.KindSubstantive, Edits: []diff.Edit{{Op: diff.OpAdded, Section: "Sharing",
			After: "We may sell your personal information to data brokers.", Substantive: true}}},
			"sale_of_data", DirectionIntroduced, SeverityCritical, -1},
		{"sale narrowed by negation", mod("We sell your personal information to advertisers.", "We do not sell your personal information to advertisers."),
			"sale_of_data", DirectionNarrowed, SeverityNotice, -1},
		{"sharing widened", mod("We share your information with service providers.", "We share your information with service providers and advertising partners."),
			"tracking_ads", DirectionIntroduced, SeverityImportant, -1},
		{"arbitration removed", diff.Result{Kind: diff.KindSubstantive, Edits: []diff.Edit{{Op: diff.OpRemoved, Section: "Disputes",
			Before: "You agree that all disputes will be resolved by binding arbitration.", Substantive: true}}},
			"arbitration_class_waiver", DirectionRemoved, SeverityNotice, -1},
		{"rights removed", diff.Result{Kind: diff.KindSubstantive, Edits: []diff.Edit{{Op: diff.OpRemoved, Section: "Your rights",
			Before: "You can request access to your personal information and ask us to delete your account.", Substantive: true}}},
			"user_rights", DirectionRemoved, SeverityCritical, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize("Acme", "privacy-policy", tt.d)
			if tt.items >= 0 && len(s.Items) != tt.items {
				t.Errorf("%d items, want %d: %+v", len(s.Items), tt.items, s.Items)
			}
			if s.Severity != tt.severity {
				t.Errorf("severity %s (%s), want %s", s.Severity, s.SeverityReason, tt.severity)
			}
			if tt.items == 0 && tt.d.Kind != diff.KindSubstantive && s.Headline != "" {
				t.Errorf("headline %q for a change with no substantive edit", s.Headline)
			}
			if tt.category == "" {
				return
			}
			if _, ok := findItem(s, itemWant{categories: []string{tt.category}, directions: []Direction{tt.dir}}); !ok {
				t.Errorf("no %s %s item in %+v", tt.category, tt.dir, s.Items)
			}
			if !strings.HasPrefix(s.Headline, "Acme’s Privacy Policy ") {
				t.Errorf("headline %q", s.Headline)
			}
		})
	}
}

func TestWordChanges(t *testing.T) {
	ins, del := wordChanges("We share data with partners.", "We share data with affiliates and partners.")
	if ins != "affiliates and" || del != "" {
		t.Errorf("ins %q del %q", ins, del)
	}
	ins, del = wordChanges("We keep logs for 30 days.", "We keep logs for 90 days and backups forever.")
	if !strings.Contains(ins, "90") || !strings.Contains(ins, "backups forever") || del != "30" {
		t.Errorf("ins %q del %q", ins, del)
	}
}
