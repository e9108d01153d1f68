package diff

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// BenchmarkCorpus diffs every consecutive pair of the corpus and, in the
// same loop, two baselines over the same texts: a plain sergi/go-diff line
// diff (what a line-based monitor does) and strings.Fields of both texts
// (the cost of merely reading every word). It reports each one's MB/s
// (bytes of both texts) and the differ's time relative to each.
func BenchmarkCorpus(b *testing.B) {
	var pairs [][2]string
	size := 0
	for _, p := range corpusPairs(b) {
		x, y := readPair(b, "", p[0], p[1])
		pairs = append(pairs, [2]string{x, y})
		size += len(x) + len(y)
	}
	var differ, lines, fields time.Duration
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	for b.Loop() {
		t0 := time.Now()
		for _, p := range pairs {
			Compare(p[0], p[1])
		}
		t1 := time.Now()
		for _, p := range pairs {
			ra, rb, ls := dmp.DiffLinesToRunes(p[0], p[1])
			dmp.DiffCharsToLines(dmp.DiffMainRunes(ra, rb, false), ls)
		}
		t2 := time.Now()
		for _, p := range pairs {
			_ = len(strings.Fields(p[0])) + len(strings.Fields(p[1]))
		}
		t3 := time.Now()
		differ += t1.Sub(t0)
		lines += t2.Sub(t1)
		fields += t3.Sub(t2)
	}
	mbs := func(d time.Duration) float64 { return float64(size) * float64(b.N) / d.Seconds() / 1e6 }
	b.ReportMetric(mbs(differ), "differ-MB/s")
	b.ReportMetric(mbs(lines), "linediff-MB/s")
	b.ReportMetric(mbs(fields), "fields-MB/s")
	b.ReportMetric(float64(differ)/float64(lines), "x-linediff")
	b.ReportMetric(float64(differ)/float64(fields), "x-fields")
	b.ReportMetric(float64(len(pairs)), "pairs")
}

// fewEdits returns text with n paragraphs changed by one inserted clause.
func fewEdits(text string, n int) string {
	paras := strings.Split(text, "\n\n")
	step := len(paras) / (n + 1)
	for k := 1; k <= n; k++ {
		p := &paras[k*step]
		*p = strings.Replace(*p, " ", " and your contacts' data ", 1)
	}
	return strings.Join(paras, "\n\n")
}

func BenchmarkCompare100KB(b *testing.B) {
	a, _ := readPair(b, "testdata/corpus/_edge-cases/google-privacy-pdf-url-token", "001-2025-07-02.md", "002-2025-07-08.md")
	other, _ := readPair(b, "testdata/corpus/netflix/privacy-policy", "005-2026-04-11.md", "004-2025-09-23.md")
	for _, bc := range []struct {
		name string
		new  string
	}{
		{"5-edits", fewEdits(a, 5)},
		{"20-edits", fewEdits(a, 20)},
		{"unrelated", other},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(a) + len(bc.new)))
			for b.Loop() {
				Compare(a, bc.new)
			}
		})
	}
}

// FuzzCompare: no panic, Compare(a, a) is none, and the result keeps its
// invariants (edits rebuild the new blocks, word runs rebuild both sides).
func FuzzCompare(f *testing.F) {
	f.Add("# T\n\nWe sell data.", "# T\n\nWe do not sell data.")
	f.Add("* a\n* b\n\n| x | y |", "* b\n* a\n\n| x | z |")
	f.Add("Last updated: May 4, 2026", "Last updated: May 11, 2026")
	for _, p := range corpusPairs(f) {
		x, err1 := os.ReadFile(p[0])
		y, err2 := os.ReadFile(p[1])
		if err1 != nil || err2 != nil {
			continue
		}
		// Seeds stay small so that the fuzzer mutates rather than copies.
		f.Add(clip(string(x), 3000), clip(string(y), 3000))
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if self := Compare(a, a); self.Kind != KindNone || len(self.Edits) != 0 {
			t.Fatalf("Compare(a, a) = %s with %d edits", self.Kind, len(self.Edits))
		}
		r := Compare(a, b)
		if err := checkResult(a, b, r); err != nil {
			t.Fatal(err)
		}
	})
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
