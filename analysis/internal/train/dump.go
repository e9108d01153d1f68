package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/policybot/policybot/analysis"
)

// dumpPredictions writes, for every record of the named label files, its
// gold and predicted categories (both within the source's label space) as
// JSON lines: the raw material of error analysis by document.
func dumpPredictions(o options, paths []string) error {
	lexJSON, err := os.ReadFile(o.lexicon)
	if err != nil {
		return err
	}
	m, err := readModel(o.model)
	if err != nil {
		return err
	}
	c, err := analysis.NewClassifier(lexJSON, m)
	if err != nil {
		return err
	}
	mapping, err := analysis.Mapping()
	if err != nil {
		return err
	}
	cats := c.Categories()
	enc := json.NewEncoder(os.Stdout)
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		recs, err := analysis.ReadRecords(f)
		f.Close()
		if err != nil {
			return err
		}
		for _, r := range recs {
			space := mapping.Space(r.Source)
			type pred struct {
				Category   string   `json:"category"`
				Confidence float64  `json:"confidence"`
				Evidence   []string `json:"evidence"`
			}
			var preds []pred
			for _, l := range c.Classify(r.Text) {
				if space[l.Category] {
					preds = append(preds, pred{l.Category, l.Confidence, l.Evidence})
				}
			}
			probs := map[string]float64{}
			for i, p := range c.Scores(r.Text) {
				if cat := cats[i]; space[cat] {
					probs[cat] = math.Round(p*1000) / 1000
				}
			}
			var cues []string
			keys, _ := c.ModelInputs(r.Text)
			for _, k := range keys {
				if k, ok := strings.CutPrefix(k, "c:"); ok {
					cues = append(cues, k)
				}
			}
			if err := enc.Encode(map[string]any{"source": r.Source, "doc": r.Doc, "text": r.Text,
				"gold": mapping.Gold(r), "pred": preds, "probs": probs, "cues": cues}); err != nil {
				return err
			}
		}
	}
	return nil
}

// readModel reads a trained model; an empty path means none.
func readModel(path string) (*analysis.Model, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := new(analysis.Model)
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
