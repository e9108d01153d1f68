// Command train fits the logistic-regression part of the provision
// classifier, measures it by leaving whole documents out, and writes
// analysis/data/model.json. It is a developer tool, not part of the build:
// run it from the repository root after changing the lexicon or the data.
//
//	go run ./analysis/internal/train                 # cross-validate, write the model, score it on OPP-115
//	go run ./analysis/internal/train -write=false -ablate
//	                                                  # cross-validate with each fold's own cues taken out
//	go run ./analysis/internal/train -cues            # does each document need cues only it justifies?
//	                                                  # (with the model: the OPP-115 held-out-style estimate)
//	go run ./analysis/internal/train -study           # what a model trained on OPP-115 would reach (not shipped)
//	go run ./analysis/internal/train -eval ../shared/labels/*.jsonl
//	go run ./analysis/internal/train -dump ../shared/labels/opp115.jsonl > preds.jsonl
//	                                                  # gold, predictions, probabilities and cues per record
//
// Cross-validation leaves one CLAUDETTE company out at a time, with that
// company's ToS;DR quotes (Dropbox's ToS and Dropbox's ToS;DR points are
// one organisation), and picks each fold's thresholds on the other folds'
// out-of-fold predictions. With -ablate, each fold also loses the lexicon
// cues that only its own documents justify, which estimates how much of the
// score is owed to having read those documents while writing cues.
//
// What the model reads: the cues the lexicon found (one feature each, so a
// cue that misleads on real text gets a small or negative weight) and the
// categories' lexicon scores. Hashed words and word pairs (-words) gave no
// gain under cross-validation on the dev data that survives pruning their
// thousands of tiny weights (+0.015 macro-F1 unpruned, none at |w| >= 0.02,
// three times the file), so the shipped model leaves them out and stays
// small and explainable.
//
// Only openly licensed data trains shipped weights: CLAUDETTE (CC BY 4.0)
// sentences and ToS;DR (CC BY-SA 3.0) quotes. OPP-115 is research-only: it
// is read to measure the shipped classifier on privacy policies it never
// learned from, to justify cues in -cues and -ablate, and by -study; no
// weight or threshold comes from it.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/policybot/policybot/analysis"
)

// defaultTrained are the categories the open data labels with real
// negatives (CLAUDETTE); the rest stay lexicon-only.
const defaultTrained = "arbitration_class_waiver,policy_change,termination_content_removal,governing_law_jurisdiction,liability_limitation,contract_by_use"

type options struct {
	labels, lexicon, out string
	model                string // the trained model -cues and -dump read with the lexicon; empty: lexicon only
	write, study, cues   bool
	ablate, dedupe       bool
	cats                 []string
	p                    params
	tosdrPos, tosdrNeg   float64
	errors, errSource    string
	tosdrSkip            map[string]bool
}

// skippedCases are ToS;DR cases whose quotes are not positives of the
// categories the mapping gives them: a "last updated" date says when a text
// changed, not that the provider may change it, and neither CLAUDETTE nor
// OPP-115 annotators label it so.
var skippedCases = []string{
	"There is a date of the last update of the terms",
	"This service provides archives of their Terms of Service so that changes can be viewed over time",
}

// defaultOptions are the settings the shipped model was trained with.
func defaultOptions() options {
	o := options{
		labels: "../shared/labels", lexicon: "analysis/data/lexicon.json", out: "analysis/data/model.json",
		model: "analysis/data/model.json",
		write: true, dedupe: true, errSource: "claudette",
		cats: strings.Split(defaultTrained, ","),
		p: params{l2Word: 0.03, l2Cue: 0.003, l2Cross: 0.003, l2Lex: 0.001, l2Other: 0.03, minOrgs: 2, posCap: 4,
			iters: 150},
		tosdrPos: 0.5, tosdrNeg: 0.1, tosdrSkip: map[string]bool{},
	}
	for _, c := range skippedCases {
		o.tosdrSkip[c] = true
	}
	return o
}

func main() {
	o := defaultOptions()
	cats := strings.Join(o.cats, ",")
	flag.StringVar(&o.labels, "labels", o.labels, "directory with claudette.jsonl, tosdr.jsonl and opp115.jsonl")
	flag.StringVar(&o.lexicon, "lexicon", o.lexicon, "lexicon to read (edits take effect without rebuilding)")
	flag.StringVar(&o.out, "out", o.out, "where to write the model")
	flag.BoolVar(&o.write, "write", o.write, "fit on all data and write the model after cross-validation")
	flag.BoolVar(&o.study, "study", false, "also cross-validate a model trained on OPP-115 (never shipped)")
	flag.BoolVar(&o.cues, "cues", false, "report, per source, how each category scores when every document is read only with cues that also hit in other documents")
	flag.StringVar(&o.errors, "errors", "", "print the misses and false alarms of this category (cross-validated; with -cues, of the whole lexicon read with -model)")
	flag.StringVar(&o.errSource, "source", o.errSource, "with -errors: the source whose errors to print")
	flag.BoolVar(&o.ablate, "ablate", false, "in cross-validation, read each fold with a lexicon that lacks the cues only its own documents justify")
	flag.BoolVar(&o.dedupe, "dedupe", o.dedupe, "count a sentence repeated in one company's documents once")
	flag.Float64Var(&maxThreshold, "max-threshold", maxThreshold, "highest decision threshold a category may get")
	flag.Float64Var(&minThreshold, "min-threshold", minThreshold, "lowest decision threshold a category may get")
	flag.IntVar(&smooth, "smooth", smooth, "smooth the F1 curve over this many 1/80 steps either side before picking a threshold")
	evalOnly := flag.Bool("eval", false, "only evaluate the embedded classifier on the labels files named as arguments")
	dump := flag.Bool("dump", false, "print every record of the labels files named as arguments with its gold and predicted categories (JSON lines), read with -lexicon and -model")
	flag.StringVar(&o.model, "model", o.model, "with -cues and -dump: the trained model to read with the lexicon (empty: lexicon only)")
	flag.StringVar(&cats, "cats", cats, "categories to train")
	flag.Float64Var(&o.p.l2Word, "l2-word", o.p.l2Word, "L2 penalty on word and word-pair weights")
	flag.Float64Var(&o.p.l2Cue, "l2-cue", o.p.l2Cue, "L2 penalty on the weights of the category's own cues")
	flag.Float64Var(&o.p.l2Cross, "l2-cross", o.p.l2Cross, "L2 penalty on the weights of other categories' cues")
	flag.Float64Var(&o.p.l2Lex, "l2-lex", o.p.l2Lex, "L2 penalty on the weight of the category's own lexicon score")
	flag.Float64Var(&o.p.l2Other, "l2-other", o.p.l2Other, "L2 penalty on the weights of other categories' lexicon scores: rare in ToS sentences, they would otherwise get weights no data checks")
	flag.IntVar(&o.p.minOrgs, "min-orgs", o.p.minOrgs, "a word feature must occur in this many training organisations")
	flag.Float64Var(&o.p.posCap, "pos-cap", o.p.posCap, "largest up-weighting of positives")
	flag.BoolVar(&o.p.words, "words", o.p.words, "also use word and word-pair features (no gain under cross-validation; see the package comment)")
	flag.IntVar(&o.p.iters, "iters", o.p.iters, "L-BFGS iterations")
	flag.Float64Var(&o.tosdrPos, "tosdr-pos", o.tosdrPos, "weight of a ToS;DR quote as a positive of its categories")
	flag.Float64Var(&o.tosdrNeg, "tosdr-neg", o.tosdrNeg, "weight of a ToS;DR quote as a negative of the trained categories it is not filed under (0: unused)")
	flag.Parse()
	o.cats = strings.Split(cats, ",")
	var err error
	switch {
	case *evalOnly:
		err = evalDefault(flag.Args())
	case *dump:
		err = dumpPredictions(o, flag.Args())
	case o.cues:
		err = cueReport(o)
	default:
		err = run(o, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(o options, w io.Writer) error {
	start := time.Now()
	mapping, err := analysis.Mapping()
	if err != nil {
		return err
	}
	lexJSON, err := os.ReadFile(o.lexicon)
	if err != nil {
		return err
	}
	lexOnly, err := analysis.NewClassifier(lexJSON, nil)
	if err != nil {
		return err
	}
	all := lexOnly.Categories()
	claudette, err := loadRecords(o.labels, "claudette.jsonl")
	if err != nil {
		return err
	}
	tosdr, err := loadRecords(o.labels, "tosdr.jsonl")
	if err != nil {
		return err
	}
	recs := append(append([]analysis.Record(nil), claudette...), tosdr...)
	cp := build(lexOnly, mapping, recs, func(analysis.Record) float64 { return 1 })
	// A sentence repeated within one company's documents (Groupon's three
	// near-identical Terms of Sale) counts once in all, so that the company
	// with the longest terms does not set the model's habits.
	copies := map[string]int{}
	for _, r := range recs {
		copies[orgKey(r.Doc)+"\x00"+r.Text]++
	}
	dup := func(e *example) float64 {
		if !o.dedupe {
			return 1
		}
		return 1 / float64(copies[orgKey(e.rec.Doc)+"\x00"+e.rec.Text])
	}
	usable := func(e *example, cat string) (float64, bool) {
		switch e.rec.Source {
		case "claudette":
			return dup(e), true
		case "tosdr":
			// Positive-only labels: a quote says nothing about the cases
			// it was not filed under, so as a negative it counts little.
			for _, l := range e.rec.Labels {
				if o.tosdrSkip[l] {
					return 0, false
				}
			}
			if e.gold[cat] {
				return o.tosdrPos, true
			}
			return o.tosdrNeg, o.tosdrNeg > 0
		}
		return 0, false
	}
	view := func(int, map[int]bool) (foldView, error) { return foldView{cp, lexOnly}, nil }
	if o.ablate {
		// Cues are justified by labelled hits in documents of any source,
		// OPP-115 included (reading it to write cues is allowed).
		opp, err := loadRecords(o.labels, "opp115.jsonl")
		if err != nil {
			return err
		}
		evCorpus := build(lexOnly, mapping, append(append([]analysis.Record(nil), recs...), opp...), func(analysis.Record) float64 { return 1 })
		evidence, err := cueEvidenceOrgs(evCorpus, lexJSON)
		if err != nil {
			return err
		}
		view = func(f int, excluded map[int]bool) (foldView, error) {
			orgs := map[int]bool{}
			for o := range excluded {
				orgs[evCorpus.orgIndex[cp.orgs[o]]] = true
			}
			lj, err := without(lexJSON, unjustifiedOutside(evCorpus, evidence, orgs))
			if err != nil {
				return foldView{}, err
			}
			c, err := analysis.NewClassifier(lj, nil)
			if err != nil {
				return foldView{}, err
			}
			return foldView{build(c, mapping, recs, func(analysis.Record) float64 { return 1 }), c}, nil
		}
	}
	oof, foldOf, nFolds, views, err := crossValidate(cp, o.cats, o.p, all, usable, view)
	if err != nil {
		return err
	}
	preds, thr := cvPredictions(cp, views, o.cats, oof, foldOf, nFolds, "claudette")
	fmt.Fprintf(w, "cross-validated: %d folds, each leaving out one CLAUDETTE company with its ToS;DR quotes (and ~1/%d of the other ToS;DR services);\n", nFolds, nFolds)
	fmt.Fprintf(w, "thresholds chosen on the other folds' out-of-fold CLAUDETTE predictions; params %+v tosdr-pos %g tosdr-neg %g\n", o.p, o.tosdrPos, o.tosdrNeg)
	if err := analysis.WriteReport(w, analysis.Score(recs, mapping, preds)); err != nil {
		return err
	}
	for _, c := range o.cats {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, t := range thr[c] {
			lo, hi = math.Min(lo, t), math.Max(hi, t)
		}
		fmt.Fprintf(w, "threshold %-28s %.3f..%.3f\n", c, lo, hi)
	}
	if o.errors != "" {
		printErrors(w, cp, preds, oof, o.errors, o.errSource)
	}
	slog.Info("cross-validation done", "took", time.Since(start).Round(time.Millisecond))
	if !o.write {
		return nil
	}
	final := map[string]*linear{}
	thresholds := map[string]float64{}
	for _, c := range o.cats {
		train := trainingSet(cp, c, usable, func(*example) bool { return true })
		final[c] = fitCategory(cp, train, nil, c, o.p, all)
		thresholds[c] = round(bestThreshold(cp, oof[c], c, "claudette", func(int) bool { return true }))
	}
	m := export(cp, all, o.cats, final, thresholds)
	b, err := analysis.MarshalModel(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	slog.Info("wrote model", "path", o.out, "bytes", len(b), "features", len(m.Weights))
	// The written model on data it never saw: OPP-115 privacy policies.
	if opp, err := loadRecords(o.labels, "opp115.jsonl"); err == nil {
		c, err := analysis.NewClassifier(lexJSON, m)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, "\nwritten model on OPP-115 (never trained on):")
		if err := analysis.WriteReport(w, analysis.Evaluate(opp, mapping, labelsOf(c))); err != nil {
			return err
		}
	}
	if o.study {
		return studyOPP(w, o, mapping, lexJSON)
	}
	return nil
}

func labelsOf(c *analysis.Classifier) func(string) []string {
	return func(text string) []string {
		var ids []string
		for _, l := range c.Classify(text) {
			ids = append(ids, l.Category)
		}
		return ids
	}
}

// export keeps the weights that matter, rounded, so the embedded file stays
// small and its diffs readable.
func export(cp *corpus, all, cats []string, models map[string]*linear, thresholds map[string]float64) *analysis.Model {
	am := &analysis.Model{
		Note: "Logistic regression per category over the lexicon's cues and scores and hashed words and word pairs seen in at least " +
			"a few organisations' documents. Trained by analysis/internal/train on CLAUDETTE (CC BY 4.0) and ToS;DR (CC BY-SA 3.0) dev data; " +
			"see NOTICE.md. No OPP-115 data was used.",
		Categories: cats, Bias: map[string]float64{}, Threshold: map[string]float64{}, Weights: map[string]map[string]float64{},
	}
	put := func(key, cat string, w float64) {
		if math.Abs(w) < 0.005 {
			return
		}
		if am.Weights[key] == nil {
			am.Weights[key] = map[string]float64{}
		}
		am.Weights[key][cat] = round(w)
	}
	for _, c := range cats {
		m := models[c]
		am.Bias[c] = round(m.bias)
		am.Threshold[c] = thresholds[c]
		for i, w := range m.lex {
			put("l:"+all[i], c, w)
		}
		ids := make([]int32, 0, len(m.w))
		for id := range m.w {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			put(cp.keys[id], c, m.w[id])
		}
	}
	return am
}

func round(x float64) float64 { return math.Round(x*1000) / 1000 }

func printErrors(w io.Writer, cp *corpus, preds [][]string, oof map[string][]float64, cat, source string) {
	for i, e := range cp.examples {
		if e.rec.Source != source {
			continue
		}
		pred := false
		for _, c := range preds[i] {
			pred = pred || c == cat
		}
		if pred == e.gold[cat] {
			continue
		}
		kind := "MISS "
		if pred {
			kind = "ALARM"
		}
		p := math.NaN()
		if v, ok := oof[cat]; ok {
			p = v[i]
		}
		text := e.rec.Text
		if len(text) > 220 {
			text = text[:220]
		}
		var cues []string
		for _, f := range e.feats {
			if k, ok := strings.CutPrefix(cp.keys[f], "c:"+cat+":"); ok {
				cues = append(cues, k)
			}
		}
		fmt.Fprintf(w, "%s %-9s %.2f %s\n      cues: %s\n", kind, e.rec.Doc, p, text, strings.Join(cues, " ; "))
	}
}
