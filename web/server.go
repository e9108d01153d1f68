// Package web is policybot's HTTP surface: the pages alerts link to, feeds,
// JSON, health and metrics.
//
// Routes (GET and HEAD):
//
//	/                               tracked platforms and recent changes
//	/platforms                      every platform (?q= filters)
//	/platforms/{slug}               documents, provisions by category, timeline
//	/platforms/{slug}.json          the same as an audit file (versions, changes, provisions)
//	/platforms/{slug}/feed.atom     Atom feed of the platform's substantive changes
//	/changes/{id}                   the change record: summary, diff, evidence
//	/changes/{id}.json              the same as JSON
//	/snapshots/{id}/raw             a raw capture, exactly as fetched, as a download
//	/compare?platforms=a,b&category=c   one column per platform (/compare.json too)
//	/feeds/{token}.atom             a channel's feed; the token is the secret
//	/healthz                        store, scheduler and adapters, as JSON (200 or 503)
//	/metrics                        Prometheus text format
//	/static/...                     the stylesheet and icon, embedded
//
// A Server is built with New and served through Handler. Other packages add
// their own endpoints (the Slack and Discord adapters' webhooks) with Mount
// before the server starts:
//
//	srv := web.New(web.Options{DB: db, PublicURL: cfg.PublicURL, Health: health})
//	srv.Mount("POST /hooks/example", handler)
//	srv.MountRoutes(slackAdapter.Routes) // func(*http.ServeMux)
//	http.ListenAndServe(addr, srv.Handler())
//
// Every response, mounted ones included, carries the security headers
// (a CSP without scripts, no-sniff, no framing, no referrer), and every
// request is logged with slog (method, path with any feed token redacted,
// status, bytes, duration). Pages work without JavaScript and escape every
// policy string through html/template.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/policybot/policybot/metrics"
	"github.com/policybot/policybot/store"
)

// Options configure a Server.
type Options struct {
	DB *store.DB
	// PublicURL is the base of every absolute link (feeds, "cite this",
	// JSON): the address people reach this server at (config public_url).
	PublicURL string
	// Health reports the parts the server does not own: the scheduler, the
	// chat adapters. A nil error is healthy. The store is always checked.
	Health func(ctx context.Context) map[string]error
	// Metrics is served at /metrics and counts requests; nil makes one that
	// reads DB at scrape time.
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Server is the HTTP surface. Its handler is safe for concurrent use.
type Server struct {
	db        *store.DB
	publicURL string
	health    func(ctx context.Context) map[string]error
	metrics   *metrics.Metrics
	log       *slog.Logger
	now       func() time.Time
	mux       *http.ServeMux
	pages     *pages
}

// New builds a Server with every route registered.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Metrics == nil {
		var src metrics.Store
		if opts.DB != nil {
			src = opts.DB
		}
		opts.Metrics = metrics.New(metrics.Options{Store: src, Logger: opts.Logger})
	}
	s := &Server{
		db:        opts.DB,
		publicURL: strings.TrimRight(opts.PublicURL, "/"),
		health:    opts.Health,
		metrics:   opts.Metrics,
		log:       opts.Logger.With("component", "web"),
		now:       opts.Now,
		mux:       http.NewServeMux(),
		pages:     mustParsePages(),
	}
	s.routes()
	return s
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /{$}", s.handleIndex)
	m.HandleFunc("GET /platforms", s.handlePlatforms)
	m.HandleFunc("GET /platforms/{slug}", s.handlePlatform) // also {slug}.json
	m.HandleFunc("GET /platforms/{slug}/feed.atom", s.handlePlatformFeed)
	m.HandleFunc("GET /changes/{id}", s.handleChange) // also {id}.json
	m.HandleFunc("GET /snapshots/{id}/raw", s.handleSnapshotRaw)
	m.HandleFunc("GET /compare", s.handleCompare)
	m.HandleFunc("GET /compare.json", s.handleCompareJSON)
	m.HandleFunc("GET /feeds/{file}", s.handleChannelFeed)
	m.HandleFunc("GET /healthz", s.handleHealth)
	m.Handle("GET /metrics", s.metrics.Handler())
	m.HandleFunc("GET /static/{file}", s.handleStatic)
	m.HandleFunc("GET /favicon.ico", s.handleFavicon)
	m.HandleFunc("/", s.handleFallback)
}

// Mount adds a handler for pattern (a net/http ServeMux pattern such as
// "POST /slack/events"). It panics, as ServeMux does, when pattern conflicts
// with a route already registered.
func (s *Server) Mount(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// MountRoutes lets a package that registers its own routes on a ServeMux
// (the Slack and Discord adapters' Routes methods) add them to this server;
// they get the same headers, logs and metrics as every other route.
func (s *Server) MountRoutes(register func(mux *http.ServeMux)) { register(s.mux) }

// Metrics returns the server's metrics, for the monitor, notifier and router.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// Handler is the whole surface, with security headers, request logs,
// request metrics and panic recovery around every route.
func (s *Server) Handler() http.Handler {
	return s.observe(securityHeaders(s.recover(s.mux)))
}

// The content security policy of every page: no script at all, styles from
// our own stylesheet only, nothing may frame us.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", slog.String("path", redactPath(r.URL.Path)),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			if rw, ok := w.(*recorder); ok && rw.status != 0 {
				return // headers are gone; the client sees a cut response
			}
			s.errorPage(w, r, http.StatusInternalServerError, "Something broke on our side. The error is logged; try again in a moment.")
		}()
		next.ServeHTTP(w, r)
	})
}

// recorder remembers the status and size of a response, for the log line.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := s.now().Sub(start)
		// The mux sets r.Pattern on the request it is given: a bounded label
		// that never holds a token.
		s.metrics.ObserveHTTP(r.Pattern, rec.status, d)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", redactPath(r.URL.Path)),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", d))
	})
}

// redactPath hides the secret part of a channel feed's path.
func redactPath(p string) string {
	if strings.HasPrefix(p, "/feeds/") {
		return "/feeds/REDACTED.atom"
	}
	return p
}

// handleFallback answers every path no route claims.
func (s *Server) handleFallback(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.errorPage(w, r, http.StatusMethodNotAllowed, "This address only answers GET requests.")
		return
	}
	s.notFound(w, r, "There is no page at this address.")
}

// handleHealth reports whether the store answers and the parts in
// Options.Health are running.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	record := func(name string, err error) {
		if err != nil {
			ok = false
			checks[name] = err.Error()
			return
		}
		checks[name] = "ok"
	}
	if s.db != nil {
		record("store", s.db.Ping(ctx))
	} else {
		record("store", errors.New("no store configured"))
	}
	if s.health != nil {
		for name, err := range s.health(ctx) {
			record(name, err)
		}
	}
	status, code := "ok", http.StatusOK
	if !ok {
		status, code = "failing", http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, code, struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
		Time   time.Time         `json:"time"`
	}{status, checks, s.now().UTC()})
}

// absURL makes an absolute address from a path under the public URL.
func (s *Server) absURL(path string) string { return s.publicURL + path }

// changeURL is a change record's citable address; bot.RecordURL builds the
// same one for alerts.
func (s *Server) changeURL(id uint) string { return s.absURL(fmt.Sprintf("/changes/%d", id)) }
