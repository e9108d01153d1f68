package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/store"
)

func TestAuditFormats(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	a, err := BuildAudit(context.Background(), f.db, "coursera", "https://policy.example.org/", now)
	must(t, err)
	record := "https://policy.example.org/changes/"

	var js bytes.Buffer
	must(t, a.WriteJSON(&js))
	var back Audit
	must(t, json.Unmarshal(js.Bytes(), &back))
	if !back.GeneratedAt.Equal(now) || len(back.Documents) != 1 || len(back.Documents[0].Versions) != 2 ||
		!strings.HasPrefix(back.Documents[0].Changes[0].URL, record) {
		t.Errorf("JSON round trip: %+v", back)
	}

	var cs bytes.Buffer
	must(t, a.WriteCSV(&cs))
	rows, err := csv.NewReader(bytes.NewReader(cs.Bytes())).ReadAll()
	must(t, err)
	count := map[string]int{}
	for _, r := range rows[1:] {
		if len(r) != len(csvHeader) {
			t.Fatalf("row of %d cells: %v", len(r), r)
		}
		count[r[0]]++
	}
	provs := len(a.Documents[0].Provisions)
	if count["version"] != 2 || count["snapshot"] != 2 || count["change"] != 1 || count["provision"] != provs {
		t.Errorf("CSV rows %v (want 2 versions, 2 snapshots, 1 change, %d provisions)", count, provs)
	}
	if !strings.Contains(cs.String(), f.snap6.SHA256) || !strings.Contains(cs.String(), f.v5.SHA256) {
		t.Error("CSV lacks the hashes")
	}

	var md bytes.Buffer
	must(t, a.WriteMarkdown(&md))
	for _, w := range []string{"# Coursera: policy audit", "## Privacy Policy", "### Changes (1)", "### Versions (2)",
		f.v6.SHA256, f.snap5.SHA256, record, "### Provisions of the current version"} {
		if !strings.Contains(md.String(), w) {
			t.Errorf("Markdown lacks %q", w)
		}
	}

	if _, err := BuildAudit(context.Background(), f.db, "nowhere", "", now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown platform: %v", err)
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1": "'+1", "@SUM(A1)": "'@SUM(A1)", "-2": "'-2",
		"We collect": "We collect", "": "",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkWords(t *testing.T) {
	tests := []struct{ before, after, b, a string }{
		{"We share data with partners.", "We share data with partners and affiliates.",
			"We share data with partners.", "We share data with partners[+ and affiliates]."},
		{"such as with Coach, Coach Dialogue", "such as with Coursera AI, Dialogue",
			"such as with [-Coach],[- Coach] Dialogue", "such as with [+Coursera AI], Dialogue"},
		{"same", "same", "same", "same"},
	}
	render := func(ws []diff.Word) string {
		var sb strings.Builder
		for _, w := range ws {
			switch w.Op {
			case diff.WordInsert:
				sb.WriteString("[+" + w.Text + "]")
			case diff.WordDelete:
				sb.WriteString("[-" + w.Text + "]")
			default:
				sb.WriteString(w.Text)
			}
		}
		return sb.String()
	}
	for _, tc := range tests {
		b, a := markWords(tc.before, tc.after)
		if got := render(b); got != tc.b {
			t.Errorf("before: %q, want %q", got, tc.b)
		}
		if got := render(a); got != tc.a {
			t.Errorf("after: %q, want %q", got, tc.a)
		}
	}
}
