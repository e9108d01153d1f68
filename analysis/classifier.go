package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/policybot/policybot/analysis/internal/textfeat"
)

// Label is one category found in a text.
type Label struct {
	Category   string   `json:"category"`
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence"`
}

// Classifier labels policy text with provision categories. It adds two
// readings of the text: a hand-written cue lexicon (data/lexicon.json,
// phrases a reader would underline, weighted strong or weak), and for the
// categories that openly licensed data covers, a logistic regression over
// hashed word and bigram features trained on CLAUDETTE and ToS;DR
// (data/model.json) which takes the lexicon score as one of its inputs. A
// category is reported when its probability reaches its threshold.
//
// A Classifier is safe for concurrent use.
type Classifier struct {
	categories []string
	catIndex   map[string]int
	exact      map[string][]int // first stem -> cue indexes
	prefix     map[string][]int // first 3 bytes of a prefix cue -> cue indexes
	cues       []cue
	threshold  []float64 // per category, on the probability
	lexOnly    []bool    // categories with no trained model: probability from the lexicon alone
	bias       []float64
	lexWeight  []float64
	weakCap    float64
	fallback   int // category given to text nothing else claims; -1 none
	weights    map[uint64][]catWeight
	pool       sync.Pool
}

type cue struct {
	category int
	weak     bool
	words    []cueWord
	weight   float64
	text     string
}

type cueWord struct {
	stem   string
	prefix bool
}

type catWeight struct {
	cat int
	w   float32
}

// lexicon is the shape of data/lexicon.json.
type lexicon struct {
	Strong     float64                    `json:"strong_weight"`
	Weak       float64                    `json:"weak_weight"`
	Not        float64                    `json:"not_weight"`
	WeakCap    float64                    `json:"weak_cap"`
	Offset     float64                    `json:"offset"`
	Fallback   string                     `json:"fallback"`
	Categories map[string]lexiconCategory `json:"categories"`
}

type lexiconCategory struct {
	Strong    []string `json:"strong"`
	Weak      []string `json:"weak"`
	Not       []string `json:"not"`
	Threshold float64  `json:"threshold,omitempty"`
}

// Model is the shape of data/model.json, written by analysis/internal/train.
type Model struct {
	Note       string                        `json:"note"`
	Categories []string                      `json:"categories"`
	Bias       map[string]float64            `json:"bias"`
	LexWeight  map[string]float64            `json:"lex_weight"`
	Threshold  map[string]float64            `json:"threshold"`
	Weights    map[string]map[string]float64 `json:"weights"` // feature key -> category -> weight
}

var (
	defaultOnce sync.Once
	defaultC    *Classifier
)

// Default returns the classifier built from the embedded lexicon and model,
// loaded once.
func Default() *Classifier {
	defaultOnce.Do(func() {
		var lex lexicon
		var m Model
		if err := readJSON("data/lexicon.json", &lex); err != nil {
			panic(fmt.Sprintf("analysis: %v", err))
		}
		if err := readJSON("data/model.json", &m); err != nil {
			panic(fmt.Sprintf("analysis: %v", err))
		}
		c, err := newClassifier(lex, &m)
		if err != nil {
			panic(fmt.Sprintf("analysis: %v", err))
		}
		defaultC = c
	})
	return defaultC
}

// NewClassifier builds a classifier from the embedded lexicon and the given
// model (nil: lexicon only). The training tool uses it to measure candidates.
func NewClassifier(m *Model) (*Classifier, error) {
	var lex lexicon
	if err := readJSON("data/lexicon.json", &lex); err != nil {
		return nil, err
	}
	return newClassifier(lex, m)
}

func newClassifier(lex lexicon, m *Model) (*Classifier, error) {
	c := &Classifier{
		catIndex: map[string]int{},
		exact:    map[string][]int{},
		prefix:   map[string][]int{},
		weights:  map[uint64][]catWeight{},
	}
	for _, cat := range Taxonomy() {
		c.catIndex[cat.ID] = len(c.categories)
		c.categories = append(c.categories, cat.ID)
	}
	n := len(c.categories)
	c.threshold = make([]float64, n)
	c.lexOnly = make([]bool, n)
	c.bias = make([]float64, n)
	c.lexWeight = make([]float64, n)
	for i := range c.categories {
		c.threshold[i] = 0.5
		c.lexOnly[i] = true
	}
	names := make([]string, 0, len(lex.Categories))
	for name := range lex.Categories {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		lc := lex.Categories[name]
		ci, ok := c.catIndex[name]
		if !ok {
			return nil, fmt.Errorf("lexicon: unknown category %q", name)
		}
		if lc.Threshold > 0 {
			c.threshold[ci] = lc.Threshold
		}
		for _, group := range []struct {
			phrases []string
			weight  float64
			weak    bool
		}{{lc.Strong, lex.Strong, false}, {lc.Weak, lex.Weak, true}, {lc.Not, lex.Not, false}} {
			for _, p := range group.phrases {
				if err := c.addCue(ci, p, group.weight, group.weak); err != nil {
					return nil, fmt.Errorf("lexicon %s: %w", name, err)
				}
			}
		}
	}
	c.fallback = -1
	if lex.Fallback != "" {
		fi, ok := c.catIndex[lex.Fallback]
		if !ok {
			return nil, fmt.Errorf("lexicon: unknown fallback category %q", lex.Fallback)
		}
		c.fallback = fi
	}
	c.weakCap = lex.WeakCap
	if c.weakCap <= 0 {
		c.weakCap = math.Inf(1)
	}
	for i := range c.bias {
		c.bias[i] = -lex.Offset
		c.lexWeight[i] = 1
	}
	if m != nil {
		for _, name := range m.Categories {
			ci, ok := c.catIndex[name]
			if !ok {
				return nil, fmt.Errorf("model: unknown category %q", name)
			}
			c.lexOnly[ci] = false
			c.bias[ci] = m.Bias[name]
			c.lexWeight[ci] = m.LexWeight[name]
			if t, ok := m.Threshold[name]; ok {
				c.threshold[ci] = t
			}
		}
		for key, ws := range m.Weights {
			h := featureKeyHash(key)
			for name, w := range ws {
				ci, ok := c.catIndex[name]
				if !ok {
					return nil, fmt.Errorf("model: unknown category %q", name)
				}
				c.weights[h] = append(c.weights[h], catWeight{ci, float32(w)})
			}
		}
	}
	c.pool.New = func() any { return new(scratch) }
	return c, nil
}

// featureKeyHash reads a model feature key: "w:stem" or "b:stem stem".
func featureKeyHash(key string) uint64 {
	if rest, ok := strings.CutPrefix(key, "b:"); ok {
		a, b, _ := strings.Cut(rest, " ")
		return textfeat.HashPair(a, b)
	}
	return textfeat.Hash(strings.TrimPrefix(key, "w:"))
}

// addCue parses one phrase: words separated by spaces, a trailing "*" makes
// a word a prefix (a leading one of at least 3 letters), "=1.5" at the end overrides the group weight.
func (c *Classifier) addCue(cat int, phrase string, weight float64, weak bool) error {
	text := phrase
	if i := strings.LastIndex(phrase, "="); i > 0 {
		w, err := strconv.ParseFloat(strings.TrimSpace(phrase[i+1:]), 64)
		if err != nil {
			return fmt.Errorf("cue %q: bad weight", phrase)
		}
		if weight < 0 {
			w = -w
		}
		weight, text = w, strings.TrimSpace(phrase[:i])
	}
	var words []cueWord
	for _, f := range strings.Fields(text) {
		if p, ok := strings.CutSuffix(f, "*"); ok {
			p = strings.ToLower(p)
			if len(words) == 0 && len(p) < 3 {
				return fmt.Errorf("cue %q: leading prefix %q shorter than 3 letters", phrase, p)
			}
			words = append(words, cueWord{stem: p, prefix: true})
			continue
		}
		toks := textfeat.Tokens(f, nil)
		for _, t := range toks {
			words = append(words, cueWord{stem: t.Stem})
		}
	}
	if len(words) == 0 {
		return fmt.Errorf("empty cue %q", phrase)
	}
	idx := len(c.cues)
	c.cues = append(c.cues, cue{category: cat, words: words, weight: weight, text: text, weak: weak})
	if words[0].prefix {
		k := words[0].stem[:3]
		c.prefix[k] = append(c.prefix[k], idx)
	} else {
		c.exact[words[0].stem] = append(c.exact[words[0].stem], idx)
	}
	return nil
}

// scratch holds per-call buffers, pooled so classification allocates little.
type scratch struct {
	toks  []textfeat.Token
	feats []uint64
	lex   []float64
	weak  []float64
	lin   []float64
	hit   []bool // per cue: already counted in this text
	ev    [][2]int
	evCat []int
}

// Categories lists the category ids the classifier can return.
func (c *Classifier) Categories() []string { return append([]string(nil), c.categories...) }

// Classify labels text with zero or more categories, most confident first.
func (c *Classifier) Classify(text string) []Label {
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	probs := c.score(text, s)
	var out []Label
	for ci, p := range probs {
		if p < c.threshold[ci] {
			continue
		}
		out = append(out, Label{Category: c.categories[ci], Confidence: math.Round(p*1000) / 1000, Evidence: c.evidence(text, s, ci)})
	}
	if len(out) == 0 && c.fallback >= 0 {
		// Text that commits to no practice is introduction, contact detail
		// or a practice the taxonomy does not name: say so, with the
		// confidence the fallback category earned on its own.
		out = append(out, Label{Category: c.categories[c.fallback], Confidence: math.Round(max(probs[c.fallback], 0.5)*1000) / 1000,
			Evidence: c.evidence(text, s, c.fallback)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	return out
}

// Scores returns every category's probability for text, in Categories order.
func (c *Classifier) Scores(text string) []float64 {
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	return append([]float64(nil), c.score(text, s)...)
}

// Threshold returns the decision threshold of a category.
func (c *Classifier) Threshold(category string) float64 {
	if i, ok := c.catIndex[category]; ok {
		return c.threshold[i]
	}
	return 1
}

func (c *Classifier) score(text string, s *scratch) []float64 {
	n := len(c.categories)
	s.toks = textfeat.Tokens(text, s.toks)
	s.lex = resize(s.lex, n)
	s.weak = resize(s.weak, n)
	s.lin = resize(s.lin, n)
	if cap(s.hit) < len(c.cues) {
		s.hit = make([]bool, len(c.cues))
	}
	s.hit = s.hit[:len(c.cues)]
	clear(s.hit)
	s.ev, s.evCat = s.ev[:0], s.evCat[:0]
	toks := s.toks
	for i, t := range toks {
		for _, ci := range c.exact[t.Stem] {
			c.match(ci, toks, i, s, text)
		}
		if len(t.Stem) >= 3 {
			for _, ci := range c.prefix[t.Stem[:3]] {
				c.match(ci, toks, i, s, text)
			}
		}
	}
	// Weak cues pile up in long paragraphs; capped, they can add confidence
	// to a strong cue but not stand in for one.
	for ci := range n {
		s.lex[ci] += min(s.weak[ci], c.weakCap)
	}
	if len(c.weights) > 0 {
		s.feats = textfeat.Features(toks, s.feats[:0])
		for _, f := range s.feats {
			for _, cw := range c.weights[f] {
				s.lin[cw.cat] += float64(cw.w)
			}
		}
	}
	for ci := range n {
		z := c.bias[ci] + c.lexWeight[ci]*s.lex[ci] + s.lin[ci]
		s.lin[ci] = 1 / (1 + math.Exp(-z))
	}
	return s.lin
}

// LexiconScores returns the raw lexicon score of every category, the input
// the trained model stacks on.
func (c *Classifier) LexiconScores(text string) []float64 {
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	c.score(text, s)
	return append([]float64(nil), s.lex...)
}

func (c *Classifier) match(ci int, toks []textfeat.Token, i int, s *scratch, text string) {
	if s.hit[ci] {
		return
	}
	cu := &c.cues[ci]
	if i+len(cu.words) > len(toks) {
		return
	}
	for k, w := range cu.words {
		st := toks[i+k].Stem
		if w.prefix {
			if !strings.HasPrefix(st, w.stem) {
				return
			}
		} else if st != w.stem {
			return
		}
	}
	s.hit[ci] = true
	if cu.weak {
		s.weak[cu.category] += cu.weight
	} else {
		s.lex[cu.category] += cu.weight
	}
	if cu.weight > 0 {
		s.ev = append(s.ev, [2]int{toks[i].Start, toks[i+len(cu.words)-1].End})
		s.evCat = append(s.evCat, cu.category)
	}
}

// cueEvidence returns the cue words of one category found in text, strong or
// weak, whether or not they reach the category's threshold.
func (c *Classifier) cueEvidence(text, category string) []string {
	ci, ok := c.catIndex[category]
	if !ok || strings.TrimSpace(text) == "" {
		return nil
	}
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	c.score(text, s)
	return c.evidence(text, s, ci)
}

func (c *Classifier) evidence(text string, s *scratch, ci int) []string {
	var ev []string
	seen := map[string]bool{}
	for k, span := range s.ev {
		if s.evCat[k] != ci {
			continue
		}
		w := text[span[0]:span[1]]
		lw := strings.ToLower(w)
		if !seen[lw] {
			seen[lw] = true
			ev = append(ev, w)
		}
	}
	return ev
}

func resize(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// MarshalModel encodes a model for data/model.json.
func MarshalModel(m *Model) ([]byte, error) { return json.MarshalIndent(m, "", " ") }
