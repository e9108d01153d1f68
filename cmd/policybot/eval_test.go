package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvalDevLabels(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "labels")
	files := []string{filepath.Join(dir, "opp115.jsonl"), filepath.Join(dir, "claudette.jsonl"), filepath.Join(dir, "tosdr.jsonl")}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Skip("shared labels not present")
		}
	}
	var out, errOut bytes.Buffer
	m := NewMain(strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	defer m.Close()
	if code := m.Execute(context.Background(), append([]string{"eval"}, files...)); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 3 {
		t.Fatalf("output too short:\n%s", out.String())
	}
	tail := lines[len(lines)-3:]
	for i, prefix := range []string{"opp115 macro-F1 ", "claudette macro-F1 ", "tosdr recall "} {
		if !strings.HasPrefix(tail[i], prefix) {
			t.Fatalf("summary line %d = %q, want prefix %q", i, tail[i], prefix)
		}
	}
	for _, line := range tail[:2] {
		var macro, micro float64
		var src string
		if _, err := fmtSscanf(line, &src, &macro, &micro); err != nil {
			t.Fatalf("parse %q: %v", line, err)
		}
		if macro < 0.65 {
			t.Errorf("%s macro-F1 %.3f below the 0.65 floor", src, macro)
		}
	}
	t.Logf("\n%s", strings.Join(tail, "\n"))
}

func TestEvalUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	m := NewMain(strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	defer m.Close()
	if code := m.Execute(context.Background(), []string{"eval"}); code != 2 {
		t.Errorf("eval with no file: exit %d, want 2", code)
	}
	if code := m.Execute(context.Background(), []string{"eval", "-errors", "nope", "x.jsonl"}); code != 2 {
		t.Errorf("eval with unknown category: exit %d, want 2", code)
	}
	if code := m.Execute(context.Background(), []string{"eval", filepath.Join(t.TempDir(), "missing.jsonl")}); code != 1 {
		t.Errorf("eval of a missing file: exit %d, want 1", code)
	}
}

func fmtSscanf(line string, src *string, macro, micro *float64) (int, error) {
	return fmt.Sscanf(line, "%s macro-F1 %f micro-F1 %f", src, macro, micro)
}
