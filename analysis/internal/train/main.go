// Command train fits the logistic-regression part of the provision
// classifier and writes analysis/data/model.json. It is a developer tool, not
// part of the build: run it from the repository root after changing the
// lexicon or the training data.
//
//	go run ./analysis/internal/train -labels ../shared/labels
//
// Only openly licensed data trains shipped weights: CLAUDETTE (CC BY 4.0)
// sentences and ToS;DR (CC BY-SA 3.0) quotes. OPP-115 is research-only: with
// -study it is used to measure a model trained on it under document-level
// cross-validation, and those weights are thrown away.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/policybot/policybot/analysis"
	"github.com/policybot/policybot/analysis/internal/textfeat"
)

// trained are the categories the open data labels with real negatives
// (CLAUDETTE); the rest stay lexicon-only.
var trained = []string{
	"arbitration_class_waiver", "policy_change", "termination_content_removal",
	"governing_law_jurisdiction", "liability_limitation", "contract_by_use",
}

type example struct {
	doc    string // fold key
	source string
	text   string
	keys   []string // feature keys
	lex    []float64
	gold   map[string]bool
	weight float64
	index  int
}

func main() {
	labels := flag.String("labels", "../shared/labels", "directory with claudette.jsonl, tosdr.jsonl (and opp115.jsonl for -study)")
	out := flag.String("out", "analysis/data/model.json", "where to write the model")
	epochs := flag.Int("epochs", 12, "passes over the training data")
	l2 := flag.Float64("l2", 1e-4, "L2 penalty per example")
	minCount := flag.Int("min-count", 2, "drop features seen fewer times")
	study := flag.Bool("study", false, "also cross-validate a model trained on OPP-115 (never shipped)")
	evalOnly := flag.Bool("eval", false, "only evaluate the embedded classifier on the labels files named as arguments")
	flag.Parse()
	if *evalOnly {
		if err := evalDefault(flag.Args()); err != nil {
			fmt.Fprintln(os.Stderr, "train:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*labels, *out, *epochs, *l2, *minCount, *study); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(labelsDir, out string, epochs int, l2 float64, minCount int, study bool) error {
	mapping, err := analysis.Mapping()
	if err != nil {
		return err
	}
	lexOnly, err := analysis.NewClassifier(nil)
	if err != nil {
		return err
	}
	cats := lexOnly.Categories()
	catIdx := map[string]int{}
	for i, c := range cats {
		catIdx[c] = i
	}
	load := func(name string) ([]analysis.Record, error) {
		f, err := os.Open(filepath.Join(labelsDir, name))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return analysis.ReadRecords(f)
	}
	claudette, err := load("claudette.jsonl")
	if err != nil {
		return err
	}
	tosdr, err := load("tosdr.jsonl")
	if err != nil {
		return err
	}
	mk := func(recs []analysis.Record, weight float64) []*example {
		var exs []*example
		for _, r := range recs {
			gold := map[string]bool{}
			for _, g := range mapping.Gold(r) {
				gold[g] = true
			}
			exs = append(exs, &example{doc: strings.ToLower(r.Doc), source: r.Source, text: r.Text,
				keys: featureKeys(r.Text), lex: lexOnly.LexiconScores(r.Text), gold: gold, weight: weight})
		}
		return exs
	}
	exs := append(mk(claudette, 1), mk(tosdr, 0.5)...)
	for i, e := range exs {
		e.index = i
	}
	slog.Info("examples", "claudette", len(claudette), "tosdr", len(tosdr))

	// Document-level cross-validation: organisations are folds, so a ToS and
	// its ToS;DR quotes are never split between train and test.
	docs := map[string]bool{}
	for _, e := range exs {
		docs[e.doc] = true
	}
	var docList []string
	for d := range docs {
		docList = append(docList, d)
	}
	sort.Strings(docList)
	const folds = 5
	foldOf := map[string]int{}
	// CLAUDETTE documents spread round-robin over folds first, so that every
	// fold tests on two of the ten ToS.
	k := 0
	for _, d := range docList {
		if isClaudetteDoc(d, claudette) {
			foldOf[d] = k % folds
			k++
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, d := range docList {
		if _, ok := foldOf[d]; !ok {
			foldOf[d] = rng.IntN(folds)
		}
	}
	oof := make([]map[string]float64, len(exs)) // out-of-fold probability per trained category
	for f := range folds {
		var train []*example
		for _, e := range exs {
			if foldOf[e.doc] != f {
				train = append(train, e)
			}
		}
		m := fit(train, catIdx, epochs, l2, minCount, nil)
		for _, e := range exs {
			if foldOf[e.doc] == f {
				oof[e.index] = m.predict(e, catIdx)
			}
		}
	}
	// Thresholds chosen on out-of-fold predictions of CLAUDETTE sentences.
	thresholds := map[string]float64{}
	for _, c := range trained {
		best, bestF := 0.5, -1.0
		for t := 0.2; t <= 0.9; t += 0.025 {
			tp, fp, fn := 0, 0, 0
			for _, e := range exs {
				if e.source != "claudette" {
					continue
				}
				p := oof[e.index][c] >= t
				switch {
				case p && e.gold[c]:
					tp++
				case p:
					fp++
				case e.gold[c]:
					fn++
				}
			}
			if f := 2 * float64(tp) / float64(2*tp+fp+fn); f > bestF {
				best, bestF = t, f
			}
		}
		thresholds[c] = math.Round(best*1000) / 1000
	}
	// Cross-validated figures: out-of-fold model scores with the chosen
	// thresholds for trained categories, the lexicon for the rest.
	byText := map[string][]string{}
	for _, e := range exs {
		var ids []string
		for _, l := range lexOnly.Classify(e.text) {
			if !contains(trained, l.Category) {
				ids = append(ids, l.Category)
			}
		}
		for _, c := range trained {
			if oof[e.index][c] >= thresholds[c] {
				ids = append(ids, c)
			}
		}
		byText[e.source+"\x00"+e.text] = ids
	}
	var evalRecs []analysis.Record
	evalRecs = append(evalRecs, claudette...)
	evalRecs = append(evalRecs, tosdr...)
	cur := ""
	scores := analysis.Evaluate(evalRecs, mapping, func(text string) []string { return byText[cur+"\x00"+text] })
	_ = scores
	// Evaluate per source so the lookup key knows the source.
	fmt.Println("cross-validated (5 document folds; thresholds tuned on out-of-fold CLAUDETTE predictions):")
	for _, src := range []struct {
		name string
		recs []analysis.Record
	}{{"claudette", claudette}, {"tosdr", tosdr}} {
		cur = src.name
		if err := analysis.WriteReport(os.Stdout, analysis.Evaluate(src.recs, mapping, func(text string) []string { return byText[cur+"\x00"+text] })); err != nil {
			return err
		}
	}

	final := fit(exs, catIdx, epochs, l2, minCount, thresholds)
	b, err := analysis.MarshalModel(final.export(cats))
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	slog.Info("wrote model", "path", out, "bytes", len(b))
	if study {
		return studyOPP(labelsDir, load, mapping, lexOnly, epochs, l2, minCount)
	}
	return nil
}

func isClaudetteDoc(d string, recs []analysis.Record) bool {
	for _, r := range recs {
		if strings.ToLower(r.Doc) == d {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// featureKeys are the readable names of the hashed features textfeat uses.
func featureKeys(text string) []string {
	toks := textfeat.Tokens(text, nil)
	keys := make([]string, 0, 2*len(toks))
	seen := map[string]bool{}
	for i, t := range toks {
		k := "w:" + t.Stem
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
		if i > 0 {
			k = "b:" + toks[i-1].Stem + " " + t.Stem
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

type model struct {
	cats       []string
	bias       map[string]float64
	lexW       map[string]float64
	w          map[string]map[string]float64 // category -> feature -> weight
	thresholds map[string]float64
}

// fit trains one-vs-rest logistic regression with AdaGrad and L2, weighting
// positives up so that rare clause types are not drowned by the many
// sentences that say nothing unfair.
func fit(exs []*example, catIdx map[string]int, epochs int, l2 float64, minCount int, thresholds map[string]float64) *model {
	count := map[string]int{}
	for _, e := range exs {
		for _, k := range e.keys {
			count[k]++
		}
	}
	m := &model{cats: trained, bias: map[string]float64{}, lexW: map[string]float64{}, w: map[string]map[string]float64{}, thresholds: thresholds}
	rng := rand.New(rand.NewPCG(7, 11))
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	for _, c := range trained {
		ci := catIdx[c]
		pos := 0
		for _, e := range exs {
			if e.gold[c] {
				pos++
			}
		}
		posW := math.Sqrt(float64(len(exs)-pos) / float64(max(pos, 1)))
		w := map[string]float64{}
		g2 := map[string]float64{}
		var b, lw, gb, glw float64 = -2, 0.5, 1e-8, 1e-8
		const eta = 0.3
		for range epochs {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, i := range order {
				e := exs[i]
				z := b + lw*e.lex[ci]
				for _, k := range e.keys {
					z += w[k]
				}
				p := 1 / (1 + math.Exp(-z))
				y := 0.0
				sw := e.weight
				if e.gold[c] {
					y = 1
					sw *= posW
				}
				g := (p - y) * sw
				gb += g * g
				b -= eta * g / math.Sqrt(gb)
				gl := g*e.lex[ci] + l2*lw
				glw += gl * gl
				lw -= eta * gl / math.Sqrt(glw)
				for _, k := range e.keys {
					if count[k] < minCount {
						continue
					}
					gk := g + l2*w[k]
					g2[k] += gk * gk
					w[k] -= eta * gk / math.Sqrt(g2[k]+1e-8)
				}
			}
		}
		m.bias[c], m.lexW[c], m.w[c] = b, lw, w
	}
	return m
}

func (m *model) predict(e *example, catIdx map[string]int) map[string]float64 {
	out := map[string]float64{}
	for _, c := range m.cats {
		z := m.bias[c] + m.lexW[c]*e.lex[catIdx[c]]
		for _, k := range e.keys {
			z += m.w[c][k]
		}
		out[c] = 1 / (1 + math.Exp(-z))
	}
	return out
}

// export keeps the weights that matter (|w| >= 0.01), rounded, so the
// embedded file stays small and diffs stay readable.
func (m *model) export(all []string) *analysis.Model {
	am := &analysis.Model{
		Note: "Logistic-regression weights over hashed word and bigram features plus the lexicon score, one model per category. " +
			"Trained by analysis/internal/train on CLAUDETTE (CC BY 4.0) and ToS;DR (CC BY-SA 3.0) dev data; see NOTICE.md. No OPP-115 data was used.",
		Categories: m.cats, Bias: map[string]float64{}, LexWeight: map[string]float64{}, Threshold: map[string]float64{},
		Weights: map[string]map[string]float64{},
	}
	for _, c := range m.cats {
		am.Bias[c] = round(m.bias[c])
		am.LexWeight[c] = round(m.lexW[c])
		if t, ok := m.thresholds[c]; ok {
			am.Threshold[c] = t
		}
		for k, w := range m.w[c] {
			if math.Abs(w) < 0.01 {
				continue
			}
			if am.Weights[k] == nil {
				am.Weights[k] = map[string]float64{}
			}
			am.Weights[k][c] = round(w)
		}
	}
	return am
}

func round(x float64) float64 { return math.Round(x*1000) / 1000 }
