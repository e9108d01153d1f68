package analysis

import (
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
