package catalog

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every shared collection loads; the counts go in the report.
func TestLoadDirSharedCollections(t *testing.T) {
	root := sharedDeclarations(t)
	cols, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, col := range cols {
		dir := filepath.Join(root, col.Name(), "declarations")
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		ps, problems := LoadDir(dir)
		t.Logf("%-24s loaded %3d platforms, %d problems", col.Name(), len(ps), len(problems))
		for _, p := range problems {
			t.Logf("  %v", p)
			// The collections' only problems are services with no current
			// document and histories left without their declaration.
			if p.Message != "no documents" && !strings.Contains(p.Message, "beside it") {
				t.Errorf("%s: unexpected problem: %v", col.Name(), p)
			}
		}
		if len(ps) == 0 {
			t.Errorf("%s: nothing loaded", col.Name())
		}
		total += len(ps)
	}
	all, problems := LoadDir(root)
	t.Logf("whole tree: %d platforms (%d declarations before merging by slug), %d problems", len(all), total, len(problems))
	if len(all) < 300 {
		t.Errorf("whole tree loaded %d platforms, want at least 300", len(all))
	}
	for _, p := range problems {
		if !strings.Contains(p.File, "/declarations/") {
			t.Errorf("problem file %q is not relative to the folder given", p.File)
		}
	}
}

// A folder with broken files: each is named with its field, and the rest load.
func TestLoadDirReportsAndSkipsBrokenFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Good.json", `{"name": "Good Service", "terms": {
		"Privacy Policy": {"fetch": "https://good.example/privacy", "select": ["main", {"startAfter": "h1", "endBefore": "footer"}]},
		"Terms of Service": {"combine": [{"fetch": "https://good.example/terms"}, {"fetch": "https://good.example/terms/2", "select": "article"}], "select": "main"}}}`)
	write("Good.history.json", `{"Privacy Policy": [{"fetch": "https://good.example/old-privacy", "select": "body", "validUntil": "2023-05-01T00:00:00.000Z"}]}`)
	write("sub/Nested.json", `{"name": "Nested", "terms": {"Privacy Policy": {"fetch": "https://nested.example/p", "filter": ["removeX", {"removeQueryParams": ["utm"]}]}}}`)
	write("BadJSON.json", `{"name": "Bad", "terms": {`)
	write("Foo.json", `{"name": "Foo", "terms": {"Privacy Policy": {"select": "main"}}}`)
	write("Bar.json", `{"name": "Bar", "terms": {"Terms": {"fetch": "https://bar.example/t", "select": ["main", "div["]}}}`)
	write("Range.json", `{"name": "Range", "terms": {"Privacy Policy": {"fetch": "https://range.example/p",
		"select": {"startBefore": "h1", "startAfter": "h2", "endBefore": "footer"}}}}`)
	write("Typo.json", `{"name": "Typo", "terms": {"Privacy Policy": {"fetch": "https://typo.example/p", "selct": "main"}}}`)
	write("Ftp.json", `{"name": "Ftp", "terms": {"Privacy Policy": {"fetch": "ftp://ftp.example/p"}}}`)
	write("WrongType.json", `{"name": "WrongType", "terms": {"Privacy Policy": {"fetch": 42}}}`)
	write("BadHistory.json", `{"name": "Bad History", "terms": {"Privacy Policy": {"fetch": "https://bh.example/p"}}}`)
	write("BadHistory.history.json", `{"Privacy Policy": [{"fetch": "https://bh.example/old"}]}`)
	write(".git/Hidden.json", `not even JSON`)
	write("notes.txt", `not a declaration`)

	ps, problems := LoadDir(dir)
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		`BadHistory.history.json: ["Privacy Policy"][0].validUntil: missing`,
		`BadJSON.json: invalid JSON at line 1, column 27: unexpected end of JSON input`,
		`Bar.json: terms["Terms"].select[1]: invalid CSS selector "div[": `,
		`Foo.json: terms["Privacy Policy"].fetch: missing`,
		`Ftp.json: terms["Privacy Policy"].fetch: "ftp://ftp.example/p" is not an absolute http(s) URL`,
		`Range.json: terms["Privacy Policy"].select: range needs exactly one of startBefore and startAfter, has 2`,
		`Typo.json: terms["Privacy Policy"].selct: unknown field (want fetch, select, remove, filter, executeClientScripts, combine)`,
		`WrongType.json: terms["Privacy Policy"].fetch: want a URL string, got number`,
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got  %s\n want %s...", i, got[i], want[i])
		}
	}

	var loaded []string
	for _, p := range ps {
		loaded = append(loaded, p.Slug)
	}
	if want := []string{"bad-history", "good-service", "nested"}; !slices.Equal(loaded, want) {
		t.Fatalf("loaded %v, want %v", loaded, want)
	}
	good := ps[1]
	if good.Homepage != "https://good.example" || !slices.Contains(good.Aliases, "good.example") || !slices.Contains(good.Aliases, "goodservice") {
		t.Errorf("good: homepage %q aliases %q", good.Homepage, good.Aliases)
	}
	if h := good.History["Privacy Policy"]; len(h) != 1 || !h[0].ValidUntil.Equal(time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("good history = %+v", h)
	}
	if r := good.Documents["Privacy Policy"].Select[1]; !r.IsRange() || r.StartAfter != "h1" || r.EndBefore != "footer" {
		t.Errorf("range selector = %+v", r)
	}
	if pages := good.Documents["Terms of Service"].Pages(); len(pages) != 2 || pages[0].Select[0].CSS != "main" || pages[1].Select[0].CSS != "article" {
		t.Errorf("combined pages = %+v", pages)
	}
	if ps[0].History != nil {
		t.Errorf("a broken history file must not load: %+v", ps[0].History)
	}
	if f := ps[2].Documents["Privacy Policy"].Filter; len(f) != 2 || f[1] != `{"removeQueryParams":["utm"]}` {
		t.Errorf("filters = %q", f)
	}
}

func TestLoadDirMissingFolder(t *testing.T) {
	ps, problems := LoadDir(filepath.Join(t.TempDir(), "absent"))
	if len(ps) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Message, "cannot read") {
		t.Errorf("LoadDir(absent) = %v, %v", ps, problems)
	}
}

func TestParseHistoryDateForms(t *testing.T) {
	h, problems := ParseHistory([]byte(`{"Privacy Policy": [
		{"fetch": "https://a.example/1", "validUntil": "2024-02-28T23:59:59+0100"},
		{"fetch": "https://a.example/2", "ValidUntil": "2024-03-01T00:00:00.000Z"},
		{"fetch": "https://a.example/3", "validUntil": "2024-04-01"}]}`))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []time.Time{
		time.Date(2024, 2, 28, 22, 59, 59, 0, time.UTC),
		time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC),
	}
	for i, e := range h["Privacy Policy"] {
		if !e.ValidUntil.Equal(want[i]) {
			t.Errorf("entry %d validUntil = %v, want %v", i, e.ValidUntil, want[i])
		}
	}
	_, problems = ParseHistory([]byte(`{"Privacy Policy": [{"fetch": "https://a.example/1", "validUntil": "last tuesday"}]}`))
	if len(problems) != 1 || problems[0].Field != `["Privacy Policy"][0].validUntil` {
		t.Errorf("bad date problems = %v", problems)
	}
}
