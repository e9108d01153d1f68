package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/policybot/policybot/analysis"
)

// lexiconFile mirrors data/lexicon.json so that cues can be taken out of it.
type lexiconFile struct {
	Note       string                  `json:"note"`
	Strong     float64                 `json:"strong_weight"`
	Weak       float64                 `json:"weak_weight"`
	Not        float64                 `json:"not_weight"`
	WeakCap    float64                 `json:"weak_cap"`
	Offset     float64                 `json:"offset"`
	Fallback   string                  `json:"fallback"`
	Categories map[string]*lexiconCats `json:"categories"`
}

type lexiconCats struct {
	Strong    []string `json:"strong"`
	Weak      []string `json:"weak"`
	Not       []string `json:"not"`
	Threshold float64  `json:"threshold,omitempty"`
}

// cueText is a lexicon phrase without its weight, as the model names it.
func cueText(phrase string) string {
	if i := strings.LastIndex(phrase, "="); i > 0 {
		return strings.TrimSpace(phrase[:i])
	}
	return phrase
}

// without returns the lexicon with the given cues ("category:text") taken out.
func without(lexJSON []byte, drop map[string]bool) ([]byte, error) {
	if len(drop) == 0 {
		return lexJSON, nil
	}
	var lf lexiconFile
	if err := json.Unmarshal(lexJSON, &lf); err != nil {
		return nil, err
	}
	for cat, lc := range lf.Categories {
		keep := func(list []string) []string {
			var out []string
			for _, p := range list {
				if !drop[cat+":"+cueText(p)] {
					out = append(out, p)
				}
			}
			return out
		}
		lc.Strong, lc.Weak, lc.Not = keep(lc.Strong), keep(lc.Weak), keep(lc.Not)
	}
	return json.Marshal(lf)
}

// cueEvidenceOrgs maps every cue ("category:text") to the organisations in
// which it hits a text labelled with its category: the documents that
// justify writing it. Cues with a negative weight are justified by hits on
// texts without the category.
func cueEvidenceOrgs(cp *corpus, lexJSON []byte) (map[string]map[int]bool, error) {
	var lf lexiconFile
	if err := json.Unmarshal(lexJSON, &lf); err != nil {
		return nil, err
	}
	negative := map[string]bool{}
	for cat, lc := range lf.Categories {
		for _, p := range lc.Not {
			negative[cat+":"+cueText(p)] = true
		}
	}
	out := map[string]map[int]bool{}
	for _, e := range cp.examples {
		for _, f := range e.feats {
			key, ok := strings.CutPrefix(cp.keys[f], "c:")
			if !ok {
				continue
			}
			cat, _, _ := strings.Cut(key, ":")
			if e.gold[cat] == negative[key] {
				continue
			}
			if out[key] == nil {
				out[key] = map[int]bool{}
			}
			out[key][e.org] = true
		}
	}
	return out, nil
}

// unjustifiedOutside lists the cues that hit in the given organisations'
// texts but have no labelled hit anywhere else: cues that reading those
// documents alone would have suggested.
func unjustifiedOutside(cp *corpus, evidence map[string]map[int]bool, orgs map[int]bool) map[string]bool {
	drop := map[string]bool{}
	for _, e := range cp.examples {
		if !orgs[e.org] {
			continue
		}
		for _, f := range e.feats {
			key, ok := strings.CutPrefix(cp.keys[f], "c:")
			if !ok || drop[key] {
				continue
			}
			elsewhere := false
			for o := range evidence[key] {
				if !orgs[o] {
					elsewhere = true
					break
				}
			}
			if !elsewhere {
				drop[key] = true
			}
		}
	}
	return drop
}

// cueReport reads each document with only the cues that also hit labelled
// text in other documents (of any source) and compares the scores with
// reading it with the whole lexicon. The gap is how much the lexicon owes
// to having read that very document. The trained model (o.model) reads
// along, as it ships: it never saw OPP-115, so on privacy policies the
// ablated column is the held-out-style estimate of the shipped classifier.
// (On CLAUDETTE and ToS;DR the model is in-sample; -ablate cross-validates.)
func cueReport(o options) error {
	mapping, err := analysis.Mapping()
	if err != nil {
		return err
	}
	lexJSON, err := os.ReadFile(o.lexicon)
	if err != nil {
		return err
	}
	m, err := readModel(o.model)
	if err != nil {
		return err
	}
	full, err := analysis.NewClassifier(lexJSON, m)
	if err != nil {
		return err
	}
	// Cue evidence is read through the lexicon alone: which cues hit where
	// does not depend on the model.
	lexOnly, err := analysis.NewClassifier(lexJSON, nil)
	if err != nil {
		return err
	}
	var recs []analysis.Record
	for _, name := range []string{"opp115.jsonl", "claudette.jsonl", "tosdr.jsonl"} {
		r, err := loadRecords(o.labels, name)
		if err != nil {
			return err
		}
		recs = append(recs, r...)
	}
	cp := build(lexOnly, mapping, recs, func(analysis.Record) float64 { return 1 })
	evidence, err := cueEvidenceOrgs(cp, lexJSON)
	if err != nil {
		return err
	}
	byOrg := map[int][]int{}
	for i, e := range cp.examples {
		byOrg[e.org] = append(byOrg[e.org], i)
	}
	fullPreds := make([][]string, len(recs))
	ablated := make([][]string, len(recs))
	dropped := map[string]int{}
	for org, idx := range byOrg {
		drop := unjustifiedOutside(cp, evidence, map[int]bool{org: true})
		for k := range drop {
			dropped[k]++
		}
		lj, err := without(lexJSON, drop)
		if err != nil {
			return err
		}
		c, err := analysis.NewClassifier(lj, m)
		if err != nil {
			return err
		}
		pf, pa := labelsOf(full), labelsOf(c)
		for _, i := range idx {
			fullPreds[i] = pf(recs[i].Text)
			ablated[i] = pa(recs[i].Text)
		}
	}
	if o.errors != "" {
		printErrors(os.Stdout, cp, fullPreds, nil, o.errors, o.errSource)
		return nil
	}
	fs, as := analysis.Score(recs, mapping, fullPreds), analysis.Score(recs, mapping, ablated)
	what := "lexicon only"
	if m != nil {
		what = "lexicon and " + o.model
	}
	fmt.Printf("%s: whole lexicon vs each document read without the cues only it justifies\n", what)
	for k, s := range fs {
		a := as[k]
		fmt.Printf("%s\n  %-28s %8s %8s %7s\n", s.Source, "category", "whole", "ablated", "support")
		for j, cs := range s.Categories {
			v, w := cs.F1, a.Categories[j].F1
			if s.PositiveOnly {
				v, w = cs.Rec, a.Categories[j].Rec
			}
			fmt.Printf("  %-28s %8.3f %8.3f %7d\n", cs.Category, v, w, cs.Support)
		}
		if s.PositiveOnly {
			fmt.Printf("  %-28s %8.3f %8.3f\n", "recall", s.Recall, a.Recall)
		} else {
			fmt.Printf("  %-28s %8.3f %8.3f\n", "macro-F1", s.MacroF1, a.MacroF1)
		}
	}
	var keys []string
	for k := range dropped {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Printf("\n%d cues are justified by one organisation only:\n", len(keys))
	for _, k := range keys {
		var orgs []string
		for o := range evidence[k] {
			orgs = append(orgs, cp.orgs[o])
		}
		fmt.Printf("  %-60s %s\n", k, strings.Join(orgs, ","))
	}
	return nil
}
