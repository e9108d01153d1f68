package analysis

import (
	"strings"
	"testing"

	"github.com/policybot/policybot/monitor/diff"
)

// A block that moved to another section and changed its words is a change
// of substance; one that only moved is not.
func TestSummarizeMovedBlocks(t *testing.T) {
	before := "We share your personal information with our service providers who process it on our behalf."
	after := "We share your personal information with advertising partners and data brokers, who may use it for their own purposes."
	tests := []struct {
		name      string
		edit      diff.Edit
		wantItems bool
	}{
		{"moved and rewritten", diff.Edit{Op: diff.OpMoved, Section: "Sharing", FromSection: "Service providers",
			Before: before, After: after, Substantive: true}, true},
		{"moved only", diff.Edit{Op: diff.OpMoved, Section: "Sharing", FromSection: "Service providers",
			Before: before, After: before, Substantive: false, Reason: "moved"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kind := diff.KindCosmetic
			if tc.edit.Substantive {
				kind = diff.KindSubstantive
			}
			s := Summarize("Example", "Privacy Policy", diff.Result{Kind: kind, Edits: []diff.Edit{tc.edit}})
			if got := len(s.Items) > 0; got != tc.wantItems {
				t.Fatalf("items = %+v, want items: %v", s.Items, tc.wantItems)
			}
			if tc.wantItems && s.Headline == "" {
				t.Error("a substantive move has no headline")
			}
		})
	}
}

// A provision found in a table row is excerpted from the cell that states
// it, not as the whole row.
func TestProvisionExcerptFromTableCell(t *testing.T) {
	md := "# Purposes\n\n" +
		"| Identity Data; Contact Data; Usage Data | To send you marketing communications and show you ads based on your interests. We may share this with advertising partners. | Consent |\n"
	var found bool
	for _, p := range Default().Provisions(md) {
		if strings.Contains(p.Excerpt, "|") || strings.Contains(p.Excerpt, "Consent") && strings.Contains(p.Excerpt, "Identity Data") {
			t.Errorf("%s excerpt spans cells: %q", p.Category, p.Excerpt)
		}
		if md[p.Start:p.End] == "" || !strings.Contains(md[p.Start:p.End], strings.Fields(p.Excerpt)[0]) {
			t.Errorf("%s offsets %d..%d do not locate %q", p.Category, p.Start, p.End, p.Excerpt)
		}
		if p.Category == "tracking_ads" {
			found = true
		}
	}
	if !found {
		t.Error("the advertising cell was not indexed as tracking_ads")
	}
}

func TestCompareKeepsTheExcerptClosestToOtherPlatforms(t *testing.T) {
	long := Provision{Category: "third_party_sharing", Confidence: 0.99, Excerpt: "Identity Data; Contact Data; " +
		"Usage Data; Device Data; Location Data; Payment Data; Profile Data; Marketing Data; Text and images on partner sites."}
	short := Provision{Category: "third_party_sharing", Confidence: 0.95, Excerpt: "We share your personal data with advertising partners and service providers."}
	other := Provision{Category: "third_party_sharing", Confidence: 0.9, Excerpt: "We may share personal data with our partners and service providers."}
	cmp := Compare("third_party_sharing", map[string][]Provision{
		"Coursera": {long, short},
		"Netflix":  {other},
		"Zoom":     {{Category: "data_retention", Excerpt: "We keep data for 30 days."}},
	})
	if got := cmp.Have["Coursera"].Excerpt; got != short.Excerpt {
		t.Errorf("Coursera's excerpt = %q, want the one that says what the others say", got)
	}
	if len(cmp.Missing) != 1 || cmp.Missing[0] != "Zoom" {
		t.Errorf("missing = %v", cmp.Missing)
	}
	alone := Compare("third_party_sharing", map[string][]Provision{"Coursera": {long, short}})
	if got := alone.Have["Coursera"]; got.Confidence != long.Confidence {
		t.Errorf("alone, the most confident excerpt is kept; got %q", got.Excerpt)
	}
}
