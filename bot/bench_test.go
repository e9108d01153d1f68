package bot_test

import (
	"context"
	"os"
	"testing"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/bot"
	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/store"
)

// corpusSummary is the real change summary of coursera's privacy policy
// between its 7 and 12 May 2026 versions (../shared/corpus).
func corpusSummary(b *testing.B) *analysis.ChangeSummary {
	b.Helper()
	dir := "../../shared/corpus/coursera/privacy-policy/"
	before, err1 := os.ReadFile(dir + "005-2026-05-07.md")
	after, err2 := os.ReadFile(dir + "006-2026-05-12.md")
	if err1 != nil || err2 != nil {
		b.Skip("../shared/corpus is absent")
	}
	s := analysis.Summarize("Coursera", "Privacy Policy", diff.Compare(string(before), string(after)))
	if len(s.Items) == 0 {
		b.Fatal("the corpus change has no items")
	}
	return &s
}

// discard is an adapter that posts nowhere.
type discard struct{ n int }

func (d *discard) Name() string                                 { return store.TenantConsole }
func (d *discard) Run(ctx context.Context, h bot.Handler) error { return nil }
func (d *discard) Post(context.Context, bot.Target, bot.Message) (string, error) {
	d.n++
	return "m", nil
}

// BenchmarkAlertDirect is the baseline: build the alert and post its parts
// straight to the adapter, with no store.
func BenchmarkAlertDirect(b *testing.B) {
	sum := corpusSummary(b)
	f := newFixture(b, "unlimited")
	a := &discard{}
	ch := &store.Change{ID: 1, Kind: store.KindSubstantive, Severity: string(sum.Severity), DetectedAt: f.clock.Now()}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		env := bot.ChangeEnvelope("http://127.0.0.1:8080", f.doc, ch, sum)
		for p := 0; p < env.Parts(); p++ {
			msg := env.Parent
			if p > 0 {
				msg = env.Replies[p-1]
			}
			a.Post(context.Background(), bot.Target{}, msg)
		}
	}
}

// BenchmarkAlertOutbox is the same alert through the outbox: the change and
// its delivery committed in one transaction on a SQLite file, then claimed,
// posted part by part with progress recorded after each, and completed.
func BenchmarkAlertOutbox(b *testing.B) {
	sum := corpusSummary(b)
	f := newFixture(b, "unlimited")
	a := &discard{}
	n := f.notifier(a, 8)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.clock.Add(25 * 3600e9) // a new thread each time
		f.recordChange(b, sum)
		if done, err := n.SendDue(context.Background()); err != nil || done != 1 {
			b.Fatalf("send = %d, %v", done, err)
		}
	}
	b.ReportMetric(float64(a.n)/float64(b.N), "posts/alert")
}
