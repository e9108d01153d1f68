package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/policybot/policybot/store"
)

// Audit is everything policybot holds on one platform, as evidence: each
// document's versions with the hashes of their texts and raw captures, its
// changes with their record addresses, and its current provisions. It is
// the JSON of /platforms/{slug}.json and what `policybot export` writes.
type Audit struct {
	GeneratedAt time.Time       `json:"generated_at"`
	Platform    AuditPlatform   `json:"platform"`
	Documents   []AuditDocument `json:"documents"`
}

// AuditPlatform identifies the platform.
type AuditPlatform struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Category string `json:"category,omitempty"`
	Homepage string `json:"homepage,omitempty"`
	URL      string `json:"url"`
}

// AuditDocument is one document's record.
type AuditDocument struct {
	Type          string           `json:"type"`
	URL           string           `json:"url"`
	Health        string           `json:"health"`
	LastCheckAt   *time.Time       `json:"last_check_at"`
	LastSuccessAt *time.Time       `json:"last_success_at"`
	Versions      []AuditVersion   `json:"versions"`
	Changes       []AuditChange    `json:"changes"`
	Provisions    []AuditProvision `json:"provisions"`
}

// AuditVersion is one captured text, newest first.
type AuditVersion struct {
	ID         uint            `json:"id"`
	CapturedAt time.Time       `json:"captured_at"`
	TextSHA256 string          `json:"text_sha256"`
	Technical  bool            `json:"technical"`
	Snapshots  []AuditSnapshot `json:"snapshots"`
}

// AuditSnapshot is one raw capture behind a version, as the audit file and
// the change record's evidence block show it.
type AuditSnapshot struct {
	ID          uint      `json:"id"`
	SHA256      string    `json:"sha256"`
	URL         string    `json:"url"`
	Status      int       `json:"http_status"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	FetchedAt   time.Time `json:"fetched_at"`
	Download    string    `json:"download"`
}

// AuditChange is one change, newest first.
type AuditChange struct {
	ID            uint      `json:"id"`
	URL           string    `json:"url"`
	DetectedAt    time.Time `json:"detected_at"`
	Kind          string    `json:"kind"`
	Severity      string    `json:"severity,omitempty"`
	Headline      string    `json:"headline,omitempty"`
	Categories    []string  `json:"categories"`
	FromVersionID *uint     `json:"from_version_id"`
	ToVersionID   uint      `json:"to_version_id"`
}

// AuditProvision is one provision of the document's latest version.
type AuditProvision struct {
	Category     string   `json:"category"`
	CategoryName string   `json:"category_name"`
	Heading      string   `json:"heading,omitempty"`
	Excerpt      string   `json:"excerpt"`
	Confidence   float64  `json:"confidence"`
	Evidence     []string `json:"evidence"`
	VersionID    uint     `json:"version_id"`
	Start        int      `json:"start"`
	End          int      `json:"end"`
}

// BuildAudit reads a platform's record from db. Absolute links start with
// publicURL. A platform that does not exist is an error wrapping
// store.ErrNotFound.
func BuildAudit(ctx context.Context, db *store.DB, slug, publicURL string, now time.Time) (*Audit, error) {
	base := strings.TrimRight(publicURL, "/")
	p, err := db.PlatformBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	a := &Audit{
		GeneratedAt: now.UTC(),
		Platform: AuditPlatform{Slug: p.Slug, Name: p.Name, Category: p.Category, Homepage: p.Homepage,
			URL: base + "/platforms/" + p.Slug},
		Documents: []AuditDocument{},
	}
	provs, err := db.Provisions(ctx, p.ID, "")
	if err != nil {
		return nil, err
	}
	for _, d := range p.Documents {
		ad := AuditDocument{Type: d.Type, URL: d.URL, Health: d.Health, LastCheckAt: utcPtr(d.LastCheckAt),
			LastSuccessAt: utcPtr(d.LastSuccessAt), Versions: []AuditVersion{}, Changes: []AuditChange{},
			Provisions: []AuditProvision{}}
		versions, err := db.Versions(ctx, d.ID, 0, false)
		if err != nil {
			return nil, err
		}
		var snapIDs []uint
		for _, v := range versions {
			snapIDs = append(snapIDs, store.SplitIDs(v.SnapshotIDs)...)
		}
		snaps, err := db.SnapshotsByIDs(ctx, snapIDs)
		if err != nil {
			return nil, err
		}
		byID := make(map[uint]store.Snapshot, len(snaps))
		for _, sn := range snaps {
			byID[sn.ID] = sn
		}
		for _, v := range versions {
			av := AuditVersion{ID: v.ID, CapturedAt: v.CapturedAt.UTC(), TextSHA256: v.SHA256, Technical: v.Technical,
				Snapshots: []AuditSnapshot{}}
			for _, id := range store.SplitIDs(v.SnapshotIDs) {
				sn, ok := byID[id]
				if !ok {
					continue
				}
				av.Snapshots = append(av.Snapshots, snapshotEvidence(sn, base))
			}
			ad.Versions = append(ad.Versions, av)
		}
		changes, err := db.Changes(ctx, d.ID, 0)
		if err != nil {
			return nil, err
		}
		for _, c := range changes {
			ad.Changes = append(ad.Changes, AuditChange{ID: c.ID, URL: fmt.Sprintf("%s/changes/%d", base, c.ID),
				DetectedAt: c.DetectedAt.UTC(), Kind: c.Kind, Severity: c.Severity, Headline: c.Headline,
				Categories: splitList(c.Categories), FromVersionID: c.FromVersionID, ToVersionID: c.ToVersionID})
		}
		for _, pr := range provs {
			if pr.DocumentID != d.ID {
				continue
			}
			ad.Provisions = append(ad.Provisions, AuditProvision{Category: pr.Category, CategoryName: categoryName(pr.Category),
				Heading: pr.Heading, Excerpt: pr.Excerpt, Confidence: pr.Confidence, Evidence: splitList(pr.Evidence),
				VersionID: pr.VersionID, Start: pr.Start, End: pr.End})
		}
		a.Documents = append(a.Documents, ad)
	}
	return a, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// splitList reads a comma-separated column; it never returns nil, so JSON
// shows [] rather than null.
func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// WriteJSON writes the audit as indented JSON.
func (a *Audit) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(a)
}

// csvHeader is the one table of the CSV audit: a record column says which
// kind of row it is (version, snapshot, change, provision).
var csvHeader = []string{"record", "platform", "document", "id", "time", "kind", "severity", "sha256", "category", "text", "url", "detail"}

// WriteCSV writes the audit as one CSV table, a row per version, snapshot,
// change and provision. Cells that a spreadsheet would run as a formula get
// a leading apostrophe (OWASP's advice): the JSON export keeps text exact.
func (a *Audit) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(cells ...string) {
		for i, c := range cells {
			cells[i] = csvSafe(c)
		}
		_ = cw.Write(cells)
	}
	row(csvHeader...)
	slug := a.Platform.Slug
	id := func(n uint) string { return strconv.FormatUint(uint64(n), 10) }
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	for _, d := range a.Documents {
		for _, v := range d.Versions {
			detail := ""
			if v.Technical {
				detail = "technical: re-extracted, not a policy change"
			}
			row("version", slug, d.Type, id(v.ID), ts(v.CapturedAt), "", "", v.TextSHA256, "", "", d.URL, detail)
			for _, sn := range v.Snapshots {
				row("snapshot", slug, d.Type, id(sn.ID), ts(sn.FetchedAt), sn.ContentType, "", sn.SHA256, "", "",
					sn.URL, fmt.Sprintf("version %d; HTTP %d; %d bytes; %s", v.ID, sn.Status, sn.Size, sn.Download))
			}
		}
		for _, c := range d.Changes {
			from := "none"
			if c.FromVersionID != nil {
				from = id(*c.FromVersionID)
			}
			row("change", slug, d.Type, id(c.ID), ts(c.DetectedAt), c.Kind, c.Severity, "", strings.Join(c.Categories, ";"),
				c.Headline, c.URL, fmt.Sprintf("version %s to %d", from, c.ToVersionID))
		}
		for _, p := range d.Provisions {
			row("provision", slug, d.Type, id(p.VersionID), "", "", "", "", p.Category, p.Excerpt, "",
				fmt.Sprintf("confidence %.2f; evidence: %s", p.Confidence, strings.Join(p.Evidence, ", ")))
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteMarkdown writes the audit as a Markdown report a person can read and
// file: per document, its versions, changes and provisions.
func (a *Audit) WriteMarkdown(w io.Writer) error {
	ew := &errWriter{w: w}
	p := a.Platform
	ew.printf("# %s: policy audit\n\n", mdText(p.Name))
	ew.printf("Generated %s by policybot from %s.  \n", a.GeneratedAt.Format("2 January 2006 15:04 UTC"), p.URL)
	ew.printf("Every text is identified by the SHA-256 of its normalized Markdown; every raw capture by the SHA-256 of its bytes, downloadable exactly as fetched.\n")
	for _, d := range a.Documents {
		ew.printf("\n## %s\n\n", mdText(d.Type))
		ew.printf("Source: %s  \nHealth: %s; last checked %s.\n", mdText(d.URL), d.Health, timeOrNever(d.LastCheckAt))
		ew.printf("\n### Changes (%d)\n\n", len(d.Changes))
		if len(d.Changes) == 0 {
			ew.printf("None recorded.\n")
		} else {
			ew.printf("| # | detected | kind | severity | headline | record |\n|---|---|---|---|---|---|\n")
			for _, c := range d.Changes {
				ew.printf("| %d | %s | %s | %s | %s | %s |\n", c.ID, c.DetectedAt.Format("2006-01-02 15:04"), c.Kind,
					orDash(c.Severity), mdCell(orDash(c.Headline)), c.URL)
			}
		}
		ew.printf("\n### Versions (%d)\n\n", len(d.Versions))
		if len(d.Versions) == 0 {
			ew.printf("None captured.\n")
		} else {
			ew.printf("| version | captured | text SHA-256 | raw captures (SHA-256) |\n|---|---|---|---|\n")
			for _, v := range d.Versions {
				var snaps []string
				for _, sn := range v.Snapshots {
					snaps = append(snaps, fmt.Sprintf("#%d `%s` [download](%s)", sn.ID, sn.SHA256, sn.Download))
				}
				note := ""
				if v.Technical {
					note = " (technical)"
				}
				ew.printf("| %d%s | %s | `%s` | %s |\n", v.ID, note, v.CapturedAt.Format("2006-01-02 15:04"), v.TextSHA256,
					orDash(strings.Join(snaps, "<br>")))
			}
		}
		ew.printf("\n### Provisions of the current version (%d)\n\n", len(d.Provisions))
		if len(d.Provisions) == 0 {
			ew.printf("None indexed.\n")
		}
		for _, pr := range d.Provisions {
			where := ""
			if pr.Heading != "" {
				where = " — under “" + mdText(pr.Heading) + "”"
			}
			ew.printf("- **%s**%s (confidence %.0f%%; cues: %s)\n  > %s\n", mdText(pr.CategoryName), where,
				pr.Confidence*100, mdText(orDash(strings.Join(pr.Evidence, ", "))), mdText(pr.Excerpt))
		}
	}
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func timeOrNever(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// mdText keeps policy text on one line and stops it from opening HTML.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s)
}

// mdCell is mdText that also cannot end a table cell.
func mdCell(s string) string { return strings.ReplaceAll(mdText(s), "|", `\|`) }

// snapshotEvidence describes a stored capture, with the address (under
// base, the public URL) where it is downloaded exactly as fetched.
func snapshotEvidence(sn store.Snapshot, base string) AuditSnapshot {
	return AuditSnapshot{ID: sn.ID, SHA256: sn.SHA256, URL: sn.URL, Status: sn.Status, ContentType: sn.ContentType,
		Size: sn.Size, FetchedAt: sn.FetchedAt.UTC(), Download: fmt.Sprintf("%s/snapshots/%d/raw", strings.TrimRight(base, "/"), sn.ID)}
}
