package main

import (
	"os"

	"github.com/policybot/policybot/analysis"
)

// evalDefault prints the shipped classifier's report on labelled files, the
// same figures as `policybot eval`, without building the whole program.
func evalDefault(paths []string) error {
	var recs []analysis.Record
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		r, err := analysis.ReadRecords(f)
		f.Close()
		if err != nil {
			return err
		}
		recs = append(recs, r...)
	}
	m, err := analysis.Mapping()
	if err != nil {
		return err
	}
	return analysis.WriteReport(os.Stdout, analysis.Evaluate(recs, m, labelsOf(analysis.Default())))
}
