package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/monitor/extract"
)

// runExtract prints the normalized Markdown of a captured document: HTML or
// PDF files cut out with an Open Terms Archive declaration (or by finding the
// main content), or Markdown files normalized as they are.
func runExtract(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("extract")
	declPath := fs.String("declaration", "", "OTA declaration JSON ({\"name\":..,\"terms\":{TYPE: source}})")
	docType := fs.String("type", "", "document type in the declaration (default: the only one, or \"Privacy Policy\")")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	files := fs.Args()
	if len(files) == 0 {
		return usageError{"want at least one FILE"}
	}
	if *docType != "" && *declPath == "" {
		return usageError{"--type needs --declaration"}
	}
	md := 0
	for _, f := range files {
		if strings.EqualFold(filepath.Ext(f), ".md") {
			md++
		}
	}
	if md > 0 {
		if md != len(files) || *declPath != "" {
			return usageError{"Markdown files are normalized as they are: give only .md files, without --declaration"}
		}
		return printNormalized(m, files)
	}

	var opt extract.Options
	if *declPath != "" {
		var err error
		if opt, err = loadDeclaration(*declPath, *docType, files[0]); err != nil {
			return err
		}
	}
	pages := make([]extract.Page, len(files))
	for i, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		pages[i] = extract.Page{Body: body, ContentType: contentTypeOf(f)}
	}
	res, err := extract.Extract(pages, opt)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(m.Stderr, "policybot extract: warning: %s\n", w)
	}
	_, err = fmt.Fprint(m.Stdout, res.Markdown)
	return err
}

func printNormalized(m *Main, files []string) error {
	var parts []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		parts = append(parts, string(b))
	}
	_, err := fmt.Fprint(m.Stdout, extract.Normalize(strings.Join(parts, "\n\n")))
	return err
}

// extractCaptureDate finds the date in an NNN-YYYY-MM-DD file name (the corpus's and
// OTA's naming).
var extractCaptureDate = regexp.MustCompile(`(?:^|[^0-9])\d{3}-(\d{4}-\d{2}-\d{2})`)

// loadDeclaration reads the declaration, picks the document, and reads the
// declaration history beside it, in force at the capture date guessed from
// the first file's name (now if the name has no date).
func loadDeclaration(path, docType, firstFile string) (extract.Options, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return extract.Options{}, err
	}
	var decl catalog.Declaration
	if err := json.Unmarshal(b, &decl); err != nil {
		return extract.Options{}, fmt.Errorf("declaration %s: %w", path, err)
	}
	types := make([]string, 0, len(decl.Terms))
	for t := range decl.Terms {
		types = append(types, t)
	}
	sort.Strings(types)
	switch {
	case docType != "":
	case len(types) == 1:
		docType = types[0]
	case decl.Terms["Privacy Policy"].Fetch != "" || len(decl.Terms["Privacy Policy"].Combine) > 0:
		docType = "Privacy Policy"
	default:
		return extract.Options{}, usageError{fmt.Sprintf("pick a document with --type: %s", strings.Join(types, ", "))}
	}
	source, ok := decl.Terms[docType]
	if !ok {
		return extract.Options{}, fmt.Errorf("declaration %s has no %q (it has: %s)", path, docType, strings.Join(types, ", "))
	}
	opt := extract.Options{Source: &source, DocType: docType, At: time.Now()}
	if m := extractCaptureDate.FindStringSubmatch(filepath.Base(firstFile)); m != nil {
		if at, err := time.Parse("2006-01-02", m[1]); err == nil {
			opt.At = at
		}
	}
	for _, h := range historyPaths(path) {
		b, err := os.ReadFile(h)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return extract.Options{}, err
		}
		if err := json.Unmarshal(b, &opt.History); err != nil {
			return extract.Options{}, fmt.Errorf("declaration history %s: %w", h, err)
		}
		break
	}
	return opt, nil
}

// historyPaths are where a declaration's history lives: declaration.history.json
// in the same folder, or Name.history.json beside Name.json as in OTA's
// repositories.
func historyPaths(decl string) []string {
	dir := filepath.Dir(decl)
	paths := []string{filepath.Join(dir, "declaration.history.json")}
	if base := filepath.Base(decl); strings.HasSuffix(base, ".json") && !strings.HasSuffix(base, ".history.json") {
		own := filepath.Join(dir, strings.TrimSuffix(base, ".json")+".history.json")
		if own != paths[0] {
			paths = append([]string{own}, paths...)
		}
	}
	return paths
}

func contentTypeOf(file string) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".pdf":
		return "application/pdf"
	case ".html", ".htm", ".xhtml":
		return "text/html; charset=utf-8"
	}
	return "" // sniffed
}
