package analysis

import (
	"math"
	"sort"
	"strings"

	"github.com/policybot/policybot/analysis/internal/textfeat"
)

// Provision is one place where a version states a practice: the index
// behind /provisions and /compare.
type Provision struct {
	Category string `json:"category"`
	Heading  string `json:"heading"`
	// Excerpt is the sentence (or two) of the passage that carry the
	// category; Start and End are its byte offsets in the Markdown.
	Excerpt    string   `json:"excerpt"`
	Start      int      `json:"start"`
	End        int      `json:"end"`
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence"`
}

// maxPerCategory bounds the provisions kept per category: enough to answer
// "does X say Y, and where", few enough to read in a chat thread.
const maxPerCategory = 3

// Provisions indexes a version: each passage is classified, and for every
// category the few most confident passages are kept, each reduced to the
// sentences that carry the category. The fallback category for text that
// commits to nothing is left out.
func (c *Classifier) Provisions(markdown string) []Provision {
	byCat := map[string][]Provision{}
	for _, p := range Segment(markdown) {
		labels := c.provisionLabels(cleanInline(p.Text))
		if len(labels) == 0 {
			continue
		}
		for _, l := range labels {
			ex, start, end := c.excerpt(p, l.Category)
			byCat[l.Category] = append(byCat[l.Category], Provision{Category: l.Category, Heading: p.Heading,
				Excerpt: ex, Start: start, End: end, Confidence: l.Confidence, Evidence: l.Evidence})
		}
	}
	var out []Provision
	for _, cat := range c.categories {
		ps := byCat[cat]
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Confidence > ps[j].Confidence })
		if len(ps) > maxPerCategory {
			ps = ps[:maxPerCategory]
		}
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Start < ps[j].Start })
		out = append(out, ps...)
	}
	return out
}

// excerpt picks the sentences of a passage with the category's cues: the
// best one and, if it has cues too, the next. It falls back to the first
// sentence.
func (c *Classifier) excerpt(p Passage, category string) (string, int, int) {
	text := lineBreaks.Replace(p.Text)
	spans, row := Sentences(text), false
	if strings.HasPrefix(strings.TrimSpace(text), "|") {
		// A table row is several statements side by side ("what data |
		// why | legal basis"): the excerpt is the cell sentence that says
		// it, not the whole row.
		spans, row = cellSentences(text), true
	}
	if len(spans) == 0 {
		return cleanInline(p.Text), p.Start, p.End
	}
	best, bestN := 0, -1
	counts := make([]int, len(spans))
	for i, sp := range spans {
		counts[i] = len(c.cueEvidence(cleanInline(text[sp.Start:sp.End]), category))
		if counts[i] > bestN {
			best, bestN = i, counts[i]
		}
	}
	if row && bestN == 0 {
		// No cell names the practice by itself: take the cell the model
		// finds most about it, not the first (which lists data types).
		if ci, ok := c.catIndex[category]; ok {
			bestP := -1.0
			for i, sp := range spans {
				if p := c.Scores(cleanInline(text[sp.Start:sp.End]))[ci]; p > bestP {
					best, bestP = i, p
				}
			}
		}
	}
	from, to := spans[best].Start, spans[best].End
	if !row && best+1 < len(spans) && counts[best+1] > 0 {
		to = spans[best+1].End
	}
	// lineBreaks only shortens "<br>" runs; map offsets back when it did.
	if len(text) != len(p.Text) {
		return cleanInline(text[from:to]), p.Start, p.End
	}
	return cleanInline(text[from:to]), p.Start + from, p.Start + to
}

// cellSentences splits a Markdown table row into its cells' sentences.
func cellSentences(text string) []Span {
	var out []Span
	start := 0
	for i := 0; i <= len(text); i++ {
		if i < len(text) && text[i] != '|' {
			continue
		}
		for _, sp := range Sentences(text[start:i]) {
			out = append(out, Span{Start: start + sp.Start, End: start + sp.End})
		}
		start = i + 1
	}
	return out
}

// Comparison says which platforms state a provision and how.
type Comparison struct {
	Category string `json:"category"`
	// Have maps each platform that states the provision to its most
	// representative excerpt.
	Have map[string]Provision `json:"have"`
	// Platforms are the platforms that have it, most typical first: their
	// excerpt shares most words with the others'.
	Platforms []string `json:"platforms"`
	// Missing are the platforms with no provision in the category.
	Missing []string `json:"missing"`
}

// Compare lines up one category across platforms. For each platform that
// has the provision it keeps the excerpt closest to what the other
// platforms say (the most representative), ties broken by confidence, or
// its most confident one when no other platform has the provision;
// platforms with none are listed as missing.
func Compare(category string, byPlatform map[string][]Provision) Comparison {
	cmp := Comparison{Category: category, Have: map[string]Provision{}, Platforms: []string{}, Missing: []string{}}
	cands := map[string][]Provision{}
	for platform, ps := range byPlatform {
		for _, p := range ps {
			if p.Category == category {
				cands[platform] = append(cands[platform], p)
			}
		}
		if len(cands[platform]) == 0 {
			cmp.Missing = append(cmp.Missing, platform)
		}
	}
	sort.Strings(cmp.Missing)
	// The centroid of every candidate's words stands for "what platforms
	// usually say" about the category.
	centroid := map[string]float64{}
	bags := map[string][]map[string]bool{}
	for platform, ps := range cands {
		for _, p := range ps {
			bag := wordBag(p.Excerpt)
			bags[platform] = append(bags[platform], bag)
			for w := range bag {
				centroid[w] += 1
			}
		}
	}
	typicality := map[string]float64{}
	for platform, ps := range cands {
		// "What the others say" leaves this platform's own words out: a long
		// excerpt would otherwise look typical because it fills the centroid.
		others := make(map[string]float64, len(centroid))
		for w, n := range centroid {
			others[w] = n
		}
		for _, bag := range bags[platform] {
			for w := range bag {
				others[w]--
			}
		}
		bestI, bestS := 0, -1.0
		for i, p := range ps {
			// Alone, a platform's excerpt is its most confident, shortest first.
			s := p.Confidence - float64(len(p.Excerpt))/1e6
			if len(cands) > 1 {
				s = similarity(bags[platform][i], others) + 0.1*p.Confidence
			}
			if s > bestS {
				bestI, bestS = i, s
			}
		}
		cmp.Have[platform] = ps[bestI]
		typicality[platform] = bestS
		cmp.Platforms = append(cmp.Platforms, platform)
	}
	sort.Slice(cmp.Platforms, func(i, j int) bool {
		a, b := cmp.Platforms[i], cmp.Platforms[j]
		if typicality[a] != typicality[b] {
			return typicality[a] > typicality[b]
		}
		return a < b
	})
	return cmp
}

var stopWords = set("the", "and", "or", "of", "to", "a", "an", "in", "for", "on", "with", "by", "we", "you", "your", "our",
	"us", "is", "are", "be", "may", "that", "this", "as", "at", "it", "its", "from", "such", "any", "other", "which")

func wordBag(s string) map[string]bool {
	bag := map[string]bool{}
	for _, t := range textfeat.Tokens(strings.ToLower(s), nil) {
		if !stopWords[t.Stem] && len(t.Stem) > 2 {
			bag[t.Stem] = true
		}
	}
	return bag
}

// similarity is the cosine between a word set and the centroid counts.
func similarity(bag map[string]bool, centroid map[string]float64) float64 {
	if len(bag) == 0 {
		return 0
	}
	var dot, norm float64
	for _, v := range centroid {
		norm += v * v
	}
	for w := range bag {
		dot += centroid[w]
	}
	if norm == 0 {
		return 0
	}
	return dot / (sqrt(float64(len(bag))) * sqrt(norm))
}

func sqrt(x float64) float64 { return math.Sqrt(x) }
