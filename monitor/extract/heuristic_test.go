package extract

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// TestMainContentAgreement extracts every HTML capture with no declaration
// at all and compares with OTA's Markdown (made with the declaration): how
// well the main-content heuristics alone find the policy. Run with -v.
func TestMainContentAgreement(t *testing.T) {
	type agg struct {
		n        int
		sum, min float64
	}
	rows := map[string]*agg{}
	all := &agg{min: 2}
	for _, v := range loadCorpus(t) {
		if strings.HasSuffix(v.raw[0], ".pdf") {
			continue
		}
		key := v.service + " / " + v.docType
		if _, skip := expectNoMatch[key+" "+v.name]; skip {
			continue
		}
		a := rows[key]
		if a == nil {
			a = &agg{min: 2}
			rows[key] = a
		}
		seq := 0.0
		var ours []string
		for _, p := range v.pages(t) {
			res, err := Extract([]Page{p}, Options{})
			if err != nil {
				t.Errorf("%s %s: %v", key, v.name, err)
				continue
			}
			ours = append(ours, words(res.Markdown)...)
		}
		seq = seqRatio(ours, words(Normalize(readFile(t, v.md))))
		for _, x := range []*agg{a, all} {
			x.n++
			x.sum += seq
			x.min = min(x.min, seq)
		}
	}
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-40s %3s %8s %8s\n", "service / document (no declaration)", "n", "meanSeq", "minSeq")
	for _, k := range keys {
		a := rows[k]
		fmt.Fprintf(&b, "%-40s %3d %8.4f %8.4f\n", k, a.n, a.sum/float64(a.n), a.min)
	}
	fmt.Fprintf(&b, "%-40s %3d %8.4f %8.4f\n", "all", all.n, all.sum/float64(all.n), all.min)
	t.Log(b.String())
	for _, k := range keys {
		floor, why := 0.85, mainContentFloor[k]
		if why != "" {
			floor = 0.2
		}
		if a := rows[k]; a.min < floor {
			t.Errorf("%s: %.4f below %.2f", k, a.min, floor)
		}
	}
	if mean := all.sum / float64(all.n); mean < 0.93 {
		t.Errorf("mean agreement %.4f below 0.93", mean)
	}
}

// mainContentFloor names the pages that hold several documents: the
// declaration picks one, which no heuristic can know.
var mainContentFloor = map[string]string{
	"buffer / Privacy Policy":            "one legal page holds the terms, the privacy policy and more",
	"mistral-le-chat / Privacy Policy":   "one terms page holds every Mistral document",
	"mistral-le-chat / Terms of Service": "one terms page holds every Mistral document",
}
