package analysis

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/policybot/policybot/internal/fuzzy"
)

//go:embed data/taxonomy.json data/regulations.json data/taxonomy_mapping.json data/lexicon.json data/model.json
var dataFS embed.FS

// Category is one kind of provision a policy can contain.
type Category struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Definition string `json:"definition"`
	// Regulations are ids into the regulation map.
	Regulations []string `json:"regulations"`
	// Phrase names the provision inside a headline ("now discloses ...").
	Phrase string `json:"phrase"`
	// Phrases name it more precisely when the words that decided an item
	// say more: the first rule whose fragment occurs in the evidence wins.
	Phrases []PhraseRule `json:"phrases,omitempty"`
	// Importance (1-10) orders categories when a headline must pick one.
	Importance int `json:"importance"`
	// Origin says whether the id comes from the labelled-data mapping or was
	// added for alerts; Why justifies an added one.
	Origin string `json:"origin"`
	Why    string `json:"why,omitempty"`
}

// PhraseRule picks a headline phrase by the evidence of an item.
type PhraseRule struct {
	// When lists lower-case fragments; any of them in the evidence applies the rule.
	When   []string `json:"when"`
	Phrase string   `json:"phrase"`
}

// HeadlinePhrase names the category for a headline, as precisely as the
// evidence allows.
func (c Category) HeadlinePhrase(evidence []string) string {
	ev := strings.ToLower(strings.Join(evidence, " "))
	for _, r := range c.Phrases {
		for _, w := range r.When {
			if strings.Contains(ev, w) {
				return r.Phrase
			}
		}
	}
	return c.Phrase
}

// Regulation is one specific article or section of a law.
type Regulation struct {
	ID           string   `json:"id"`
	Cite         string   `json:"cite"`
	Title        string   `json:"title"`
	Law          string   `json:"law"`
	Jurisdiction string   `json:"jurisdiction"`
	Bodies       []string `json:"bodies"`
	URL          string   `json:"url"`
}

// Ref is the short citation of r used in summaries.
func (r Regulation) Ref() RegulationRef {
	return RegulationRef{ID: r.ID, Cite: r.Cite, Title: r.Title, URL: r.URL}
}

type reference struct {
	categories []Category
	byID       map[string]int
	regs       []Regulation
	regByID    map[string]int
}

var (
	refOnce sync.Once
	ref     reference
	refErr  error
)

// loadReference parses the embedded data once; a broken file is a build
// defect caught by the tests, so callers panic on it.
func loadReference() *reference {
	refOnce.Do(func() {
		var tax struct {
			Categories []Category `json:"categories"`
		}
		var regs struct {
			Regulations []Regulation `json:"regulations"`
		}
		if refErr = readJSON("data/taxonomy.json", &tax); refErr != nil {
			return
		}
		if refErr = readJSON("data/regulations.json", &regs); refErr != nil {
			return
		}
		ref.categories = tax.Categories
		ref.byID = make(map[string]int, len(tax.Categories))
		for i, c := range tax.Categories {
			ref.byID[c.ID] = i
		}
		ref.regs = regs.Regulations
		ref.regByID = make(map[string]int, len(regs.Regulations))
		for i, r := range regs.Regulations {
			ref.regByID[r.ID] = i
		}
	})
	if refErr != nil {
		panic(fmt.Sprintf("analysis: embedded reference data: %v", refErr))
	}
	return &ref
}

func readJSON(name string, v any) error {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse %s: %w", name, err)
	}
	return nil
}

// Taxonomy returns every provision category, in taxonomy order.
func Taxonomy() []Category {
	return append([]Category(nil), loadReference().categories...)
}

// CategoryByID returns the category with that id.
func CategoryByID(id string) (Category, bool) {
	r := loadReference()
	i, ok := r.byID[id]
	if !ok {
		return Category{}, false
	}
	return r.categories[i], true
}

// Regulations returns the regulation map.
func Regulations() []Regulation {
	return append([]Regulation(nil), loadReference().regs...)
}

// RegulationByID returns the regulation with that id.
func RegulationByID(id string) (Regulation, bool) {
	r := loadReference()
	i, ok := r.regByID[id]
	if !ok {
		return Regulation{}, false
	}
	return r.regs[i], true
}

// RegulationRefs returns the citations of a category's regulations.
func RegulationRefs(categoryID string) []RegulationRef {
	c, ok := CategoryByID(categoryID)
	if !ok {
		return nil
	}
	refs := make([]RegulationRef, 0, len(c.Regulations))
	for _, id := range c.Regulations {
		if r, ok := RegulationByID(id); ok {
			refs = append(refs, r.Ref())
		}
	}
	return refs
}

// SuggestCategory returns up to n categories whose id or name is closest to
// q, best first, for "did you mean" answers. Words of q found in a category's
// name or definition count as well as spelling distance, so "biometrics" and
// "arbitation" both find their category.
func SuggestCategory(q string, n int) []Category {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || n <= 0 {
		return nil
	}
	qn := strings.NewReplacer("_", " ", "-", " ", "/", " ").Replace(q)
	type scored struct {
		c     Category
		score float64
	}
	var all []scored
	for _, c := range loadReference().categories {
		id := strings.ReplaceAll(c.ID, "_", " ")
		name := strings.ToLower(c.Name)
		s := 1 - float64(fuzzy.Distance(qn, id))/float64(max(len(qn), len(id)))
		s = max(s, 1-float64(fuzzy.Distance(qn, name))/float64(max(len(qn), len(name))))
		if strings.Contains(id, qn) || strings.Contains(name, qn) {
			s = max(s, 0.9)
		}
		// Word by word: the best spelling match of each query word among the
		// category's words.
		// Words of the id and name count fully, words of the definition a
		// little less, so "affiliates" prefers affiliates_scope over a
		// category that merely mentions affiliates.
		titleWords := strings.Fields(id + " " + name)
		defWords := strings.Fields(strings.ToLower(c.Definition))
		var wordScore float64
		qws := strings.Fields(qn)
		for _, qw := range qws {
			wordScore += max(bestWord(qw, titleWords), 0.85*bestWord(qw, defWords))
		}
		if len(qws) > 0 {
			s = max(s, 0.95*wordScore/float64(len(qws)))
		}
		all = append(all, scored{c, s})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score > all[j].score })
	var out []Category
	for _, s := range all {
		if len(out) == n || s.score < 0.5 {
			break
		}
		out = append(out, s.c)
	}
	return out
}

// bestWord is the best spelling match of qw among words, 0..1.
func bestWord(qw string, words []string) float64 {
	best := 0.0
	for _, w := range words {
		w = strings.Trim(w, ".,;:()'\"")
		if len(w) < 3 {
			continue
		}
		d := 1 - float64(fuzzy.Distance(qw, w))/float64(max(len(qw), len(w)))
		if strings.HasPrefix(w, qw) && len(qw) >= 4 {
			d = max(d, 0.85)
		}
		best = max(best, d)
	}
	return best
}
