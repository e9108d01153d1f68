package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/policybot/policybot/catalog"
)

// The corpus is real Open Terms Archive data: raw captures, the declaration
// (and its history) in force, and the Markdown OTA extracted from the same
// capture. testdata/corpus holds one capture per service (see
// testdata/corpus/PROVENANCE); the shared corpus, when present beside the
// repository, adds every other capture.

const sharedCorpus = "../../../shared/corpus"

// corpusVersion is one OTA version with the raw pages it came from.
type corpusVersion struct {
	service string // slug
	docType string
	name    string // NNN-YYYY-MM-DD
	at      time.Time
	md      string   // path of OTA's Markdown
	raw     []string // paths of the raw pages, in order
	decl    catalog.Declaration
	history catalog.History
}

var versionFile = regexp.MustCompile(`^(\d{3}-(\d{4}-\d{2}-\d{2}))(?:\.p(\d+))?\.(html|pdf)$`)

// loadCorpus lists the versions that have raw captures, from testdata and
// from the shared corpus, preferring the shared copy of the same file.
func loadCorpus(t testing.TB) []corpusVersion {
	t.Helper()
	dates := manifestDates(t)
	byKey := map[string]corpusVersion{}
	for _, dir := range []string{"testdata/corpus", sharedCorpus} {
		services, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, s := range services {
			if !s.IsDir() || strings.HasPrefix(s.Name(), "_") {
				continue
			}
			sdir := filepath.Join(dir, s.Name())
			decl, hist, ok := readDeclaration(t, sdir)
			if !ok {
				continue
			}
			docs, _ := os.ReadDir(sdir)
			for _, d := range docs {
				if !d.IsDir() {
					continue
				}
				docType := docTypeFor(decl, d.Name())
				if docType == "" {
					continue
				}
				files, _ := os.ReadDir(filepath.Join(sdir, d.Name()))
				pages := map[string][]string{}
				for _, f := range files {
					m := versionFile.FindStringSubmatch(f.Name())
					if m == nil {
						continue
					}
					pages[m[1]] = append(pages[m[1]], filepath.Join(sdir, d.Name(), f.Name()))
				}
				for name, raw := range pages {
					sort.Strings(raw)
					md := filepath.Join(sdir, d.Name(), name+".md")
					if _, err := os.Stat(md); err != nil {
						continue
					}
					at, ok := dates[s.Name()+"/"+d.Name()+"/"+name]
					if !ok {
						at, _ = time.Parse("2006-01-02", name[4:])
					}
					byKey[s.Name()+"/"+d.Name()+"/"+name] = corpusVersion{
						service: s.Name(), docType: docType, name: name, at: at,
						md: md, raw: raw, decl: decl, history: hist,
					}
				}
			}
		}
	}
	out := make([]corpusVersion, 0, len(byKey))
	for _, v := range byKey {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].service != out[j].service {
			return out[i].service < out[j].service
		}
		if out[i].docType != out[j].docType {
			return out[i].docType < out[j].docType
		}
		return out[i].name < out[j].name
	})
	if len(out) == 0 {
		t.Skip("no corpus: neither testdata/corpus nor ../shared/corpus")
	}
	return out
}

// manifestDates reads the exact capture times from the manifests.
func manifestDates(t testing.TB) map[string]time.Time {
	out := map[string]time.Time{}
	for _, p := range []string{"testdata/corpus/manifest.json", filepath.Join(sharedCorpus, "manifest.json")} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var m struct {
			Files []struct {
				File string `json:"file"`
				Date string `json:"date"`
			} `json:"files"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, f := range m.Files {
			at, err := time.Parse(time.RFC3339, f.Date)
			if err != nil {
				continue
			}
			key := strings.TrimSuffix(f.File, filepath.Ext(f.File))
			key = regexp.MustCompile(`\.p\d+$`).ReplaceAllString(key, "")
			out[key] = at
		}
	}
	return out
}

func readDeclaration(t testing.TB, dir string) (catalog.Declaration, catalog.History, bool) {
	var decl catalog.Declaration
	b, err := os.ReadFile(filepath.Join(dir, "declaration.json"))
	if err != nil {
		return decl, nil, false
	}
	if err := json.Unmarshal(b, &decl); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	var hist catalog.History
	if b, err := os.ReadFile(filepath.Join(dir, "declaration.history.json")); err == nil {
		if err := json.Unmarshal(b, &hist); err != nil {
			t.Fatalf("%s history: %v", dir, err)
		}
	}
	return decl, hist, true
}

// docTypeFor maps a corpus folder (privacy-policy) to the declaration's
// document type (Privacy Policy).
func docTypeFor(decl catalog.Declaration, folder string) string {
	if folder == "cookie-policy" {
		folder = "trackers-policy"
	}
	for k := range decl.Terms {
		if strings.ReplaceAll(strings.ToLower(k), " ", "-") == folder {
			return k
		}
	}
	return ""
}

func (v corpusVersion) pages(t testing.TB) []Page {
	t.Helper()
	pages := make([]Page, len(v.raw))
	for i, p := range v.raw {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ct := "text/html; charset=utf-8"
		if strings.HasSuffix(p, ".pdf") {
			ct = "application/pdf"
		}
		pages[i] = Page{Body: b, ContentType: ct}
	}
	return pages
}

func (v corpusVersion) options() Options {
	src := v.decl.Terms[v.docType]
	return Options{Source: &src, History: v.history, DocType: v.docType, At: v.at}
}

// words splits normalized Markdown into word tokens, ignoring punctuation and
// Markdown syntax.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// bagF1 is the F1 score of two token multisets.
func bagF1(a, b []string) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	count := map[string]int{}
	for _, w := range a {
		count[w]++
	}
	common := 0
	for _, w := range b {
		if count[w] > 0 {
			count[w]--
			common++
		}
	}
	return 2 * float64(common) / float64(len(a)+len(b))
}

// seqRatio is 2·LCS/(|a|+|b|) over token sequences (order matters), by
// Myers' O(ND) algorithm, which is fast when the texts mostly agree.
func seqRatio(a, b []string) float64 {
	n, m := len(a), len(b)
	if n+m == 0 {
		return 1
	}
	maxD := n + m
	v := make([]int, 2*maxD+2)
	off := maxD + 1
	for d := 0; d <= maxD; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				lcs := (n + m - d) / 2
				return 2 * float64(lcs) / float64(n+m)
			}
		}
	}
	return 0
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
