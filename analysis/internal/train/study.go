package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/policybot/policybot/analysis"
)

// studyOPP measures what a model trained on OPP-115 itself would reach under
// leave-documents-out cross-validation, to show how far the shipped
// lexicon is from a learned privacy model. Nothing learned here is written.
func studyOPP(labelsDir string, load func(string) ([]analysis.Record, error), mapping *analysis.LabelMapping, lexOnly *analysis.Classifier, epochs int, l2 float64, minCount int) error {
	opp, err := load("opp115.jsonl")
	if err != nil {
		return err
	}
	space := mapping.Space("opp115")
	var cats []string
	for c := range space {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	saved := trained
	trained = cats
	defer func() { trained = saved }()
	catIdx := map[string]int{}
	for i, c := range lexOnly.Categories() {
		catIdx[c] = i
	}
	var exs []*example
	for i, r := range opp {
		gold := map[string]bool{}
		for _, g := range mapping.Gold(r) {
			gold[g] = true
		}
		exs = append(exs, &example{doc: r.Doc, source: r.Source, text: r.Text, keys: featureKeys(r.Text),
			lex: lexOnly.LexiconScores(r.Text), gold: gold, weight: 1, index: i})
	}
	docs := map[string]int{}
	for _, e := range exs {
		if _, ok := docs[e.doc]; !ok {
			docs[e.doc] = len(docs)
		}
	}
	const folds = 5
	pred := map[string][]string{}
	for f := range folds {
		var train []*example
		for _, e := range exs {
			if docs[e.doc]%folds != f {
				train = append(train, e)
			}
		}
		m := fit(train, catIdx, epochs, l2, minCount, nil)
		for _, e := range exs {
			if docs[e.doc]%folds == f {
				var ids []string
				for c, p := range m.predict(e, catIdx) {
					if p >= 0.5 {
						ids = append(ids, c)
					}
				}
				pred[e.text] = ids
			}
		}
	}
	fmt.Println("study: OPP-115 lexicon + logistic regression trained on OPP-115, 5 document folds (NOT shipped):")
	return analysis.WriteReport(os.Stdout, analysis.Evaluate(opp, mapping, func(text string) []string { return pred[text] }))
}
