package main

import (
	"hash/fnv"
	"math"
	"sort"

	"github.com/policybot/policybot/analysis"
)

// folds assigns every organisation to a cross-validation fold: each
// organisation with CLAUDETTE sentences (or OPP-115 paragraphs, for the
// study) is a fold of its own (leave one document out), the rest spread
// over those folds by a hash of their name. A
// company's ToS;DR quotes always sit in the same fold as its ToS.
func folds(cp *corpus) (foldOf []int, n int) {
	claudette := map[int]bool{}
	for _, e := range cp.examples {
		if e.rec.Source == "claudette" || e.rec.Source == "opp115" {
			claudette[e.org] = true
		}
	}
	var orgs []int
	for o := range claudette {
		orgs = append(orgs, o)
	}
	sort.Slice(orgs, func(i, j int) bool { return cp.orgs[orgs[i]] < cp.orgs[orgs[j]] })
	foldOf = make([]int, len(cp.orgs))
	for i := range foldOf {
		foldOf[i] = -1
	}
	for k, o := range orgs {
		foldOf[o] = k
	}
	n = max(len(orgs), 1)
	for o := range cp.orgs {
		if foldOf[o] < 0 {
			h := fnv.New32a()
			h.Write([]byte(cp.orgs[o]))
			foldOf[o] = int(h.Sum32() % uint32(n))
		}
	}
	return foldOf, n
}

// foldView is how one fold sees the data: normally the shared corpus and
// lexicon; with cue ablation, a lexicon without the cues only the fold's own
// documents justify, and the corpus read through it.
type foldView struct {
	cp      *corpus
	lexOnly *analysis.Classifier
}

// crossValidate fits one model per fold and category on the other folds
// and returns every example's out-of-fold probability per trained category
// (NaN for examples that are not scored).
func crossValidate(cp *corpus, cats []string, p params, lexCats []string, usable func(e *example, cat string) (weight float64, use bool), view func(f int, excluded map[int]bool) (foldView, error)) (oof map[string][]float64, foldOf []int, nFolds int, views []foldView, err error) {
	foldOf, nFolds = folds(cp)
	oof = map[string][]float64{}
	for _, c := range cats {
		v := make([]float64, len(cp.examples))
		for i := range v {
			v[i] = math.NaN()
		}
		oof[c] = v
	}
	views = make([]foldView, nFolds)
	for f := range nFolds {
		excluded := map[int]bool{}
		for o, fo := range foldOf {
			if fo == f {
				excluded[o] = true
			}
		}
		fv, err := view(f, excluded)
		if err != nil {
			return nil, nil, 0, nil, err
		}
		views[f] = fv
		for _, c := range cats {
			train := trainingSet(fv.cp, c, usable, func(e *example) bool { return !excluded[e.org] })
			m := fitCategory(fv.cp, train, excluded, c, p, lexCats)
			for i, e := range fv.cp.examples {
				if excluded[e.org] {
					oof[c][i] = sigmoid(m.z(e))
				}
			}
		}
	}
	return oof, foldOf, nFolds, views, nil
}

// trainingSet copies the examples usable for a category, with the weight
// they carry for it.
func trainingSet(cp *corpus, cat string, usable func(e *example, cat string) (float64, bool), keep func(*example) bool) []*example {
	var out []*example
	for _, e := range cp.examples {
		if !keep(e) {
			continue
		}
		w, ok := usable(e, cat)
		if !ok || w <= 0 {
			continue
		}
		ce := *e
		ce.weight = w
		out = append(out, &ce)
	}
	return out
}

// Threshold limits and smoothing, in grid steps of 1/80.
var (
	minThreshold, maxThreshold = 0.15, 0.75
	smooth                     = 3
)

// bestThreshold picks the probability cut with the best F1 over the given
// examples of one source.
func bestThreshold(cp *corpus, probs []float64, cat, source string, include func(i int) bool) float64 {
	type pt struct {
		p   float64
		pos bool
	}
	var pts []pt
	totalPos := 0
	for i, e := range cp.examples {
		if e.rec.Source != source || math.IsNaN(probs[i]) || !include(i) {
			continue
		}
		pts = append(pts, pt{probs[i], e.gold[cat]})
		if e.gold[cat] {
			totalPos++
		}
	}
	if totalPos == 0 {
		return 0.5
	}
	// F1 at every cut on a grid, then smoothed over neighbouring cuts: with
	// a dozen positives the sharpest peak is usually one sentence's luck.
	const steps = 80
	f1 := make([]float64, steps+1)
	for k := range f1 {
		t := float64(k) / steps
		tp, fp := 0, 0
		for _, q := range pts {
			if q.p >= t {
				if q.pos {
					tp++
				} else {
					fp++
				}
			}
		}
		f1[k] = 2 * float64(tp) / float64(2*tp+fp+(totalPos-tp))
	}
	best, bestF := 0.5, -1.0
	for k := range f1 {
		sum, n := 0.0, 0
		for d := -smooth; d <= smooth; d++ {
			if k+d >= 0 && k+d <= steps {
				sum += f1[k+d]
				n++
			}
		}
		if f := sum / float64(n); f > bestF {
			best, bestF = float64(k)/steps, f
		}
	}
	return math.Min(math.Max(best, minThreshold), maxThreshold)
}

// cvPredictions turns out-of-fold probabilities into predicted categories:
// trained categories by thresholds chosen without the example's fold,
// the rest by the lexicon-only classifier.
func cvPredictions(cp *corpus, views []foldView, cats []string, oof map[string][]float64, foldOf []int, nFolds int, thresholdSource string) ([][]string, map[string][]float64) {
	trained := map[string]bool{}
	for _, c := range cats {
		trained[c] = true
	}
	thr := map[string][]float64{}
	for _, c := range cats {
		thr[c] = make([]float64, nFolds)
		for f := range nFolds {
			thr[c][f] = bestThreshold(cp, oof[c], c, thresholdSource, func(i int) bool { return foldOf[cp.examples[i].org] != f })
		}
	}
	preds := make([][]string, len(cp.examples))
	for i, e := range cp.examples {
		var ids []string
		fallback := false
		for _, l := range views[foldOf[e.org]].lexOnly.Classify(e.rec.Text) {
			if !trained[l.Category] {
				ids = append(ids, l.Category)
				fallback = l.Category == "notice_contact_other" && l.Evidence == nil
			}
		}
		for _, c := range cats {
			if p := oof[c][i]; !math.IsNaN(p) && p >= thr[c][foldOf[e.org]] {
				ids = append(ids, c)
			}
		}
		if fallback && len(ids) > 1 {
			// The lexicon gave the fallback only because it found nothing;
			// the trained model did.
			ids = ids[1:]
		}
		preds[i] = ids
	}
	return preds, thr
}
