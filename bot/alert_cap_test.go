package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/store"
)

// A rewrite that moves many provisions posts the most important ones in the
// thread and points to the record for the rest, instead of flooding it.
func TestChangeEnvelopeCapsThreadAndShowsVersions(t *testing.T) {
	doc := &store.Document{ID: 7, Type: "Privacy Policy", Platform: store.Platform{Name: "Netflix", Slug: "netflix"}}
	from := &store.Version{CapturedAt: time.Date(2025, 9, 23, 0, 0, 0, 0, time.UTC)}
	change := &store.Change{ID: 42, DetectedAt: time.Date(2026, 4, 11, 8, 0, 0, 0, time.UTC), Severity: "important",
		FromVersion: from, ToVersion: store.Version{CapturedAt: time.Date(2026, 4, 11, 0, 43, 0, 0, time.UTC)}}
	sum := &analysis.ChangeSummary{Platform: "Netflix", Document: "Privacy Policy", Headline: "Netflix now discloses household inferences.",
		Severity: analysis.SeverityImportant}
	for i := 0; i < 15; i++ {
		sum.Items = append(sum.Items, analysis.Item{Category: "tracking_ads", CategoryName: "Tracking & ads",
			Direction: analysis.DirectionExpanded, After: "We infer things about your household."})
	}
	env := ChangeEnvelope("https://bot.example", doc, change, sum)
	if got := len(env.Replies); got != maxThreadItems+1 {
		t.Fatalf("replies = %d, want %d items and one pointer to the record", got, maxThreadItems+1)
	}
	last := env.Replies[len(env.Replies)-1]
	if !strings.Contains(last.Text, "5 more") || last.URL != "https://bot.example/changes/42" {
		t.Errorf("last reply = %+v", last)
	}
	var versions, touched string
	for _, f := range env.Parent.Blocks[0].Fields {
		switch f.Label {
		case "Versions":
			versions = f.Value
		case "Provisions touched":
			touched = f.Value
		}
	}
	if versions != "23 Sep 2025 → 11 Apr 2026" {
		t.Errorf("Versions field = %q", versions)
	}
	if touched != "Tracking & ads (expanded)" {
		t.Errorf("Provisions touched = %q", touched)
	}
}
