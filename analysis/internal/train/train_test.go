package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policybot/policybot/analysis"
)

func TestOrgKey(t *testing.T) {
	tests := map[string]string{
		"Dropbox":                          "dropbox",
		"WorldOfWarcraft":                  "blizzard",
		"1028_redorbit.com":                "redorbitcom",
		"pepper&carrot":                    "peppercarrot",
		"atlassian(incl-trello,bitbucket)": "atlassianincltrellobitbucket",
	}
	for doc, want := range tests {
		if got := orgKey(doc); got != want {
			t.Errorf("orgKey(%q) = %q, want %q", doc, got, want)
		}
	}
}

// A company's ToS and its ToS;DR quotes must be tested together, or the
// quotes would teach the model the very sentences it is tested on.
func TestFoldsKeepCompaniesTogether(t *testing.T) {
	c, err := analysis.NewClassifier(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := analysis.Mapping()
	if err != nil {
		t.Fatal(err)
	}
	recs := []analysis.Record{
		{Source: "claudette", Doc: "Dropbox", Text: "We may terminate your account."},
		{Source: "claudette", Doc: "Zoom", Text: "Zoom may change prices at any time."},
		{Source: "tosdr", Doc: "dropbox", Text: "Dropbox can delete your account.", Labels: []string{"x"}},
		{Source: "tosdr", Doc: "khanacademy", Text: "Terms may change.", Labels: []string{"y"}},
	}
	cp := build(c, m, recs, func(analysis.Record) float64 { return 1 })
	foldOf, n := folds(cp)
	if n != 2 {
		t.Fatalf("%d folds, want one per CLAUDETTE company", n)
	}
	if a, b := foldOf[cp.examples[0].org], foldOf[cp.examples[2].org]; a != b {
		t.Errorf("Dropbox ToS in fold %d, its ToS;DR quote in fold %d", a, b)
	}
	if foldOf[cp.examples[3].org] < 0 || foldOf[cp.examples[3].org] >= n {
		t.Errorf("ToS;DR-only service not in a fold")
	}
}

func TestLBFGS(t *testing.T) {
	// (x-3)^2 + 10 (y+1)^2
	x := []float64{0, 0}
	lbfgs(func(x, g []float64) float64 {
		g[0], g[1] = 2*(x[0]-3), 20*(x[1]+1)
		return (x[0]-3)*(x[0]-3) + 10*(x[1]+1)*(x[1]+1)
	}, x, 100)
	if math.Abs(x[0]-3) > 1e-3 || math.Abs(x[1]+1) > 1e-3 {
		t.Errorf("minimum at %v, want [3 -1]", x)
	}
}

func TestFitAndThreshold(t *testing.T) {
	// One cue separates the classes; the fit must find it and the threshold
	// must fall between the two groups' probabilities.
	cp := &corpus{keys: []string{"c:policy_change:x", "c:policy_change:y"}, orgsOf: []orgSet{{1}, {1}}}
	cats := []string{"policy_change"}
	for i := range 40 {
		e := &example{rec: analysis.Record{Source: "claudette"}, lex: []float64{0}, weight: 1, gold: map[string]bool{}}
		if i%4 == 0 {
			e.feats = []int32{0}
			e.gold["policy_change"] = true
		} else {
			e.feats = []int32{1}
		}
		cp.examples = append(cp.examples, e)
	}
	m := fitCategory(cp, cp.examples, nil, "policy_change", params{l2Word: 0.01, l2Cue: 0.001, l2Cross: 0.001, l2Lex: 0.001, l2Other: 0.01, posCap: 4, iters: 100}, cats)
	probs := make([]float64, len(cp.examples))
	for i, e := range cp.examples {
		probs[i] = sigmoid(m.z(e))
	}
	if probs[0] < 0.7 || probs[1] > 0.3 {
		t.Fatalf("positive %.2f, negative %.2f", probs[0], probs[1])
	}
	thr := bestThreshold(cp, probs, "policy_change", "claudette", func(int) bool { return true })
	if thr <= probs[1] || thr > probs[0] {
		t.Errorf("threshold %.2f not between %.2f and %.2f", thr, probs[1], probs[0])
	}
}

// TestCrossValidatedFloor guards generalisation, not fit: leaving one
// CLAUDETTE company out at a time, the model must keep the figure it was
// shipped with (0.623 macro-F1 on the dev data) within noise.
func TestCrossValidatedFloor(t *testing.T) {
	o := defaultOptions()
	o.labels = filepath.Join("..", "..", "..", "..", "shared", "labels")
	o.lexicon = filepath.Join("..", "..", "data", "lexicon.json")
	o.write = false
	if _, err := os.Stat(filepath.Join(o.labels, "claudette.jsonl")); err != nil {
		t.Skip("shared labels not present")
	}
	var out bytes.Buffer
	if err := run(o, &out); err != nil {
		t.Fatal(err)
	}
	var macro, micro float64
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "claudette macro-F1 ") {
			if _, err := fmt.Sscanf(line, "claudette macro-F1 %f micro-F1 %f", &macro, &micro); err != nil {
				t.Fatal(err)
			}
		}
	}
	if macro < 0.58 {
		t.Errorf("cross-validated CLAUDETTE macro-F1 %.3f below 0.58:\n%s", macro, out.String())
	}
}
