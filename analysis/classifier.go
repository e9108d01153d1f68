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

// Classifier labels policy text with provision categories. It reads the text
// twice: with a hand-written cue grammar (data/lexicon.json: phrase patterns
// a reader would underline, weighted strong or weak), and, for the
// categories that openly licensed data covers, with a logistic regression
// (data/model.json) over the cues found, the lexicon scores and hashed
// words and word pairs, trained on CLAUDETTE and ToS;DR. A category is
// reported when its probability reaches its threshold.
//
// A Classifier is safe for concurrent use.
type Classifier struct {
	categories []string
	catIndex   map[string]int
	exact      map[string][]int // stem a cue can start with -> cue indexes
	prefix     map[string][]int // first 3 bytes of a prefix a cue can start with -> cue indexes
	cues       []cue
	cueKeys    map[string]bool // parsed cues, to refuse a repeated one
	threshold  []float64       // per category, on the probability
	lexOnly    []bool          // categories with no trained model: probability from the lexicon alone
	offset     float64         // lexicon-only probability = sigmoid(score - offset)
	bias       []float64
	lexWeight  [][]float64 // [category][lexicon category]: weight of that lexicon score
	weakCap    float64
	fallback   int // category given to text nothing else claims; -1 none
	weights    map[uint64][]catWeight
	// wordFeatures says whether the model weighs words and word pairs; when
	// it reads only cues, hashing every word would be wasted.
	wordFeatures bool
	pool         sync.Pool
}

// cue is one phrase pattern of the lexicon: a sequence of slots, each a set
// of alternatives (a word, a prefix, or words joined by "_"), with bounded
// gaps between them ("we may|can ~3 terminat*|suspend*|take_down your|any
// account*").
type cue struct {
	category int
	weak     bool
	slots    []slot
	weight   float64
	text     string
	feature  uint64 // model feature "c:category:text"
}

type slot struct {
	alts [][]cueWord // each alternative is one or more words in a row
	gap  int         // tokens that may come before this slot's words
}

// cueWord is one word of a cue: a stem, matched against the stems of the
// text, or a prefix, matched against its words as written.
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
	Note       string             `json:"note"`
	Categories []string           `json:"categories"`
	Bias       map[string]float64 `json:"bias"`
	Threshold  map[string]float64 `json:"threshold"`
	// Weights maps a feature to its weight per category. Features are
	// "w:stem" (a word), "b:stem stem" (two words in a row), "c:category:cue"
	// (a lexicon cue was found) and "l:category" (that category's lexicon
	// score, a number rather than a presence).
	Weights map[string]map[string]float64 `json:"weights"`
}

var (
	defaultOnce sync.Once
	defaultC    *Classifier
)

// Default returns the classifier built from the embedded lexicon and model,
// loaded once.
func Default() *Classifier {
	defaultOnce.Do(func() {
		var m Model
		if err := readJSON("data/model.json", &m); err != nil {
			panic(fmt.Sprintf("analysis: %v", err))
		}
		c, err := NewClassifier(nil, &m)
		if err != nil {
			panic(fmt.Sprintf("analysis: %v", err))
		}
		defaultC = c
	})
	return defaultC
}

// NewClassifier builds a classifier from a lexicon (nil: the embedded one)
// and a model (nil: lexicon only). The training tool uses it to measure
// candidates before they are embedded.
func NewClassifier(lexiconJSON []byte, m *Model) (*Classifier, error) {
	var lex lexicon
	if lexiconJSON == nil {
		if err := readJSON("data/lexicon.json", &lex); err != nil {
			return nil, err
		}
	} else if err := json.Unmarshal(lexiconJSON, &lex); err != nil {
		return nil, fmt.Errorf("lexicon: %w", err)
	}
	return newClassifier(lex, m)
}

func newClassifier(lex lexicon, m *Model) (*Classifier, error) {
	c := &Classifier{
		catIndex: map[string]int{},
		exact:    map[string][]int{},
		prefix:   map[string][]int{},
		weights:  map[uint64][]catWeight{},
		cueKeys:  map[string]bool{},
		offset:   lex.Offset,
	}
	for _, cat := range Taxonomy() {
		c.catIndex[cat.ID] = len(c.categories)
		c.categories = append(c.categories, cat.ID)
	}
	n := len(c.categories)
	c.threshold = make([]float64, n)
	c.lexOnly = make([]bool, n)
	c.bias = make([]float64, n)
	c.lexWeight = make([][]float64, n)
	for i := range c.categories {
		c.threshold[i] = 0.5
		c.lexOnly[i] = true
		c.lexWeight[i] = make([]float64, n)
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
	if m != nil {
		for _, name := range m.Categories {
			ci, ok := c.catIndex[name]
			if !ok {
				return nil, fmt.Errorf("model: unknown category %q", name)
			}
			c.lexOnly[ci] = false
			c.bias[ci] = m.Bias[name]
			if t, ok := m.Threshold[name]; ok {
				c.threshold[ci] = t
			}
		}
		for key, ws := range m.Weights {
			if lexCat, ok := strings.CutPrefix(key, "l:"); ok {
				li, ok := c.catIndex[lexCat]
				if !ok {
					return nil, fmt.Errorf("model: unknown category in %q", key)
				}
				for name, w := range ws {
					ci, ok := c.catIndex[name]
					if !ok {
						return nil, fmt.Errorf("model: unknown category %q", name)
					}
					c.lexWeight[ci][li] = w
				}
				continue
			}
			if strings.HasPrefix(key, "w:") || strings.HasPrefix(key, "b:") {
				c.wordFeatures = true
			}
			h := FeatureHash(key)
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

// FeatureHash is the hash the classifier looks a model feature up by: "w:stem",
// "b:stem stem" or "c:category:cue".
func FeatureHash(key string) uint64 {
	if rest, ok := strings.CutPrefix(key, "b:"); ok {
		a, b, _ := strings.Cut(rest, " ")
		return textfeat.HashPair(a, b)
	}
	if rest, ok := strings.CutPrefix(key, "w:"); ok {
		return textfeat.Hash(rest)
	}
	// Cue keys keep their prefix: a stem never holds a colon, so they cannot
	// meet a word's hash.
	return textfeat.Hash(key)
}

// addCue parses one pattern: slots separated by spaces; a slot is one word
// or alternatives joined by "|"; a trailing "*" makes a word a prefix (a
// leading one needs at least 3 letters); "~N" lets up to N other words come
// before the next slot; "=1.5" at the end overrides the group weight.
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
	var slots []slot
	gap := 0
	for _, f := range strings.Fields(text) {
		if g, ok := strings.CutPrefix(f, "~"); ok {
			n, err := strconv.Atoi(g)
			if err != nil || n < 1 || n > 12 || len(slots) == 0 {
				return fmt.Errorf("cue %q: gap %q must be ~1..~12 between two words", phrase, f)
			}
			gap = n
			continue
		}
		var alts [][]cueWord
		for _, a := range strings.Split(f, "|") {
			var seq []cueWord
			for _, w := range strings.Split(a, "_") {
				if p, ok := strings.CutSuffix(w, "*"); ok {
					// A prefix is matched on words as written, not on
					// stems: stemming "setting" to "set" would let
					// "setting*" meet "settle", and "cookies" stems to
					// "cooky". Only a final "e" goes, as the stemmer's
					// does, so that "agree*" meets "agreeing".
					p = strings.ToLower(p)
					if len(p) > 4 && p[len(p)-1] == 'e' {
						p = p[:len(p)-1]
					}
					if len(slots) == 0 && len(seq) == 0 && len(p) < 3 {
						return fmt.Errorf("cue %q: leading prefix %q shorter than 3 letters", phrase, p)
					}
					seq = append(seq, cueWord{stem: p, prefix: true})
					continue
				}
				// "e-mail" reads as two words, and so it must be matched.
				for _, t := range textfeat.Tokens(w, nil) {
					seq = append(seq, cueWord{stem: t.Stem})
				}
			}
			if len(seq) == 0 {
				return fmt.Errorf("cue %q: empty alternative in %q", phrase, f)
			}
			alts = append(alts, seq)
		}
		slots = append(slots, slot{alts: alts, gap: gap})
		gap = 0
	}
	if len(slots) == 0 {
		return fmt.Errorf("empty cue %q", phrase)
	}
	if gap > 0 {
		return fmt.Errorf("cue %q ends with a gap", phrase)
	}
	key := cueKey(cat, slots)
	if c.cueKeys[key] {
		// "opt-out" and "opt out" read the same: counted twice, one
		// phrase would weigh double.
		return fmt.Errorf("cue %q repeats another cue of the category", phrase)
	}
	c.cueKeys[key] = true
	idx := len(c.cues)
	c.cues = append(c.cues, cue{category: cat, slots: slots, weight: weight, text: text, weak: weak,
		feature: FeatureHash("c:" + c.categories[cat] + ":" + text)})
	seen := map[string]bool{}
	for _, seq := range slots[0].alts {
		a := seq[0]
		k, key := a.stem, a.stem
		if a.prefix {
			k, key = a.stem[:3], "*"+a.stem[:3]
		}
		if seen[key] {
			continue // "remov*|removal*": one entry is enough
		}
		seen[key] = true
		if a.prefix {
			c.prefix[k] = append(c.prefix[k], idx)
		} else {
			c.exact[k] = append(c.exact[k], idx)
		}
	}
	return nil
}

// cueKey names what a cue matches: "opt-out" (one slot of two words) and
// "opt out" (two slots) are the same cue.
func cueKey(cat int, slots []slot) string {
	var b strings.Builder
	fmt.Fprint(&b, cat)
	for _, sl := range slots {
		if len(sl.alts) == 1 {
			for k, w := range sl.alts[0] {
				gap := 0
				if k == 0 {
					gap = sl.gap
				}
				fmt.Fprint(&b, " ", gap, w)
			}
			continue
		}
		fmt.Fprint(&b, " ", sl.gap, sl.alts)
	}
	return b.String()
}

// scratch holds per-call buffers, pooled so classification allocates little.
type scratch struct {
	toks  []textfeat.Token
	feats []uint64
	lex   []float64
	weak  []float64
	lin   []float64
	stops []int32 // stops[i]: sentence stops before token i, counted from the start
	hit   []bool  // per cue: already counted in this text
	hits  []int   // cues found, in order
	ev    [][2]int
	evCat []int
}

// Categories lists the category ids the classifier can return.
func (c *Classifier) Categories() []string { return append([]string(nil), c.categories...) }

// Classify labels text with zero or more categories, most confident first.
func (c *Classifier) Classify(text string) []Label {
	ls, _ := c.classify(text, false, false)
	return ls
}

// alertThreshold is the bar a trained category must clear in a changed
// sentence. The trained thresholds are set for labelling every sentence of a
// document the way CLAUDETTE's annotators did, who tag the one sentence that
// sets up, say, arbitration and not the sentences that mention it again;
// an alert must not miss that a clause appeared, so it asks less.
const alertThreshold = 0.5

// classify returns the labels of text and, when asked, every category's
// probability.
func (c *Classifier) classify(text string, alert, withProbs bool) ([]Label, []float64) {
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	probs := c.score(text, s)
	var out []Label
	for ci, p := range probs {
		t := c.threshold[ci]
		if alert && !c.lexOnly[ci] {
			t = min(t, alertThreshold)
		}
		if p < t {
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
	if !withProbs {
		return out, nil
	}
	return out, append([]float64(nil), probs...)
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

// lexicon reads the cues of text into s: per-category lexicon scores in
// s.lex, the cues found in s.hits and their spans in s.ev.
func (c *Classifier) lexicon(text string, s *scratch) {
	n := len(c.categories)
	s.toks = textfeat.Tokens(text, s.toks)
	s.stops = stops(text, s.toks, s.stops)
	s.lex = resize(s.lex, n)
	s.weak = resize(s.weak, n)
	if cap(s.hit) < len(c.cues) {
		s.hit = make([]bool, len(c.cues))
	}
	s.hit = s.hit[:len(c.cues)]
	clear(s.hit)
	s.hits = s.hits[:0]
	s.ev, s.evCat = s.ev[:0], s.evCat[:0]
	toks := s.toks
	for i, t := range toks {
		for _, ci := range c.exact[t.Stem] {
			c.match(ci, toks, i, s)
		}
		if len(t.Word) >= 3 {
			for _, ci := range c.prefix[t.Word[:3]] {
				c.match(ci, toks, i, s)
			}
		}
	}
	// Weak cues pile up in long paragraphs; capped, they can add confidence
	// to a strong cue but not stand in for one.
	for ci := range n {
		s.lex[ci] += min(s.weak[ci], c.weakCap)
	}
}

func (c *Classifier) score(text string, s *scratch) []float64 {
	n := len(c.categories)
	c.lexicon(text, s)
	s.lin = resize(s.lin, n)
	if len(c.weights) > 0 {
		s.feats = s.feats[:0]
		if c.wordFeatures {
			s.feats = textfeat.Features(s.toks, s.feats)
		}
		for _, ci := range s.hits {
			s.feats = append(s.feats, c.cues[ci].feature)
		}
		for _, f := range s.feats {
			for _, cw := range c.weights[f] {
				s.lin[cw.cat] += float64(cw.w)
			}
		}
	}
	for ci := range n {
		z := s.lex[ci] - c.offset
		if !c.lexOnly[ci] {
			z = c.bias[ci] + s.lin[ci]
			for li, w := range c.lexWeight[ci] {
				if w != 0 {
					z += w * s.lex[li]
				}
			}
		}
		s.lin[ci] = 1 / (1 + math.Exp(-z))
	}
	return s.lin
}

// ModelInputs returns what the trained model reads in text: its feature
// keys (words, word pairs, cues found) and every category's lexicon score.
// The training tool fits weights on exactly these.
func (c *Classifier) ModelInputs(text string) (keys []string, lexicon []float64) {
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	c.lexicon(text, s)
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for i, t := range s.toks {
		add("w:" + t.Stem)
		if i > 0 {
			add("b:" + s.toks[i-1].Stem + " " + t.Stem)
		}
	}
	for _, ci := range s.hits {
		add("c:" + c.categories[c.cues[ci].category] + ":" + c.cues[ci].text)
	}
	return keys, append([]float64(nil), s.lex...)
}

// LexiconScores returns the raw lexicon score of every category.
func (c *Classifier) LexiconScores(text string) []float64 {
	s := c.pool.Get().(*scratch)
	defer c.pool.Put(s)
	c.lexicon(text, s)
	return append([]float64(nil), s.lex...)
}

func (c *Classifier) match(ci int, toks []textfeat.Token, i int, s *scratch) {
	if s.hit[ci] {
		return
	}
	cu := &c.cues[ci]
	end := matchSlots(cu.slots, toks, s.stops, i, true)
	if end < 0 {
		return
	}
	s.hit[ci] = true
	s.hits = append(s.hits, ci)
	if cu.weak {
		s.weak[cu.category] += cu.weight
	} else {
		s.lex[cu.category] += cu.weight
	}
	if cu.weight > 0 {
		s.ev = append(s.ev, [2]int{toks[i].Start, toks[end].End})
		s.evCat = append(s.evCat, cu.category)
	}
}

// matchSlots matches slots from token i (the first slot exactly there when
// anchored) and returns the index of the last token matched, or -1. Gaps
// take the fewest words that let the rest match. A cue never runs across
// the end of a sentence: "we may … " in one sentence and "terminate" in the
// next say nothing together.
func matchSlots(slots []slot, toks []textfeat.Token, stops []int32, i int, anchored bool) int {
	sl := slots[0]
	reach := 0
	if !anchored {
		reach = sl.gap
	}
	for k := i; k <= i+reach && k < len(toks); k++ {
		if !anchored && stops[k] != stops[i-1] {
			break
		}
		for _, seq := range sl.alts {
			if !matchSeq(seq, toks, k) {
				continue
			}
			last := k + len(seq) - 1
			if stops[last] != stops[k] {
				continue
			}
			if len(slots) == 1 {
				return last
			}
			if end := matchSlots(slots[1:], toks, stops, last+1, false); end >= 0 {
				return end
			}
		}
	}
	return -1
}

// stops counts, for every token, the sentence ends before it: a full stop,
// question or exclamation mark followed by a space, a semicolon or an
// ellipsis between two words. ("e.g. " counts too, which only shortens a
// cue's reach.)
func stops(text string, toks []textfeat.Token, buf []int32) []int32 {
	buf = buf[:0]
	n := int32(0)
	prev := 0
	for _, t := range toks {
		gap := text[prev:t.Start]
		for k, r := range gap {
			end := r == ';' || r == '…'
			if r == '.' || r == '!' || r == '?' {
				// "www.example.com" and "3.5" go on; ". " ends.
				end = k+1 < len(gap) && (gap[k+1] == ' ' || gap[k+1] == '\n' || gap[k+1] == '\t')
			}
			if end {
				n++
				break
			}
		}
		buf = append(buf, n)
		prev = t.End
	}
	return buf
}

func matchSeq(seq []cueWord, toks []textfeat.Token, k int) bool {
	if k+len(seq) > len(toks) {
		return false
	}
	for n, w := range seq {
		t := &toks[k+n]
		if w.prefix {
			if !strings.HasPrefix(t.Word, w.stem) {
				return false
			}
		} else if t.Stem != w.stem {
			return false
		}
	}
	return true
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
	c.lexicon(text, s)
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
	if len(ev) == 0 && !c.lexOnly[ci] {
		ev = c.modelEvidence(text, s.toks, ci)
	}
	return ev
}

// modelEvidence names the words that pushed the trained model hardest
// towards a category when no cue of it was found: at most three words or
// word pairs, strongest first.
func (c *Classifier) modelEvidence(text string, toks []textfeat.Token, ci int) []string {
	type pick struct {
		w          float32
		start, end int
	}
	var best [3]pick
	consider := func(h uint64, start, end int) {
		for _, cw := range c.weights[h] {
			if cw.cat != ci || cw.w <= best[2].w {
				continue
			}
			p := pick{cw.w, start, end}
			for k := range best {
				if p.w > best[k].w {
					best[k], p = p, best[k]
				}
			}
		}
	}
	for i, t := range toks {
		consider(textfeat.Hash(t.Stem), t.Start, t.End)
		if i > 0 {
			consider(textfeat.HashPair(toks[i-1].Stem, t.Stem), toks[i-1].Start, t.End)
		}
	}
	var ev []string
	for _, p := range best {
		if p.w > 0 {
			ev = append(ev, text[p.start:p.end])
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
