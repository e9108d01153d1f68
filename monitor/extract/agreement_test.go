package extract

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// agreementFloor is the lowest order-aware agreement (2·LCS/(|a|+|b|) over
// word tokens) accepted per service and document. The aim is 0.97; a lower
// floor says why beside it.
var agreementFloor = map[string]float64{
	// PDFs: OTA's own text (pdf.js) glues words across line ends
	// ("àcaractère"), which costs tokens on both sides; the terms PDF draws no
	// space glyphs and its CID fonts give no widths, so word spaces are
	// inferred from glyph positions and a few are missed.
	"doctolib / Privacy Policy":   0.95,
	"doctolib / Terms of Service": 0.95,
}

// expectNoMatch lists captures where the declaration in force does not
// match the page, so the only honest answer is ErrNoMatch (a monitor
// failure), although OTA recorded a version.
var expectNoMatch = map[string]string{
	// The 2022 page has no .elementor-7899; OTA used a declaration that the
	// history file does not record.
	"happn / Privacy Policy 001-2022-05-10": "declaration history incomplete",
	// #toc-heading comes before the first h1 in these captures: a DOM Range
	// whose end precedes its start is empty.
	"npm / Privacy Policy 003-2023-12-19": "range end before start",
	"npm / Privacy Policy 004-2024-01-12": "range end before start",
}

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
		if why, ok := expectNoMatch[key+" "+v.name]; ok {
			if !errors.Is(err, ErrNoMatch) {
				t.Errorf("%s %s (%s): want ErrNoMatch, got %v", key, v.name, why, err)
			}
			continue
		}
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
