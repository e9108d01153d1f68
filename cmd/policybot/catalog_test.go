package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// courseraDeclaration is a real declaration, copied unchanged from
// OpenTermsArchive/contrib-declarations at 0b10dd654ea5751997baefbf42831f161636a6e7,
// declarations/Coursera.json (EUPL-1.2, Open Terms Archive contributors).
const courseraDeclaration = `{
  "name": "Coursera",
  "importedFrom": "https://github.com/tosdr/tosback2/blob/f762cd4bbb2571272985fed009201a23300ba9b2/rules/coursera.org.xml",
  "terms": {
    "Privacy Policy": {
      "fetch": "https://www.coursera.org/about/privacy",
      "select": "div.coursera-tos",
      "remove": "ul:first-of-type"
    },
    "Terms of Service": {
      "fetch": "https://www.coursera.org/about/terms",
      "select": "div.coursera-tos"
    }
  }
}`

// catalogRun runs one command line through a fresh Main, as a process would.
func catalogRun(t *testing.T, dataDir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"POLICYBOT_DATA_DIR": dataDir}
	m := NewMain(strings.NewReader(""), &out, &errb, func(k string) string { return env[k] })
	code = m.Execute(context.Background(), args)
	if err := m.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	return code, out.String(), errb.String()
}

func TestCatalogImportAndList(t *testing.T) {
	dataDir := t.TempDir()
	decls := t.TempDir()
	files := map[string]string{
		"Coursera.json": courseraDeclaration,
		"Acme Legal.json": `{"name": "Acme Legal", "terms": {"Privacy Policy": {"fetch": "https://acme.example/privacy",
			"select": [{"startAfter": "h1", "endBefore": "footer"}]}}}`,
		"Broken.json":  `{"name": "Broken", "terms": {"Privacy Policy": {"select": "main"}}}`,
		"BadCSS.json":  `{"name": "Bad CSS", "terms": {"Terms": {"fetch": "https://bad.example/t", "select": ["main", "div["]}}}`,
		"README.md":    "not a declaration",
		"Broken2.json": `{"name": `,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(decls, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Listing before any import reads the built-in catalog and creates no database.
	code, out, errOut := catalogRun(t, dataDir, "catalog", "list", "cours")
	if code != 0 || !strings.Contains(out, "coursera") || !strings.Contains(out, "Coursera") || !strings.Contains(out, "Education") {
		t.Fatalf("list cours: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "policybot.db")); err == nil {
		t.Error("catalog list created a database")
	}

	code, out, errOut = catalogRun(t, dataDir, "catalog", "import", decls)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"Loaded 2 platforms from " + decls + " (2 new), skipped 3 files.",
		"Documents: 3 (3 new, 0 with a changed declaration)",
		`skipped Broken.json: terms["Privacy Policy"].fetch: missing`,
		`skipped BadCSS.json: terms["Terms"].select[1]: invalid CSS selector "div["`,
		"skipped Broken2.json: invalid JSON",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}

	// Again: nothing new.
	code, out, _ = catalogRun(t, dataDir, "catalog", "import", decls)
	if code != 0 || !strings.Contains(out, "Loaded 2 platforms from "+decls+" (0 new)") || !strings.Contains(out, "(0 new, 0 with a changed") {
		t.Errorf("second import: exit %d\n%s", code, out)
	}

	code, out, _ = catalogRun(t, dataDir, "catalog", "list", "cours")
	if code != 0 || !strings.Contains(out, "coursera") || strings.Contains(out, "[imported]") {
		t.Errorf("list cours after import: exit %d\n%s", code, out)
	}
	code, out, _ = catalogRun(t, dataDir, "catalog", "list", "acme")
	if code != 0 || !strings.Contains(out, "acme-legal") || !strings.Contains(out, "[imported]") || !strings.Contains(out, "(1 only in this store)") {
		t.Errorf("list acme: exit %d\n%s", code, out)
	}
	code, out, _ = catalogRun(t, dataDir, "catalog", "list")
	if code != 0 || !strings.Contains(out, "only in this store") || !strings.Contains(out, "SLUG") || !strings.Contains(out, "netflix") {
		t.Errorf("list: exit %d\n%.400s", code, out)
	}
	code, out, _ = catalogRun(t, dataDir, "catalog", "list", "zzqqxxyy")
	if code != 0 || !strings.Contains(out, `No platform matches "zzqqxxyy"`) {
		t.Errorf("list nonsense: exit %d\n%s", code, out)
	}
	code, out, _ = catalogRun(t, dataDir, "catalog", "list", "linked", "in")
	if code != 0 || !strings.Contains(out, "linkedin") {
		t.Errorf("list linked in: exit %d\n%s", code, out)
	}
}

func TestCatalogImportBuiltin(t *testing.T) {
	dataDir := t.TempDir()
	code, out, errOut := catalogRun(t, dataDir, "catalog", "import")
	if code != 0 || !strings.Contains(out, "from the built-in catalog") || !strings.Contains(out, "skipped 0 files") {
		t.Fatalf("import built-in: exit %d\n%s%s", code, out, errOut)
	}
}

func TestCatalogCommandErrors(t *testing.T) {
	dataDir := t.TempDir()
	file := filepath.Join(t.TempDir(), "one.json")
	if err := os.WriteFile(file, []byte(courseraDeclaration), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args    []string
		code    int
		message string
	}{
		{[]string{"catalog"}, 2, "want `catalog import [DIR]` or `catalog list [QUERY]`"},
		{[]string{"catalog", "export"}, 2, `unknown catalog command "export"`},
		{[]string{"catalog", "import", "a", "b"}, 2, "takes one folder"},
		{[]string{"catalog", "import", filepath.Join(dataDir, "absent")}, 1, "no such file or directory"},
		{[]string{"catalog", "import", file}, 1, "not a folder"},
	}
	for _, tt := range tests {
		code, _, errOut := catalogRun(t, dataDir, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.message) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", tt.args, code, errOut, tt.code, tt.message)
		}
	}
}
