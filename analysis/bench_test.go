package analysis

import (
	"testing"

	"github.com/policybot/policybot/monitor/diff"
)

type preparedPair struct{ d diff.Result }

// benchPassages are every passage of the corpus copies in testdata, cleaned
// as the classifier reads them.
func benchPassages(b *testing.B) []string {
	var texts []string
	for _, rel := range []string{
		"coursera/privacy-policy/006-2026-05-12.md", "netflix/privacy-policy/005-2026-04-11.md",
		"claude-ai/privacy-policy/004-2026-06-08.md", "tinder/privacy-policy/006-2026-03-06.md",
	} {
		for _, p := range Segment(readCorpus(b, rel)) {
			texts = append(texts, cleanInline(p.Text))
		}
	}
	return texts
}

// BenchmarkClassify reports passages classified per second on one core.
func BenchmarkClassify(b *testing.B) {
	c := Default()
	texts := benchPassages(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		c.Classify(texts[i%len(texts)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "segments/s")
}

// BenchmarkClassifyLexiconOnly is the baseline: the same passages through
// the lexicon without the trained model.
func BenchmarkClassifyLexiconOnly(b *testing.B) {
	c, err := NewClassifier(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	texts := benchPassages(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		c.Classify(texts[i%len(texts)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "segments/s")
}

var summaryPairs = [][2]string{
	{"coursera/privacy-policy/005-2026-05-07.md", "coursera/privacy-policy/006-2026-05-12.md"},
	{"netflix/privacy-policy/004-2025-09-23.md", "netflix/privacy-policy/005-2026-04-11.md"},
	{"claude-ai/privacy-policy/003-2026-06-07.md", "claude-ai/privacy-policy/004-2026-06-08.md"},
	{"tinder/privacy-policy/005-2025-12-10.md", "tinder/privacy-policy/006-2026-03-06.md"},
}

// BenchmarkSummarize reports summaries per second over the four substantive
// corpus pairs (diffs computed once, outside the timer).
func BenchmarkSummarize(b *testing.B) {
	pairs := summaryPairs
	c := Default()
	prepared := make([]preparedPair, len(pairs))
	for i, p := range pairs {
		prepared[i] = preparedPair{d: corpusDiff(b, p[0], p[1])}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Summarize("x", "privacy-policy", prepared[i%len(prepared)].d)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "summaries/s")
}

// BenchmarkCompareBaseline is the baseline for BenchmarkSummarize: the diff
// of the same pairs, which every summary follows.
func BenchmarkCompareBaseline(b *testing.B) {
	texts := make([][2]string, len(summaryPairs))
	for i, p := range summaryPairs {
		texts[i] = [2]string{readCorpus(b, p[0]), readCorpus(b, p[1])}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := texts[i%len(texts)]
		diff.Compare(t[0], t[1])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "diffs/s")
}
