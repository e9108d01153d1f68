package extract

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// BenchmarkExtract extracts every HTML capture of the corpus with its
// declaration, and parses the same bytes with html.Parse alone in the same
// loop, so that the ratio does not depend on the machine:
//
//	go test ./monitor/extract -run XXX -bench Extract -benchtime 3x
func BenchmarkExtract(b *testing.B) {
	var (
		docs  [][]Page
		opts  []Options
		total int
	)
	for _, v := range loadCorpus(b) {
		if strings.HasSuffix(v.raw[0], ".pdf") {
			continue
		}
		p := v.pages(b)
		if _, err := Extract(p, v.options()); err != nil {
			continue // the captures the declaration does not match
		}
		docs = append(docs, p)
		opts = append(opts, v.options())
		for _, pg := range p {
			total += len(pg.Body)
		}
	}
	b.ResetTimer()
	var parse, extract time.Duration
	for range b.N {
		t0 := time.Now()
		for _, p := range docs {
			for _, pg := range p {
				if _, err := html.Parse(bytes.NewReader(pg.Body)); err != nil {
					b.Fatal(err)
				}
			}
		}
		t1 := time.Now()
		for i, p := range docs {
			if _, err := Extract(p, opts[i]); err != nil {
				b.Fatal(err)
			}
		}
		parse += t1.Sub(t0)
		extract += time.Since(t1)
	}
	mb := float64(total) * float64(b.N) / 1e6
	b.ReportMetric(mb/extract.Seconds(), "extract-MB/s")
	b.ReportMetric(mb/parse.Seconds(), "parse-MB/s")
	b.ReportMetric(extract.Seconds()/parse.Seconds(), "extract/parse")
	b.ReportMetric(float64(total)/1e6, "corpus-MB")
}

// BenchmarkNormalize measures Normalize over OTA's Markdown of the corpus.
func BenchmarkNormalize(b *testing.B) {
	var mds []string
	total := 0
	for _, v := range loadCorpus(b) {
		md := readFile(b, v.md)
		mds = append(mds, md)
		total += len(md)
	}
	b.SetBytes(int64(total))
	b.ResetTimer()
	for range b.N {
		for _, md := range mds {
			Normalize(md)
		}
	}
}

// FuzzExtract feeds arbitrary bytes as HTML: extraction must not panic, must
// be deterministic, and its output must be a fixed point of Normalize.
func FuzzExtract(f *testing.F) {
	f.Add([]byte(page))
	f.Add([]byte(`<ul><li>a<ol><li>b</li></ol>c</li></ul><table><tr><td>|x|</td></tr></table><pre>l1
l2</pre>`))
	f.Add([]byte(`<p>1. x</p><h2>C#</h2><p>a_b _c_ *d* [e] <a href="https://x.y/?utm_source=z">here</a>!<a href="/">here</a></p>`))
	for _, v := range loadCorpusForFuzz(f) {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, opt := range []Options{{}, {Source: src("body")}} {
			p := []Page{{Body: body, ContentType: "text/html"}}
			r1, err1 := Extract(p, opt)
			r2, err2 := Extract(p, opt)
			if (err1 == nil) != (err2 == nil) || r1.Markdown != r2.Markdown {
				t.Fatalf("not deterministic: %v / %v", err1, err2)
			}
			if err1 != nil {
				continue
			}
			if n := Normalize(r1.Markdown); n != r1.Markdown {
				t.Fatalf("output not a fixed point of Normalize:\n out %q\nnorm %q", r1.Markdown, n)
			}
		}
	})
}

// loadCorpusForFuzz seeds the fuzzer with the smaller corpus captures (the
// large ones slow every mutation down).
func loadCorpusForFuzz(f *testing.F) [][]byte {
	var out [][]byte
	for _, v := range loadCorpus(f) {
		for _, p := range v.pages(f) {
			if strings.HasPrefix(p.ContentType, "text/html") && len(p.Body) < 70_000 {
				out = append(out, p.Body)
			}
		}
	}
	return out
}
