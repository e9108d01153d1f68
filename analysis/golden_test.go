package analysis

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func readCorpus(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "corpus", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDumpSummaries(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	for _, p := range [][3]string{
		{"coursera", "coursera/privacy-policy/005-2026-05-07.md", "coursera/privacy-policy/006-2026-05-12.md"},
		{"netflix", "netflix/privacy-policy/004-2025-09-23.md", "netflix/privacy-policy/005-2026-04-11.md"},
		{"claude-ai", "claude-ai/privacy-policy/003-2026-06-07.md", "claude-ai/privacy-policy/004-2026-06-08.md"},
		{"tinder", "tinder/privacy-policy/005-2025-12-10.md", "tinder/privacy-policy/006-2026-03-06.md"},
	} {
		s := Summarize(p[0], "privacy-policy", blockDiff(readCorpus(t, p[1]), readCorpus(t, p[2])))
		b, _ := json.MarshalIndent(s, "", " ")
		os.WriteFile("/tmp/h5/sum-"+p[0]+".json", b, 0o644)
	}
}
