package analysis

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Record is one labelled segment in the shared labels format (one JSON
// object per line): OPP-115 paragraphs, CLAUDETTE sentences, ToS;DR quotes.
type Record struct {
	Source string   `json:"source"`
	Doc    string   `json:"doc"`
	Text   string   `json:"text"`
	Labels []string `json:"labels"`
	Attrs  []string `json:"attrs,omitempty"`
}

// ReadRecords reads labels-format JSON lines.
func ReadRecords(r io.Reader) ([]Record, error) {
	var out []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if rec.Source == "" {
			return nil, fmt.Errorf("line %d: no source", line)
		}
		out = append(out, rec)
	}
	return out, sc.Err()
}

// LabelMapping maps each source's gold labels onto product categories; it is
// data/taxonomy_mapping.json.
type LabelMapping struct {
	OPP115 struct {
		CategoryMap    map[string][]string `json:"category_map"`
		AttributeRules []struct {
			Category  string   `json:"category"`
			Attribute string   `json:"attribute"`
			Value     string   `json:"value"`
			IDs       []string `json:"ids"`
		} `json:"attribute_rules"`
	} `json:"opp115"`
	Claudette map[string][]string `json:"claudette"`
	ToSDR     map[string][]string `json:"tosdr"`
}

// Mapping returns the embedded label mapping.
func Mapping() (*LabelMapping, error) {
	var m LabelMapping
	if err := readJSON("data/taxonomy_mapping.json", &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Gold returns the product categories a record's gold labels map to.
func (m *LabelMapping) Gold(r Record) []string {
	set := map[string]bool{}
	switch r.Source {
	case "opp115":
		for _, l := range r.Labels {
			for _, id := range m.OPP115.CategoryMap[l] {
				set[id] = true
			}
		}
		for _, a := range r.Attrs {
			cat, rest, ok := strings.Cut(a, ":")
			if !ok {
				continue
			}
			attr, val, ok := strings.Cut(rest, "=")
			if !ok {
				continue
			}
			for _, rule := range m.OPP115.AttributeRules {
				if (rule.Category == "*" || rule.Category == cat) && rule.Attribute == attr && rule.Value == val {
					for _, id := range rule.IDs {
						set[id] = true
					}
				}
			}
		}
	case "claudette":
		for _, l := range r.Labels {
			for _, id := range m.Claudette[l] {
				set[id] = true
			}
		}
	case "tosdr":
		for _, l := range r.Labels {
			for _, id := range m.ToSDR[l] {
				set[id] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Space is the set of categories a source can label at all: predictions
// outside it are neither right nor wrong for that source.
func (m *LabelMapping) Space(source string) map[string]bool {
	set := map[string]bool{}
	add := func(mm map[string][]string) {
		for _, ids := range mm {
			for _, id := range ids {
				set[id] = true
			}
		}
	}
	switch source {
	case "opp115":
		add(m.OPP115.CategoryMap)
		for _, r := range m.OPP115.AttributeRules {
			for _, id := range r.IDs {
				set[id] = true
			}
		}
	case "claudette":
		add(m.Claudette)
	case "tosdr":
		add(m.ToSDR)
	}
	return set
}

// CategoryScore counts one category's outcomes in one source.
type CategoryScore struct {
	Category       string
	TP, FP, FN     int
	Support        int
	Precision, Rec float64
	F1             float64
}

// SourceScore is the evaluation of one source.
type SourceScore struct {
	Source string
	// PositiveOnly sources (ToS;DR) have no real negatives: only recall means anything.
	PositiveOnly bool
	Records      int
	Categories   []CategoryScore
	MacroF1      float64
	MicroF1      float64
	Recall       float64 // micro recall, the figure for positive-only sources
}

// Evaluate scores predictions against gold labels per source. predict
// returns the predicted categories of a record's text.
func Evaluate(records []Record, m *LabelMapping, predict func(text string) []string) []SourceScore {
	preds := make([][]string, len(records))
	for i, r := range records {
		preds[i] = predict(r.Text)
	}
	return Score(records, m, preds)
}

// Score scores given predictions (predicted[i] for records[i]) against gold
// labels per source; cross-validation uses it with out-of-fold predictions.
func Score(records []Record, m *LabelMapping, predicted [][]string) []SourceScore {
	bySource := map[string][]int{}
	var order []string
	for i, r := range records {
		if _, ok := bySource[r.Source]; !ok {
			order = append(order, r.Source)
		}
		bySource[r.Source] = append(bySource[r.Source], i)
	}
	sort.Slice(order, func(i, j int) bool { return sourceRank(order[i]) < sourceRank(order[j]) })
	var out []SourceScore
	for _, src := range order {
		idx := bySource[src]
		space := m.Space(src)
		counts := map[string]*CategoryScore{}
		get := func(id string) *CategoryScore {
			if counts[id] == nil {
				counts[id] = &CategoryScore{Category: id}
			}
			return counts[id]
		}
		for id := range space {
			get(id)
		}
		for _, i := range idx {
			gold := map[string]bool{}
			for _, id := range m.Gold(records[i]) {
				gold[id] = true
			}
			pred := map[string]bool{}
			for _, id := range predicted[i] {
				if space[id] {
					pred[id] = true
				}
			}
			for id := range gold {
				cs := get(id)
				cs.Support++
				if pred[id] {
					cs.TP++
				} else {
					cs.FN++
				}
			}
			for id := range pred {
				if !gold[id] {
					get(id).FP++
				}
			}
		}
		ss := SourceScore{Source: src, PositiveOnly: src == "tosdr", Records: len(idx)}
		var tp, fp, fn, n int
		for _, cs := range counts {
			cs.Precision = ratio(cs.TP, cs.TP+cs.FP)
			cs.Rec = ratio(cs.TP, cs.TP+cs.FN)
			cs.F1 = ratio(2*cs.TP, 2*cs.TP+cs.FP+cs.FN)
			if cs.Support == 0 {
				continue
			}
			ss.Categories = append(ss.Categories, *cs)
			ss.MacroF1 += cs.F1
			n++
			tp += cs.TP
			fp += cs.FP
			fn += cs.FN
		}
		if n > 0 {
			ss.MacroF1 /= float64(n)
		}
		ss.MicroF1 = ratio(2*tp, 2*tp+fp+fn)
		ss.Recall = ratio(tp, tp+fn)
		sort.Slice(ss.Categories, func(i, j int) bool {
			a, b := ss.Categories[i], ss.Categories[j]
			if a.Support != b.Support {
				return a.Support > b.Support
			}
			return a.Category < b.Category
		})
		out = append(out, ss)
	}
	return out
}

func sourceRank(s string) int {
	switch s {
	case "opp115":
		return 0
	case "claudette":
		return 1
	case "tosdr":
		return 2
	}
	return 3
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// WriteReport prints per-category tables per source, then one summary line
// per source: "opp115 macro-F1 X micro-F1 Y", "claudette macro-F1 X
// micro-F1 Y", "tosdr recall X".
func WriteReport(w io.Writer, scores []SourceScore) error {
	var b strings.Builder
	for _, ss := range scores {
		if ss.PositiveOnly {
			fmt.Fprintf(&b, "%s: %d records (positive-only labels: recall is the measure)\n", ss.Source, ss.Records)
			fmt.Fprintf(&b, "  %-28s %7s %7s\n", "category", "recall", "support")
			for _, cs := range ss.Categories {
				fmt.Fprintf(&b, "  %-28s %7.3f %7d\n", cs.Category, cs.Rec, cs.Support)
			}
		} else {
			fmt.Fprintf(&b, "%s: %d records\n", ss.Source, ss.Records)
			fmt.Fprintf(&b, "  %-28s %7s %7s %7s %7s\n", "category", "prec", "recall", "F1", "support")
			for _, cs := range ss.Categories {
				fmt.Fprintf(&b, "  %-28s %7.3f %7.3f %7.3f %7d\n", cs.Category, cs.Precision, cs.Rec, cs.F1, cs.Support)
			}
		}
		b.WriteString("\n")
	}
	for _, ss := range scores {
		if ss.PositiveOnly {
			fmt.Fprintf(&b, "%s recall %.3f\n", ss.Source, ss.Recall)
		} else {
			fmt.Fprintf(&b, "%s macro-F1 %.3f micro-F1 %.3f\n", ss.Source, ss.MacroF1, ss.MicroF1)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
