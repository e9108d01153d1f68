package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/policybot/policybot/analysis"
)

// runEval measures the shipped classifier on labelled files: per-category
// precision, recall, F1 and support per source, then one summary line per
// source. It needs no configuration or store.
func runEval(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("eval")
	errorsOf := fs.String("errors", "", "also print up to -n misses and false alarms of this category")
	limit := fs.Int("n", 10, "how many misses and false alarms -errors prints")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"name at least one labels file (JSON lines)"}
	}
	if *errorsOf != "" {
		if _, ok := analysis.CategoryByID(*errorsOf); !ok {
			return usageError{fmt.Sprintf("unknown category %q", *errorsOf)}
		}
	}
	var records []analysis.Record
	for _, path := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("read labels: %w", err)
		}
		recs, err := analysis.ReadRecords(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("read labels %s: %w", path, err)
		}
		records = append(records, recs...)
	}
	mapping, err := analysis.Mapping()
	if err != nil {
		return err
	}
	c := analysis.Default()
	predict := func(text string) []string {
		var ids []string
		for _, l := range c.Classify(text) {
			ids = append(ids, l.Category)
		}
		return ids
	}
	if *errorsOf != "" {
		printErrors(m, records, mapping, predict, *errorsOf, *limit)
	}
	return analysis.WriteReport(m.Stdout, analysis.Evaluate(records, mapping, predict))
}

func printErrors(m *Main, records []analysis.Record, mapping *analysis.LabelMapping, predict func(string) []string, cat string, limit int) {
	var misses, alarms int
	for _, r := range records {
		if !mapping.Space(r.Source)[cat] {
			continue
		}
		gold := contains(mapping.Gold(r), cat)
		pred := contains(predict(r.Text), cat)
		text := strings.Join(strings.Fields(r.Text), " ")
		if len(text) > 300 {
			text = text[:300] + "…"
		}
		switch {
		case gold && !pred && misses < limit:
			misses++
			fmt.Fprintf(m.Stdout, "MISS  %s %s: %s\n", r.Source, r.Doc, text)
		case !gold && pred && alarms < limit && r.Source != "tosdr":
			alarms++
			fmt.Fprintf(m.Stdout, "ALARM %s %s: %s\n", r.Source, r.Doc, text)
		}
	}
	fmt.Fprintln(m.Stdout)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
