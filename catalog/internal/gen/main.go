// Command gen builds catalog/data/catalog.json from the Open Terms Archive
// collections (one folder per collection, each with a declarations/ folder),
// adding the categories and aliases kept by hand in tables.go. Run it with
// `go generate ./catalog`; neither the build nor the tests need it.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/policybot/policybot/catalog"
)

// precedence orders the collections: when two declare the same document of
// the same service, the earlier one's declaration is kept. contrib is the
// general collection, the most reviewed; demo only illustrates the format.
var precedence = []string{"contrib", "genai-contrib", "genai-eu", "pga", "dating", "sante-numerique-france", "demo"}

func main() {
	src := flag.String("src", "../../shared/ota-declarations", "folder of Open Terms Archive collections")
	out := flag.String("out", "data/catalog.json", "file to write")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*src, *out, log); err != nil {
		log.Error("gen failed", "err", err)
		os.Exit(1)
	}
}

func run(src, out string, log *slog.Logger) error {
	collections, err := listCollections(src)
	if err != nil {
		return err
	}
	merged := map[string]*catalog.Platform{}
	for _, col := range collections {
		ps, problems := catalog.LoadDir(filepath.Join(src, col, "declarations"))
		for _, p := range problems {
			log.Warn("skipped", "collection", col, "problem", p.Error())
		}
		log.Info("collection", "name", col, "platforms", len(ps), "problems", len(problems))
		for _, p := range ps {
			merge(merged, p, col)
		}
	}
	platforms := make([]catalog.Platform, 0, len(merged))
	for _, p := range merged {
		platforms = append(platforms, *p)
	}
	sort.Slice(platforms, func(i, j int) bool { return platforms[i].Slug < platforms[j].Slug })
	if err := decorate(platforms, log); err != nil {
		return err
	}
	data, err := encode(platforms)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	log.Info("wrote catalog", "file", out, "platforms", len(platforms), "bytes", len(data))
	return nil
}

// listCollections returns the collection folders under src in precedence
// order, unknown ones last in name order.
func listCollections(src string) ([]string, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("read collections: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(src, e.Name(), "declarations")); err == nil {
				names = append(names, e.Name())
			}
		}
	}
	rank := func(n string) int {
		if i := slices.Index(precedence, n); i >= 0 {
			return i
		}
		return len(precedence)
	}
	sort.SliceStable(names, func(i, j int) bool {
		if rank(names[i]) != rank(names[j]) {
			return rank(names[i]) < rank(names[j])
		}
		return names[i] < names[j]
	})
	return names, nil
}

// merge adds p, from collection col, to the platforms already read: a new
// service as is, a known one for the document types it adds.
func merge(merged map[string]*catalog.Platform, p catalog.Platform, col string) {
	have, ok := merged[p.Slug]
	if !ok {
		p.Collection = col
		p.DocumentCollections = map[string]string{}
		for t := range p.Documents {
			p.DocumentCollections[t] = col
		}
		merged[p.Slug] = &p
		return
	}
	added := false
	for t, src := range p.Documents {
		if _, ok := have.Documents[t]; ok {
			continue
		}
		added = true
		have.Documents[t] = src
		have.DocumentCollections[t] = col
		if h := p.History[t]; len(h) > 0 {
			if have.History == nil {
				have.History = catalog.History{}
			}
			have.History[t] = h
		}
	}
	if added {
		have.Collection += ", " + col
	}
	have.Aliases = union(have.Aliases, p.Aliases)
}

// decorate sets each platform's category and hand-kept aliases, and drops a
// domain alias that several platforms share unless it is the platform's own
// (google.com stays on Google, not on Google Maps).
func decorate(ps []catalog.Platform, log *slog.Logger) error {
	known := map[string]bool{}
	for _, p := range ps {
		known[p.Slug] = true
	}
	var unknown []string
	for slug := range categories {
		if !known[slug] {
			unknown = append(unknown, "categories: "+slug)
		}
	}
	for slug := range aliases {
		if !known[slug] {
			unknown = append(unknown, "aliases: "+slug)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("tables.go names slugs the catalog does not have: %s", strings.Join(unknown, ", "))
	}

	domainUse := map[string]int{}
	for _, p := range ps {
		for _, a := range p.Aliases {
			if strings.Contains(a, ".") {
				domainUse[a]++
			}
		}
	}
	for i := range ps {
		p := &ps[i]
		p.Category = categoryOf(*p)
		if p.Category == "" {
			log.Warn("no category", "slug", p.Slug)
			p.Category = "Other"
		}
		var kept []string
		for _, a := range p.Aliases {
			if strings.Contains(a, ".") && domainUse[a] > 1 && !ownsDomain(p.Name, a) {
				continue
			}
			kept = append(kept, a)
		}
		p.Aliases = union(kept, aliases[p.Slug])
	}
	return nil
}

func categoryOf(p catalog.Platform) string {
	if c, ok := categories[p.Slug]; ok {
		return c
	}
	for _, col := range strings.Split(p.Collection, ", ") {
		if c, ok := collectionCategory[col]; ok {
			return c
		}
	}
	return ""
}

// ownsDomain reports whether domain is the platform's own by name: the name,
// folded, is the domain's first label or the whole domain.
func ownsDomain(name, domain string) bool {
	fold := func(s string) string { return strings.ReplaceAll(catalog.Slug(s), "-", "") }
	label, _, _ := strings.Cut(domain, ".")
	return fold(label) == fold(name) || fold(domain) == fold(name)
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(slices.Clone(a), b...) {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// encode writes one platform per line, so that a regenerated catalog diffs
// line by line per service.
func encode(ps []catalog.Platform) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, p := range ps {
		var line bytes.Buffer
		enc := json.NewEncoder(&line)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p); err != nil {
			return nil, fmt.Errorf("encode %s: %w", p.Slug, err)
		}
		buf.Write(bytes.TrimRight(line.Bytes(), "\n"))
		if i < len(ps)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	return buf.Bytes(), nil
}
