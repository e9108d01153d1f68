package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/policybot/policybot/analysis"
)

// example is one labelled text as the model reads it.
type example struct {
	rec    analysis.Record
	org    int     // organisation index: the unit of cross-validation and of document frequency
	feats  []int32 // vocabulary ids of the text's feature keys
	lex    []float64
	gold   map[string]bool
	weight float64
}

// corpus holds every example with a shared vocabulary.
type corpus struct {
	examples []*example
	vocab    map[string]int32
	keys     []string
	orgs     []string
	orgIndex map[string]int
	// orgsOf[f] is the set of organisations whose texts hold feature f.
	orgsOf []orgSet
}

// orgSet is a small bitset of organisation indexes.
type orgSet []uint64

func (s orgSet) add(i int) orgSet {
	for len(s) <= i/64 {
		s = append(s, 0)
	}
	s[i/64] |= 1 << (i % 64)
	return s
}

// countExcept counts members not in the excluded set.
func (s orgSet) countExcept(ex map[int]bool) int {
	n := 0
	for w, bits := range s {
		for bits != 0 {
			b := bits & -bits
			i := w*64 + trailingZeros(b)
			if !ex[i] {
				n++
			}
			bits ^= b
		}
	}
	return n
}

func trailingZeros(x uint64) int {
	n := 0
	for x&1 == 0 {
		x >>= 1
		n++
	}
	return n
}

// orgKey is the organisation a document belongs to, as the labels README
// splits them: lower-cased, non-alphanumerics removed, a few aliases. A
// CLAUDETTE ToS and the same company's ToS;DR quotes share a key.
func orgKey(doc string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(doc) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	k := b.String()
	if i := strings.IndexFunc(k, func(r rune) bool { return r < '0' || r > '9' }); i > 0 && strings.Contains(doc, "_") {
		k = k[i:] // OPP-115 ids: "1028_redorbit.com"
	}
	switch k {
	case "worldofwarcraft":
		return "blizzard"
	case "googlepayments":
		return "google"
	case "skype":
		return "microsoft"
	}
	return k
}

func loadRecords(dir, name string) ([]analysis.Record, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := analysis.ReadRecords(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return recs, nil
}

// build reads every record through the classifier's model inputs.
func build(c *analysis.Classifier, mapping *analysis.LabelMapping, recs []analysis.Record, weightOf func(analysis.Record) float64) *corpus {
	cp := &corpus{vocab: map[string]int32{}, orgIndex: map[string]int{}}
	for _, r := range recs {
		k := orgKey(r.Doc)
		oi, ok := cp.orgIndex[k]
		if !ok {
			oi = len(cp.orgs)
			cp.orgIndex[k] = oi
			cp.orgs = append(cp.orgs, k)
		}
		keys, lex := c.ModelInputs(r.Text)
		e := &example{rec: r, org: oi, lex: lex, gold: map[string]bool{}, weight: weightOf(r)}
		for _, g := range mapping.Gold(r) {
			e.gold[g] = true
		}
		for _, key := range keys {
			id, ok := cp.vocab[key]
			if !ok {
				id = int32(len(cp.keys))
				cp.vocab[key] = id
				cp.keys = append(cp.keys, key)
				cp.orgsOf = append(cp.orgsOf, nil)
			}
			cp.orgsOf[id] = cp.orgsOf[id].add(oi)
			e.feats = append(e.feats, id)
		}
		cp.examples = append(cp.examples, e)
	}
	return cp
}
