package catalog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Queries people type: exact names, near misses, prefixes and a URL.
var benchQueries = []string{"coursera", "corsera", "netflx", "tik tok", "linked in", "goo",
	"https://www.reddit.com/policies", "spotfy", "chat gpt", "wikipeda"}

// BenchmarkParseBuiltin is what the first Builtin() call costs: decoding the
// embedded file and indexing it.
func BenchmarkParseBuiltin(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var ps []Platform
		if err := json.Unmarshal(builtinJSON, &ps); err != nil {
			b.Fatal(err)
		}
		New(ps)
	}
}

// BenchmarkLoadDirTree is the baseline the embedded file replaces: reading,
// checking and validating every declaration of the shared collections.
func BenchmarkLoadDirTree(b *testing.B) {
	dir := sharedDeclarations(b)
	b.ReportAllocs()
	for b.Loop() {
		ps, _ := LoadDir(dir)
		New(ps)
	}
}

func BenchmarkLookup(b *testing.B) {
	c := Builtin()
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range benchQueries {
			c.Lookup(q)
		}
	}
}

func BenchmarkSuggest(b *testing.B) {
	c := Builtin()
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range benchQueries {
			c.Suggest(q, 5)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	c := Builtin()
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range benchQueries {
			c.Search(q)
		}
	}
}

// sharedDeclarations returns the shared Open Terms Archive collections, or
// skips when the repository is checked out without ../shared.
func sharedDeclarations(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join("..", "..", "shared", "ota-declarations")
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("shared declarations not found at %s: %v", dir, err)
	}
	return dir
}
