package extract

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// agreementFloor is the lowest order-aware agreement (2·LCS/(|a|+|b|) over
// word tokens) accepted per service and document. The aim is 0.97; a lower
// floor says why beside it.
var agreementFloor = map[string]float64{}

const defaultFloor = 0.97

// TestAgreement extracts every corpus capture with its declaration (and the
// history in force at the capture date) and compares the words with the
// Markdown Open Terms Archive extracted from the same capture, both through
// Normalize. Run with -v to see the table.
func TestAgreement(t *testing.T) {
	versions := loadCorpus(t)
	type agg struct {
		n             int
		minF1, minSeq float64
		sumF1, sumSeq float64
		worst         string
	}
	rows := map[string]*agg{}
	for _, v := range versions {
		key := v.service + " / " + v.docType
		a := rows[key]
		if a == nil {
			a = &agg{minF1: 2, minSeq: 2}
			rows[key] = a
		}
		res, err := Extract(v.pages(t), v.options())
		if err != nil {
			t.Errorf("%s %s: %v", key, v.name, err)
			continue
		}
		ota, err := os.ReadFile(v.md)
		if err != nil {
			t.Fatal(err)
		}
		ours, theirs := words(res.Markdown), words(Normalize(string(ota)))
		f1, seq := bagF1(ours, theirs), seqRatio(ours, theirs)
		a.n++
		a.sumF1 += f1
		a.sumSeq += seq
		if f1 < a.minF1 {
			a.minF1 = f1
		}
		if seq < a.minSeq {
			a.minSeq = seq
			a.worst = v.name
		}
		if os.Getenv("EXTRACT_DUMP") != "" {
			dir := os.Getenv("EXTRACT_DUMP")
			base := dir + "/" + v.service + "-" + strings.ReplaceAll(v.docType, " ", "") + "-" + v.name
			_ = os.WriteFile(base+".ours.md", []byte(res.Markdown), 0o644)
			_ = os.WriteFile(base+".ota.md", []byte(Normalize(string(ota))), 0o644)
		}
	}
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-40s %3s %8s %8s %8s %8s  %s\n", "service / document", "n", "meanF1", "minF1", "meanSeq", "minSeq", "worst")
	for _, k := range keys {
		a := rows[k]
		if a.n == 0 {
			continue
		}
		fmt.Fprintf(&b, "%-40s %3d %8.4f %8.4f %8.4f %8.4f  %s\n", k, a.n, a.sumF1/float64(a.n), a.minF1,
			a.sumSeq/float64(a.n), a.minSeq, a.worst)
		floor, ok := agreementFloor[k]
		if !ok {
			floor = defaultFloor
		}
		if a.minSeq < floor {
			t.Errorf("%s: agreement %.4f on %s is below the floor %.2f", k, a.minSeq, a.worst, floor)
		}
	}
	t.Log(b.String())
}
