package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The differ's and the guard's testdata hold corpus versions (see their
// PROVENANCE files).
const (
	diffData  = "../../monitor/diff/testdata/corpus"
	guardData = "../../monitor/guard/testdata/corpus"
)

func runDiffCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	m := NewMain(strings.NewReader(""), &out, &errb, func(string) string { return "" })
	code = m.Execute(context.Background(), args)
	return out.String(), errb.String(), code
}

// diffJSON is the contract outside checks rely on.
type diffJSON struct {
	Kind  string `json:"kind"`
	Edits []struct {
		Op      string `json:"op"`
		Section string `json:"section"`
		Before  string `json:"before"`
		After   string `json:"after"`
		Reason  string `json:"reason"`
	} `json:"edits"`
	Guard *struct {
		Reason string `json:"reason"`
	} `json:"guard"`
}

func runDiffJSON(t *testing.T, args ...string) diffJSON {
	t.Helper()
	out, errs, code := runDiffCLI(t, append([]string{"diff", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var d diffJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	return d
}

func TestDiffJSONSubstantive(t *testing.T) {
	dir := filepath.Join(diffData, "coursera/privacy-policy")
	d := runDiffJSON(t, filepath.Join(dir, "005-2026-05-07.md"), filepath.Join(dir, "006-2026-05-12.md"))
	if d.Kind != "substantive" {
		t.Fatalf("kind = %s", d.Kind)
	}
	found := false
	for _, e := range d.Edits {
		if strings.Contains(e.After, "transcribed into text") && e.Op == "modified" && e.Section != "" && e.Before != "" {
			found = true
		}
	}
	if !found {
		t.Error("no modified edit with the voice sentence")
	}
}

func TestDiffEdgeCases(t *testing.T) {
	tests := []struct {
		dir, old, new string
		kind, reason  string
		guard         string
	}{
		{"_edge-cases/coursera-privacy-date-only", "001-2026-02-10.md", "002-2026-03-27.md", "cosmetic", "date", ""},
		{"_edge-cases/google-privacy-pdf-url-token", "001-2025-07-02.md", "002-2025-07-08.md", "cosmetic", "link", ""},
		{"_edge-cases/chatgpt-terms-ellipsis-noise", "001-2026-01-26.md", "002-2026-02-01.md", "cosmetic", "noise", ""},
		{guardData + "/_edge-cases/spotify-privacy-error-page", "001-2023-05-08.md", "002-2023-05-12.md", "substantive", "", "error-page"},
		{guardData + "/_edge-cases/github-copilot-privacy-empty-extraction", "001-2023-10-24.md", "002-2023-11-13.md", "substantive", "", "collapsed"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			dir := tt.dir
			if !strings.HasPrefix(dir, guardData) {
				dir = filepath.Join(diffData, dir)
			}
			d := runDiffJSON(t, filepath.Join(dir, tt.old), filepath.Join(dir, tt.new))
			if d.Kind != tt.kind {
				t.Errorf("kind = %s, want %s", d.Kind, tt.kind)
			}
			if tt.reason != "" && (len(d.Edits) != 1 || d.Edits[0].Reason != tt.reason) {
				t.Errorf("edits = %+v, want one %s edit", d.Edits, tt.reason)
			}
			switch {
			case tt.guard == "" && d.Guard != nil:
				t.Errorf("guard = %+v", d.Guard)
			case tt.guard != "" && (d.Guard == nil || d.Guard.Reason != tt.guard):
				t.Errorf("guard = %+v, want %s", d.Guard, tt.guard)
			}
		})
	}
}

func TestDiffText(t *testing.T) {
	dir := filepath.Join(diffData, "_edge-cases/coursera-privacy-date-only")
	out, _, code := runDiffCLI(t, "diff", filepath.Join(dir, "001-2026-02-10.md"), filepath.Join(dir, "002-2026-03-27.md"))
	if code != 0 || !strings.HasPrefix(out, "cosmetic:") || !strings.Contains(out, "[-January 21-]{+March 26+}") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	dir = filepath.Join(diffData, "tinder/privacy-policy")
	// Flags may follow the files.
	out, _, code = runDiffCLI(t, "diff", filepath.Join(dir, "005-2025-12-10.md"), filepath.Join(dir, "006-2026-03-06.md"), "--format", "text")
	for _, want := range []string{"substantive:", "\n## Privacy Policy > Data We Collect\n", "{+ or request a refund+}", "Cosmetic edits"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d: output lacks %q:\n%s", code, want, out)
		}
	}
}

func TestDiffExitStatus(t *testing.T) {
	md := filepath.Join(diffData, "_edge-cases/coursera-privacy-date-only/001-2026-02-10.md")
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"one file", []string{"diff", md}, 2},
		{"three files", []string{"diff", md, md, md}, 2},
		{"bad format", []string{"diff", "--format", "xml", md, md}, 2},
		{"unknown flag", []string{"diff", "--colour", md, md}, 2},
		{"missing file", []string{"diff", md, filepath.Join(t.TempDir(), "nope.md")}, 1},
		{"missing declaration", []string{"diff", "--declaration", filepath.Join(t.TempDir(), "d.json"), md, md}, 1},
		{"identical", []string{"diff", md, md}, 0},
		{"help", []string{"diff", "-h"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, errs, code := runDiffCLI(t, tt.args...); code != tt.code {
				t.Errorf("exit %d, want %d (%s)", code, tt.code, errs)
			}
		})
	}
	out, _, _ := runDiffCLI(t, "diff", md, md)
	if !strings.HasPrefix(out, "none:") {
		t.Errorf("identical files: %q", out)
	}
}

// Raw captures go through the extractor with their declaration (and its
// history) before the comparison.
func TestDiffHTML(t *testing.T) {
	corpus := "../../../shared/corpus/coursera"
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("shared corpus absent")
	}
	d := runDiffJSON(t, "--declaration", filepath.Join(corpus, "declaration.json"), "--type", "Privacy Policy",
		filepath.Join(corpus, "privacy-policy/005-2026-05-07.html"), filepath.Join(corpus, "privacy-policy/006-2026-05-12.html"))
	if d.Kind != "substantive" {
		t.Fatalf("kind = %s", d.Kind)
	}
	found := false
	for _, e := range d.Edits {
		found = found || strings.Contains(e.After, "transcribed into text")
	}
	if !found {
		t.Error("the voice sentence is not in the edits")
	}
	if _, errs, code := runDiffCLI(t, "diff", "--declaration", filepath.Join(corpus, "declaration.json"), "--type", "Cookie Policy",
		filepath.Join(corpus, "privacy-policy/005-2026-05-07.html"), filepath.Join(corpus, "privacy-policy/006-2026-05-12.html")); code != 2 {
		t.Errorf("unknown type: exit %d (%s)", code, errs)
	}
}
