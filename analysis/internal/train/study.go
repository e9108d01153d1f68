package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/policybot/policybot/analysis"
)

// studyOPP measures what the same model would reach if it were trained on
// OPP-115 itself, leaving one policy out at a time: the distance between
// the shipped lexicon and a learned privacy model. Nothing learned here is
// written anywhere.
func studyOPP(w io.Writer, o options, mapping *analysis.LabelMapping, lexJSON []byte) error {
	opp, err := loadRecords(o.labels, "opp115.jsonl")
	if err != nil {
		return err
	}
	lexOnly, err := analysis.NewClassifier(lexJSON, nil)
	if err != nil {
		return err
	}
	var cats []string
	for c := range mapping.Space("opp115") {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	cp := build(lexOnly, mapping, opp, func(analysis.Record) float64 { return 1 })
	usable := func(*example, string) (float64, bool) { return 1, true }
	view := func(int, map[int]bool) (foldView, error) { return foldView{cp, lexOnly}, nil }
	oof, foldOf, nFolds, views, err := crossValidate(cp, cats, o.p, lexOnly.Categories(), usable, view)
	if err != nil {
		return err
	}
	preds, _ := cvPredictions(cp, views, cats, oof, foldOf, nFolds, "opp115")
	fmt.Fprintf(w, "\nstudy (NOT shipped): the same model trained on OPP-115, %d folds leaving one policy out:\n", nFolds)
	return analysis.WriteReport(w, analysis.Score(opp, mapping, preds))
}
