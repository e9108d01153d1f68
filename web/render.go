package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/policybot/policybot/analysis"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds one template set per page, each with the shared layout.
type pages struct {
	set map[string]*template.Template
	// styleVersion is a hash of the stylesheet, appended to its link so a
	// changed stylesheet is never served from a stale cache.
	styleVersion string
}

func mustParsePages() *pages {
	css, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		panic(fmt.Sprintf("web: embedded stylesheet: %v", err))
	}
	sum := sha256.Sum256(css)
	p := &pages{set: map[string]*template.Template{}, styleVersion: hex.EncodeToString(sum[:6])}
	base := template.Must(template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" {
			continue
		}
		t := template.Must(base.Clone())
		p.set[strings.TrimSuffix(name, ".html")] = template.Must(t.ParseFS(templateFS, n))
	}
	return p
}

// page is what every template receives.
type page struct {
	Title string
	// Description is the page's one-line summary (meta description).
	Description string
	// Canonical is the page's absolute address, when it has a stable one.
	Canonical string
	// Feed and JSON are alternate forms of the page, when it has them.
	Feed, JSON   string
	StyleVersion string
	Data         any
}

// render writes a page; a template error becomes a 500 that is logged.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	t, ok := s.pages.set[name]
	if !ok {
		panic("web: no template " + name)
	}
	p.StyleVersion = s.pages.styleVersion
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("render page", slog.String("page", name), slog.Any("err", err))
		http.Error(w, "The page could not be drawn; the error is logged.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// errorView is the body of an error page.
type errorView struct {
	Code    int
	Status  string
	Message string
	// Hints are links that may help, e.g. the compare form or the platform list.
	Hints []link
}

type link struct{ Href, Text string }

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, code int, msg string, hints ...link) {
	if len(hints) == 0 {
		hints = []link{{"/", "Recent changes"}, {"/platforms", "All platforms"}}
	}
	s.render(w, r, code, "error", page{Title: http.StatusText(code),
		Data: errorView{Code: code, Status: http.StatusText(code), Message: msg, Hints: hints}})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	s.errorPage(w, r, http.StatusNotFound, msg)
}

func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, msg string, hints ...link) {
	s.errorPage(w, r, http.StatusBadRequest, msg, hints...)
}

// serverError logs err and shows a page that does not repeat it.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", slog.String("path", redactPath(r.URL.Path)), slog.Any("err", err))
	s.errorPage(w, r, http.StatusInternalServerError, "Something broke on our side. The error is logged; try again in a moment.")
}

// writeJSON writes v indented, with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, `{"error":"encode"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// jsonError is the body of every JSON error.
type jsonError struct {
	Error string `json:"error"`
}

func (s *Server) jsonFail(w http.ResponseWriter, r *http.Request, code int, msg string, err error) {
	if code >= 500 {
		s.log.Error("request failed", slog.String("path", redactPath(r.URL.Path)), slog.Any("err", err))
	}
	writeJSON(w, code, jsonError{msg})
}

// serveConditional answers a representation that has an ETag (the body's
// hash unless one is set already) and a time of last modification:
// If-None-Match and If-Modified-Since get a 304, HEAD the headers alone.
func serveConditional(w http.ResponseWriter, r *http.Request, contentType string, modified time.Time, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	if h.Get("ETag") == "" {
		h.Set("ETag", etagOf(body))
	}
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", modified.UTC().Truncate(time.Second), bytes.NewReader(body))
}

// etagOf is a strong entity tag for b.
func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// severityLabels are the words shown on badges.
var severityLabels = map[string]string{
	string(analysis.SeverityCritical):  "Critical",
	string(analysis.SeverityImportant): "Important",
	string(analysis.SeverityNotice):    "Notice",
	string(analysis.SeverityInfo):      "Info",
}

var templateFuncs = template.FuncMap{
	// when is a time for people: the day and the minute, in UTC.
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	},
	"day": func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"whenPtr": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	},
	"short": func(h string) string {
		if len(h) > 12 {
			return h[:12]
		}
		return h
	},
	"pct": func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	// severityLabel takes any: summaries hold analysis.Severity, rows strings.
	"severityLabel": func(s any) string {
		v := fmt.Sprint(s)
		if l, ok := severityLabels[v]; ok {
			return l
		}
		return v
	},
	"join": strings.Join,
	"bytes": func(n int64) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d bytes", n)
	},
	"categoryName": categoryName,
	"add":          func(a, b int) int { return a + b },
}

// categoryName is a provision category's display name, or its id when the
// taxonomy no longer has it.
func categoryName(id string) string {
	if c, ok := analysis.CategoryByID(id); ok {
		return c.Name
	}
	return id
}
