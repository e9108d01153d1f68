package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/policybot/policybot/catalog"
	"github.com/policybot/policybot/monitor/diff"
	"github.com/policybot/policybot/monitor/extract"
	"github.com/policybot/policybot/monitor/guard"
)

// diffOutput is the JSON form of `policybot diff`. Guard is set when the new
// text would be refused by the monitor (an error page, a collapse...).
// Summary is the analysis's reading of the change, filled in by the analysis
// package when it is wired in.
type diffOutput struct {
	diff.Result
	Old     string         `json:"old"`
	New     string         `json:"new"`
	Guard   *guard.Verdict `json:"guard,omitempty"`
	Summary any            `json:"summary,omitempty"`
}

// runDiff compares two versions of a document: `.md` files are taken as
// extracted text (normalized), anything else is a captured page and is
// extracted first, with the declaration when one is given.
func runDiff(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlags("diff")
	formatOpt := addFormat(fs, "output format", "text", "json")
	declPath := fs.String("declaration", "", "Open Terms Archive declaration (JSON) for .html inputs")
	docType := fs.String("type", "", `document type in the declaration (default: the only one, or "Privacy Policy")`)
	files, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if len(files) != 2 {
		return usageError{fmt.Sprintf("want two files, OLD and NEW; got %d", len(files))}
	}
	format, err := formatOpt.get()
	if err != nil {
		return err
	}
	var src *diffSource
	if *declPath != "" {
		if src, err = loadDiffSource(*declPath, *docType); err != nil {
			return err
		}
	}
	oldText, oldRaw, _, err := readDiffVersion(files[0], src)
	if err != nil {
		return err
	}
	newText, newRaw, newTitle, err := readDiffVersion(files[1], src)
	if err != nil {
		return err
	}

	out := diffOutput{Result: diff.Compare(oldText, newText), Old: files[0], New: files[1]}
	if out.Kind == diff.KindNone && oldRaw != newRaw {
		// Normalization took away every difference (a link URL, quotes,
		// spacing). Say what it was rather than "identical".
		if raw := diff.Compare(oldRaw, newRaw); raw.Kind == diff.KindCosmetic {
			out.Result = raw
		}
	}
	if v := guard.Inspect(guard.Page{Title: newTitle, Text: newText}, oldText); !v.OK {
		out.Guard = &v
	}
	if format == "json" {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	writeDiffText(m.Stdout, out)
	return nil
}

// diffSource is the declaration of the document being compared.
type diffSource struct {
	docType string
	source  catalog.DocumentSource
	history catalog.History
}

func loadDiffSource(path, docType string) (*diffSource, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read declaration: %w", err)
	}
	decl, problems := catalog.ParseDeclaration(data)
	if len(decl.Terms) == 0 {
		if len(problems) > 0 {
			return nil, fmt.Errorf("declaration %s: %v", path, problems[0])
		}
		return nil, fmt.Errorf("declaration %s: no documents", path)
	}
	if docType == "" {
		if _, ok := decl.Terms["Privacy Policy"]; ok || len(decl.Terms) > 1 {
			docType = "Privacy Policy"
		} else {
			for t := range decl.Terms {
				docType = t
			}
		}
	}
	source, ok := decl.Terms[docType]
	if !ok {
		types := make([]string, 0, len(decl.Terms))
		for t := range decl.Terms {
			types = append(types, t)
		}
		sort.Strings(types)
		return nil, usageError{fmt.Sprintf("no %q in %s (it has %s)", docType, path, strings.Join(types, ", "))}
	}
	s := &diffSource{docType: docType, source: source}
	histPath := strings.TrimSuffix(path, ".json") + ".history.json"
	if data, err := os.ReadFile(histPath); err == nil {
		h, problems := catalog.ParseHistory(data)
		if h == nil && len(problems) > 0 {
			return nil, fmt.Errorf("declaration history %s: %v", histPath, problems[0])
		}
		s.history = h
	}
	return s, nil
}

// diffCaptureDate reads the date of a capture from a corpus-style file name
// (NNN-YYYY-MM-DD...); the declaration in force then is the one used.
var diffCaptureDate = regexp.MustCompile(`(?:^|[^0-9])(\d{4}-\d{2}-\d{2})(?:[^0-9]|$)`)

// readDiffVersion returns the normalized text of one version, the text as
// written in the file for Markdown inputs (else the normalized text again),
// and the page's title.
func readDiffVersion(path string, src *diffSource) (text, raw, title string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", "", err
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".html" && ext != ".htm" && ext != ".pdf" {
		return extract.Normalize(string(data)), string(data), "", nil
	}
	ct := "text/html; charset=utf-8"
	if ext == ".pdf" {
		ct = "application/pdf"
	}
	opts := extract.Options{At: time.Now()}
	if src != nil {
		opts.Source, opts.History, opts.DocType = &src.source, src.history, src.docType
	}
	if d := diffCaptureDate.FindStringSubmatch(filepath.Base(path)); d != nil {
		if t, err := time.Parse("2006-01-02", d[1]); err == nil {
			opts.At = t
		}
	}
	res, err := extract.Extract([]extract.Page{{Body: data, ContentType: ct}}, opts)
	if err != nil {
		if v := guard.ExtractFailure(err); v.Reason != "" {
			return "", "", "", fmt.Errorf("%s: %s", path, v.Detail)
		}
		return "", "", "", fmt.Errorf("extract %s: %w", path, err)
	}
	return res.Markdown, res.Markdown, res.Title, nil
}

// writeDiffText prints the comparison for a person: the verdict first, then
// the substantive edits section by section with word marks ([-removed-],
// {+added+}), then a count of the cosmetic ones.
func writeDiffText(w io.Writer, out diffOutput) {
	r := out.Result
	var subst, cosm []diff.Edit
	for _, e := range r.Edits {
		if e.Substantive {
			subst = append(subst, e)
		} else {
			cosm = append(cosm, e)
		}
	}
	switch r.Kind {
	case diff.KindNone:
		fmt.Fprintln(w, "none: the two versions say the same thing, word for word.")
	case diff.KindCosmetic:
		if len(cosm) == 0 {
			fmt.Fprintln(w, "cosmetic: only blank lines or indentation differ.")
		} else {
			fmt.Fprintf(w, "cosmetic: %s; nothing the policy says changed.\n", diffPlural(len(cosm), "cosmetic edit"))
		}
	default:
		fmt.Fprintf(w, "substantive: %s in %s (%d words added, %d removed)", diffPlural(len(subst), "change"),
			diffPlural(diffSections(subst), "section"), r.Stats.WordsInserted, r.Stats.WordsDeleted)
		if len(cosm) > 0 {
			fmt.Fprintf(w, ", plus %s", diffPlural(len(cosm), "cosmetic edit"))
		}
		fmt.Fprintln(w, ".")
	}
	if out.Guard != nil {
		fmt.Fprintf(w, "warning: the monitor would refuse the new version (%s): %s.\n", out.Guard.Reason, out.Guard.Detail)
	}

	section := "\x00"
	for _, e := range subst {
		if e.Section != section {
			section = e.Section
			name := section
			if name == "" {
				name = "(top of the document)"
			}
			fmt.Fprintf(w, "\n## %s\n", name)
		}
		switch e.Op {
		case diff.OpAdded:
			fmt.Fprintf(w, "+ %s\n", diffOneLine(e.After))
		case diff.OpRemoved:
			fmt.Fprintf(w, "- %s\n", diffOneLine(e.Before))
		default:
			if e.Op == diff.OpMoved {
				fmt.Fprintf(w, "  (moved from %q)\n", e.FromSection)
			}
			fmt.Fprintf(w, "- %s\n+ %s\n", diffMarked(e.Words, diff.WordDelete), diffMarked(e.Words, diff.WordInsert))
		}
	}

	if len(cosm) > 0 {
		fmt.Fprintln(w, "\nCosmetic edits (recorded, not announced):")
		byReason := map[string][]diff.Edit{}
		var reasons []string
		for _, e := range cosm {
			if _, ok := byReason[e.Reason]; !ok {
				reasons = append(reasons, e.Reason)
			}
			byReason[e.Reason] = append(byReason[e.Reason], e)
		}
		for _, reason := range reasons {
			es := byReason[reason]
			e := es[0]
			example := diffOneLine(e.After)
			switch {
			case e.Op == diff.OpRemoved:
				example = diffOneLine(e.Before)
			case e.Words != nil:
				example = diffMarked(e.Words, "")
			}
			fmt.Fprintf(w, "  %-11s %3d  %s %s\n", reason, len(es), e.Op, diffClip(example, 160))
		}
	}
}

// diffMarked renders word runs: equal text, plus the runs of op diffMarked. op ""
// marks both deletions and insertions.
func diffMarked(words []diff.Word, op diff.WordOp) string {
	var b strings.Builder
	for k, w := range words {
		switch {
		case w.Op == diff.WordEqual:
			b.WriteString(diffElide(w.Text, k == 0, k == len(words)-1))
		case w.Op == diff.WordDelete && (op == diff.WordDelete || op == ""):
			b.WriteString("[-" + w.Text + "-]")
		case w.Op == diff.WordInsert && (op == diff.WordInsert || op == ""):
			b.WriteString("{+" + w.Text + "+}")
		}
	}
	return diffOneLine(b.String())
}

// diffElide shortens long unchanged stretches so that a changed word in a
// long paragraph stays visible: the start of a block keeps only the words
// before the first change, the end only those after the last.
func diffElide(s string, first, last bool) string {
	const keep = 50
	r := []rune(s)
	switch {
	case first && last, len(r) <= 2*keep+10:
		return s
	case first:
		return "…" + string(r[len(r)-keep:])
	case last:
		return string(r[:keep]) + "…"
	}
	return string(r[:keep]) + " … " + string(r[len(r)-keep:])
}

func diffOneLine(s string) string { return strings.ReplaceAll(s, "\n", " ⏎ ") }

func diffClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func diffSections(es []diff.Edit) int {
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Section] = true
	}
	return len(seen)
}

func diffPlural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
