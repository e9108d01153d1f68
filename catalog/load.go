package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

const historySuffix = ".history.json"

// LoadDir reads every declaration under dir (NAME.json, with its earlier
// sources in NAME.history.json beside it), walking subfolders so that a
// collection's repository can be given as is. A declaration with any problem
// is skipped and its problems returned, each naming the file (relative to dir)
// and the field; the rest load. A history file with a problem is skipped on
// its own: its declaration still loads, without history. Two files that give
// the same slug are merged: the first in path order keeps the document types
// both declare. Platforms come back sorted by slug.
func LoadDir(dir string) ([]Platform, []Problem) {
	var decls, histories []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(name, historySuffix):
			histories = append(histories, path)
		case strings.HasSuffix(name, ".json"):
			decls = append(decls, path)
		}
		return nil
	})
	if err != nil {
		return nil, []Problem{{File: dir, Message: fmt.Sprintf("cannot read the folder: %v", err)}}
	}
	sort.Strings(decls)
	rel := func(path string) string {
		if r, err := filepath.Rel(dir, path); err == nil {
			return filepath.ToSlash(r)
		}
		return path
	}

	var problems []Problem
	bySlug := map[string]int{}
	var platforms []Platform
	claimed := map[string]bool{} // history files that have their declaration
	for _, path := range decls {
		file := rel(path)
		d, ps := readDeclaration(path)
		if len(ps) == 0 {
			ps = Validate(d)
		}
		if len(ps) > 0 {
			for i := range ps {
				ps[i].File = file
			}
			problems = append(problems, ps...)
			continue
		}
		p := platformOf(d)
		hpath := strings.TrimSuffix(path, ".json") + historySuffix
		claimed[hpath] = true
		if h, ps, err := readHistory(hpath); err == nil {
			if len(ps) > 0 {
				for i := range ps {
					ps[i].File = rel(hpath)
				}
				problems = append(problems, ps...)
			} else {
				p.History = h
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			problems = append(problems, Problem{File: rel(hpath), Message: err.Error()})
		}
		if i, ok := bySlug[p.Slug]; ok {
			platforms[i] = mergeInto(platforms[i], p)
			continue
		}
		bySlug[p.Slug] = len(platforms)
		platforms = append(platforms, p)
	}
	sort.Strings(histories)
	for _, h := range histories {
		if !claimed[h] {
			if _, err := os.Stat(strings.TrimSuffix(h, historySuffix) + ".json"); errors.Is(err, fs.ErrNotExist) {
				problems = append(problems, Problem{File: rel(h), Message: "no declaration " +
					filepath.Base(strings.TrimSuffix(h, historySuffix)) + ".json beside it"})
			}
		}
	}
	sort.Slice(platforms, func(i, j int) bool { return platforms[i].Slug < platforms[j].Slug })
	sortProblems(problems)
	return platforms, problems
}

// platformOf builds a platform from a valid declaration, with the aliases and
// homepage its URLs give.
func platformOf(d Declaration) Platform {
	p := Platform{
		Slug:      Slug(d.Name),
		Name:      d.Name,
		Documents: d.Terms,
	}
	p.Homepage = homepageOf(p.firstFetch())
	p.Aliases = autoAliases(p)
	return p
}

// mergeInto adds to a the document types only b declares.
func mergeInto(a, b Platform) Platform {
	for t, src := range b.Documents {
		if _, ok := a.Documents[t]; ok {
			continue
		}
		a.Documents[t] = src
		if h := b.History[t]; len(h) > 0 {
			if a.History == nil {
				a.History = History{}
			}
			a.History[t] = h
		}
	}
	a.Aliases = unionAliases(a.Aliases, b.Aliases)
	return a
}

// ParseDeclaration decodes one declaration file's content, naming the field
// of every problem (File is left empty). It checks the JSON shape only; call
// Validate for what the values mean.
func ParseDeclaration(data []byte) (Declaration, []Problem) {
	var d Declaration
	top, p := decodeObject("", data)
	if p != nil {
		return d, []Problem{*p}
	}
	var ps []Problem
	hasTerms := false
	for _, k := range sortedKeys(top) {
		raw := top[k]
		switch {
		case strings.EqualFold(k, "name"):
			ps = appendProblem(ps, decodeValue(k, raw, &d.Name, "a string"))
		case strings.EqualFold(k, "importedFrom"):
			ps = appendProblem(ps, decodeValue(k, raw, &d.ImportedFrom, "a string"))
		case strings.EqualFold(k, "terms"):
			hasTerms = true
			terms, p := decodeObject(k, raw)
			if p != nil {
				ps = append(ps, *p)
				continue
			}
			d.Terms = make(map[string]DocumentSource, len(terms))
			for _, t := range sortedKeys(terms) {
				src, _, tps := decodeSource("terms["+strconv.Quote(t)+"]", terms[t], false)
				ps = append(ps, tps...)
				d.Terms[t] = src
			}
		case k == "$schema":
			// Editors add it; it says nothing about the service.
		default:
			ps = append(ps, Problem{Field: k, Message: "unknown field (want name, terms, importedFrom)"})
		}
	}
	if !hasTerms {
		ps = append(ps, Problem{Field: "terms", Message: "missing"})
	}
	return d, ps
}

// ParseHistory decodes one *.history.json file's content: per document type,
// its earlier sources, each with the validUntil date it stopped being used.
func ParseHistory(data []byte) (History, []Problem) {
	top, p := decodeObject("", data)
	if p != nil {
		return nil, []Problem{*p}
	}
	h := make(History, len(top))
	var ps []Problem
	for _, t := range sortedKeys(top) {
		path := "[" + strconv.Quote(t) + "]"
		var entries []json.RawMessage
		if err := json.Unmarshal(top[t], &entries); err != nil {
			ps = append(ps, Problem{Field: path, Message: "want an array of earlier sources"})
			continue
		}
		for i, raw := range entries {
			ep := fmt.Sprintf("%s[%d]", path, i)
			src, until, eps := decodeSource(ep, raw, true)
			if len(eps) == 0 {
				eps = validateSource(ep, src)
			}
			ps = append(ps, eps...)
			h[t] = append(h[t], HistoricalSource{DocumentSource: src, ValidUntil: until})
		}
	}
	return h, ps
}

func readDeclaration(path string) (Declaration, []Problem) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Declaration{}, []Problem{{Message: fmt.Sprintf("cannot read: %v", err)}}
	}
	return ParseDeclaration(data)
}

// readHistory returns fs.ErrNotExist (wrapped) when there is no history file.
func readHistory(path string) (History, []Problem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	h, ps := ParseHistory(data)
	return h, ps, nil
}

// decodeSource decodes one document source (or a history entry, which also
// carries validUntil) field by field, so that each problem names its field.
func decodeSource(path string, raw json.RawMessage, history bool) (DocumentSource, time.Time, []Problem) {
	var (
		src   DocumentSource
		until time.Time
		ps    []Problem
	)
	obj, p := decodeObject(path, raw)
	if p != nil {
		return src, until, []Problem{*p}
	}
	want := "fetch, select, remove, filter, executeClientScripts, combine"
	if history {
		want += ", validUntil"
	}
	hasUntil := false
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		field := path + "." + k
		if isNull(v) {
			continue
		}
		switch {
		case strings.EqualFold(k, "fetch"):
			ps = appendProblem(ps, decodeValue(field, v, &src.Fetch, "a URL string"))
		case strings.EqualFold(k, "select"):
			src.Select, ps = decodeSelectors(field, v, ps)
		case strings.EqualFold(k, "remove"):
			src.Remove, ps = decodeSelectors(field, v, ps)
		case strings.EqualFold(k, "filter"):
			ps = appendProblem(ps, decodeValue(field, v, &src.Filter, "an array of filter names"))
		case strings.EqualFold(k, "executeClientScripts"):
			ps = appendProblem(ps, decodeValue(field, v, &src.ExecuteClientScripts, "true or false"))
		case strings.EqualFold(k, "combine"):
			src.Combine, ps = decodePages(field, v, ps)
		case history && strings.EqualFold(k, "validUntil"):
			hasUntil = true
			var s string
			if p := decodeValue(field, v, &s, "a date such as 2024-01-31T00:00:00Z"); p != nil {
				ps = append(ps, *p)
				continue
			}
			t, err := parseDate(s)
			if err != nil {
				ps = append(ps, Problem{Field: field, Message: fmt.Sprintf("%q is not a date such as 2024-01-31T00:00:00Z", s)})
				continue
			}
			until = t
		default:
			ps = append(ps, Problem{Field: field, Message: "unknown field (want " + want + ")"})
		}
	}
	if history && !hasUntil {
		ps = append(ps, Problem{Field: path + ".validUntil", Message: "missing"})
	}
	return src, until, ps
}

func decodePages(field string, raw json.RawMessage, ps []Problem) ([]Page, []Problem) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, append(ps, Problem{Field: field, Message: "want an array of pages"})
	}
	pages := make([]Page, 0, len(items))
	for i, item := range items {
		pp := fmt.Sprintf("%s[%d]", field, i)
		obj, p := decodeObject(pp, item)
		if p != nil {
			ps = append(ps, *p)
			continue
		}
		var pg Page
		for _, k := range sortedKeys(obj) {
			v := obj[k]
			f := pp + "." + k
			if isNull(v) {
				continue
			}
			switch {
			case strings.EqualFold(k, "fetch"):
				ps = appendProblem(ps, decodeValue(f, v, &pg.Fetch, "a URL string"))
			case strings.EqualFold(k, "select"):
				pg.Select, ps = decodeSelectors(f, v, ps)
			case strings.EqualFold(k, "remove"):
				pg.Remove, ps = decodeSelectors(f, v, ps)
			case strings.EqualFold(k, "filter"):
				ps = appendProblem(ps, decodeValue(f, v, &pg.Filter, "an array of filter names"))
			case strings.EqualFold(k, "executeClientScripts"):
				var b bool
				if p := decodeValue(f, v, &b, "true or false"); p != nil {
					ps = append(ps, *p)
					continue
				}
				pg.ExecuteClientScripts = &b
			default:
				ps = append(ps, Problem{Field: f, Message: "unknown field (want fetch, select, remove, filter, executeClientScripts)"})
			}
		}
		pages = append(pages, pg)
	}
	return pages, ps
}

// decodeSelectors decodes one selector or an array of them, naming a bad
// element by its index.
func decodeSelectors(field string, raw json.RawMessage, ps []Problem) (Selectors, []Problem) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, append(ps, Problem{Field: field, Message: fmt.Sprintf("invalid JSON: %v", err)})
		}
		out := make(Selectors, 0, len(items))
		for i, item := range items {
			var s Selector
			if err := decodeSelector(item, &s); err != nil {
				ps = append(ps, Problem{Field: fmt.Sprintf("%s[%d]", field, i), Message: err.Error()})
				continue
			}
			out = append(out, s)
		}
		return out, ps
	}
	var s Selector
	if err := decodeSelector(raw, &s); err != nil {
		return nil, append(ps, Problem{Field: field, Message: err.Error()})
	}
	return Selectors{s}, ps
}

func decodeSelector(raw json.RawMessage, s *Selector) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '"' && raw[0] != '{') {
		return errors.New("want a CSS selector string or a {startBefore|startAfter, endBefore|endAfter} range")
	}
	return s.UnmarshalJSON(raw)
}

// decodeObject decodes raw as a JSON object; field names it in the problem.
func decodeObject(field string, raw []byte) (map[string]json.RawMessage, *Problem) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			line, col := position(raw, syn.Offset)
			return nil, &Problem{Field: field, Message: fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, err)}
		}
		return nil, &Problem{Field: field, Message: "want an object"}
	}
	if obj == nil {
		return nil, &Problem{Field: field, Message: "want an object, got null"}
	}
	return obj, nil
}

// decodeValue decodes raw into dst, or returns a problem saying what was wanted.
func decodeValue(field string, raw json.RawMessage, dst any, want string) *Problem {
	if err := json.Unmarshal(raw, dst); err != nil {
		msg := "want " + want
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			msg += ", got " + te.Value
		} else {
			msg += ": " + err.Error()
		}
		return &Problem{Field: field, Message: msg}
	}
	return nil
}

func appendProblem(ps []Problem, p *Problem) []Problem {
	if p != nil {
		ps = append(ps, *p)
	}
	return ps
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// dateLayouts are the forms validUntil takes in the collections: RFC 3339,
// and the offset without a colon that JavaScript's Date also reads.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04Z07:00", "2006-01-02"}

func parseDate(s string) (time.Time, error) {
	var err error
	for _, layout := range dateLayouts {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, err
}
