// Package fetch gets the documents the bot tracks: honest HTTP (a User-Agent
// that names the bot, conditional requests, Retry-After, timeouts, a body cap,
// per-host politeness, retries for transient failures) that cannot be turned
// against the operator's own network: every connection, redirects included, is
// checked against the address policy on the resolved address, at connect time.
package fetch

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/policybot/policybot/config"
)

// Request is one document to fetch.
type Request struct {
	URL string
	// ETag and LastModified come from the previous 200, for a conditional request.
	ETag, LastModified string
	// Browser renders the page in headless Chromium (executeClientScripts).
	Browser bool
	// WaitFor is a CSS selector the browser waits for before it keeps the
	// DOM; empty means wait until the network is idle.
	WaitFor string
}

// Response is a fetched document.
type Response struct {
	URL         string // final URL after redirects
	Status      int
	NotModified bool   // 304 to a conditional request: a verification, not a new capture
	ContentType string // as sent, e.g. "text/html; charset=windows-1252"
	// Body is exactly what was received, after content decoding: the raw
	// snapshot, in its original charset.
	Body []byte
	// UTF8 is Body decoded to UTF-8 for text and HTML, nil for PDF and other
	// binary bodies. It shares Body's memory when Body is already UTF-8.
	UTF8               []byte
	Charset            string // detected charset name
	ETag, LastModified string
	FetchedAt          time.Time
	Attempts           int
	Duration           time.Duration
}

// IsPDF reports whether the body is a PDF, by its type or, when the type says
// nothing, by its first bytes.
func (r *Response) IsPDF() bool { return isPDF(mediaType(r.ContentType), r.Body) }

// IsHTML reports whether the body is HTML: text/html, application/xhtml+xml,
// or sniffed when the type says nothing.
func (r *Response) IsHTML() bool { return isHTML(mediaType(r.ContentType), r.Body) }

// Fetcher fetches documents. It is safe for concurrent use; its politeness
// (one request at a time per host) holds across all of its callers.
type Fetcher struct {
	cfg      config.Fetch
	resolver Resolver
	dialer   Dialer
	client   *http.Client
	hosts    *hostGate
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
	log      *slog.Logger
	browser  string
	tls      *tls.Config

	backoff       time.Duration
	maxBackoff    time.Duration
	maxRetryAfter time.Duration
	hostGap       time.Duration
}

// Option adjusts a Fetcher, mostly for tests and tools.
type Option func(*Fetcher)

// WithResolver replaces the system resolver.
func WithResolver(r Resolver) Option { return func(f *Fetcher) { f.resolver = r } }

// WithDialer replaces the system dialer; it receives checked IP addresses only.
func WithDialer(d Dialer) Option { return func(f *Fetcher) { f.dialer = d } }

// WithClock replaces time.Now.
func WithClock(now func() time.Time) Option { return func(f *Fetcher) { f.now = now } }

// WithSleep replaces the wait used for backoff, Retry-After and the host gap.
func WithSleep(sleep func(context.Context, time.Duration) error) Option {
	return func(f *Fetcher) { f.sleep = sleep }
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(f *Fetcher) { f.log = l } }

// WithBrowser sets the Chromium executable, over Fetch.ChromiumPath and PATH.
// An empty path means none: browser fetches then fail with needs-browser.
func WithBrowser(path string) Option {
	return func(f *Fetcher) {
		f.browser = path
		if path == "" {
			f.browser = noBrowser
		}
	}
}

// WithHostGap sets the minimum pause between two requests to one host
// (default 1 s; tests set 0).
func WithHostGap(d time.Duration) Option { return func(f *Fetcher) { f.hostGap = d } }

// WithBackoff sets the first wait between retries; it doubles each time, up
// to max.
func WithBackoff(base, max time.Duration) Option {
	return func(f *Fetcher) { f.backoff, f.maxBackoff = base, max }
}

// WithMaxRetryAfter caps how long a Retry-After is waited for before a
// retry (default 1 min). A longer one ends the fetch and is reported in
// Error.RetryAfter, for the scheduler to honour.
func WithMaxRetryAfter(d time.Duration) Option { return func(f *Fetcher) { f.maxRetryAfter = d } }

// WithTLSConfig sets the TLS client configuration, e.g. an intranet CA.
func WithTLSConfig(c *tls.Config) Option { return func(f *Fetcher) { f.tls = c } }

// noBrowser marks an explicit "no browser", as opposed to "look on PATH".
const noBrowser = "\x00none"

// New returns a Fetcher. An empty user agent and zero timeouts or body cap
// take config.Default's values; MaxRedirects and Retries are used as given
// (0 means none).
func New(cfg config.Fetch, opts ...Option) *Fetcher {
	def := config.Default().Fetch
	if cfg.UserAgent == "" {
		cfg.UserAgent = def.UserAgent
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = def.ConnectTimeout
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = def.Timeout
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = def.MaxBodyBytes
	}
	if cfg.MaxRedirects < 0 {
		cfg.MaxRedirects = def.MaxRedirects
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	f := &Fetcher{
		cfg:           cfg,
		resolver:      net.DefaultResolver,
		now:           time.Now,
		sleep:         sleepContext,
		log:           slog.Default(),
		backoff:       time.Second,
		maxBackoff:    30 * time.Second,
		maxRetryAfter: time.Minute,
		hostGap:       time.Second,
	}
	for _, o := range opts {
		o(f)
	}
	if f.dialer == nil {
		f.dialer = &net.Dialer{
			Timeout:   cfg.ConnectTimeout,
			KeepAlive: 30 * time.Second,
			Control:   socketCheck(cfg.AllowPrivate),
		}
	}
	f.hosts = &hostGate{gap: f.hostGap, now: f.now, sleep: f.sleep}
	f.client = &http.Client{
		Transport: &http.Transport{
			// No proxy from the environment: a proxy would dial the target
			// itself, out of reach of the address check.
			Proxy:                 nil,
			DialContext:           f.dialContext,
			TLSClientConfig:       f.tls,
			TLSHandshakeTimeout:   cfg.ConnectTimeout,
			ResponseHeaderTimeout: cfg.Timeout,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
		},
		// Redirects are followed by hand: each hop is checked, counted and
		// takes its own host's turn.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return f
}

// Close releases idle connections.
func (f *Fetcher) Close() { f.client.CloseIdleConnections() }

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Validate checks a URL the way a fetch would, without fetching: scheme,
// userinfo, and every address its host resolves to. /track calls it before a
// first fetch, to answer at once.
func (f *Fetcher) Validate(ctx context.Context, rawURL string) error {
	u, err := checkURL(rawURL)
	if err != nil {
		return err
	}
	if _, err := f.resolve(ctx, u.Hostname()); err != nil {
		return f.classify(ctx, rawURL, err)
	}
	return nil
}

// Fetch gets one document, retrying transient failures. Every error it
// returns is an *Error.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Response, error) {
	start := f.now()
	if _, err := checkURL(req.URL); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		var resp *Response
		var err error
		if req.Browser {
			resp, err = f.render(ctx, req)
		} else {
			resp, err = f.get(ctx, req)
		}
		if err == nil {
			resp.Attempts = attempt
			resp.Duration = f.now().Sub(start)
			f.log.Debug("fetch: done", "url", resp.URL, "status", resp.Status, "bytes", len(resp.Body),
				"not_modified", resp.NotModified, "attempts", attempt, "duration", resp.Duration)
			return resp, nil
		}
		fe := f.classify(ctx, req.URL, err)
		fe.Attempts = attempt
		if !fe.retryable() || attempt > f.cfg.Retries || ctx.Err() != nil {
			return nil, fe
		}
		wait := f.backoffFor(attempt)
		if fe.RetryAfter > 0 {
			if fe.RetryAfter > f.maxRetryAfter {
				return nil, fe
			}
			wait = fe.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && f.now().Add(wait).After(dl) {
			return nil, fe
		}
		f.log.Info("fetch: retrying", "url", req.URL, "attempt", attempt, "wait", wait, "error", fe.Error())
		if err := f.sleep(ctx, wait); err != nil {
			return nil, f.classify(ctx, req.URL, err)
		}
	}
}

// backoffFor is the wait after a failed attempt: doubling, with jitter so
// that documents that failed together do not retry together.
func (f *Fetcher) backoffFor(attempt int) time.Duration {
	d := f.backoff << (attempt - 1)
	if d > f.maxBackoff || d <= 0 {
		d = f.maxBackoff
	}
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// get is one HTTP attempt: every redirect hop, and the final body.
func (f *Fetcher) get(parent context.Context, req Request) (*Response, error) {
	// The timeout starts once the first host's turn has come: waiting in a
	// polite queue behind other documents of the same site is not the site
	// being slow.
	var ctx context.Context
	// Some sites set a cookie and redirect back to see it; keep cookies for
	// the length of one fetch only.
	jar, _ := cookiejar.New(nil)
	cur := req.URL
	for hop := 0; ; hop++ {
		fail := func(err error) error {
			fe := f.classify(parent, req.URL, err)
			if hop > 0 {
				// Name the hop that failed: it is not the URL asked for.
				fe.URL = req.URL
				if fe.Err == nil {
					fe.Err = fmt.Errorf("redirected to %s", cur)
				} else {
					fe.Err = fmt.Errorf("redirected to %s: %w", cur, fe.Err)
				}
			}
			return fe
		}
		u, err := checkURL(cur)
		if err != nil {
			return nil, fail(err)
		}
		release, err := f.hosts.acquire(parent, u.Hostname())
		if err != nil {
			return nil, fail(err)
		}
		if ctx == nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(parent, f.cfg.Timeout)
			defer cancel()
		}
		resp, next, err := f.hop(ctx, u, req, jar)
		release()
		if err != nil {
			return nil, fail(err)
		}
		if next == nil {
			return resp, nil
		}
		if hop >= f.cfg.MaxRedirects {
			return nil, &Error{Kind: KindTooManyRedirects, Status: resp.Status,
				Err: fmt.Errorf("more than %d redirects (last to %s)", f.cfg.MaxRedirects, next)}
		}
		f.log.Debug("fetch: redirect", "from", u.String(), "to", next.String(), "status", resp.Status)
		cur = next.String()
	}
}

// hop makes one request to one URL, body included, in the host's turn. It
// returns either a response, or the next URL of a redirect.
func (f *Fetcher) hop(ctx context.Context, u *url.URL, req Request, jar http.CookieJar) (*Response, *url.URL, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, &Error{Kind: KindBadURL, URL: u.String(), Err: err}
	}
	hreq.Header.Set("User-Agent", f.cfg.UserAgent)
	hreq.Header.Set("Accept", "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.8")
	hreq.Header.Set("Accept-Encoding", acceptEncoding)
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}
	for _, c := range jar.Cookies(u) {
		hreq.AddCookie(c)
	}
	hresp, err := f.client.Do(hreq)
	if err != nil {
		return nil, nil, err
	}
	defer hresp.Body.Close()
	jar.SetCookies(u, hresp.Cookies())
	fetchedAt := f.now()

	resp := &Response{
		URL:          u.String(),
		Status:       hresp.StatusCode,
		ContentType:  hresp.Header.Get("Content-Type"),
		ETag:         hresp.Header.Get("ETag"),
		LastModified: hresp.Header.Get("Last-Modified"),
		FetchedAt:    fetchedAt,
	}
	status := hresp.StatusCode
	switch {
	case isRedirect(status):
		loc := hresp.Header.Get("Location")
		if loc == "" {
			return nil, nil, &Error{Kind: KindHTTP, Status: status, Err: errors.New("redirect without a Location")}
		}
		next, err := u.Parse(loc)
		if err != nil {
			return nil, nil, &Error{Kind: KindBadURL, URL: loc, Err: fmt.Errorf("redirect target: %w", err)}
		}
		drain(hresp.Body)
		return resp, next, nil

	case status == http.StatusNotModified:
		if req.ETag == "" && req.LastModified == "" {
			return nil, nil, &Error{Kind: KindHTTP, Status: status, Err: errors.New("304 to a request that was not conditional")}
		}
		resp.NotModified = true
		// A 304 may omit the validators; the caller keeps the ones it had.
		if resp.ETag == "" {
			resp.ETag = req.ETag
		}
		if resp.LastModified == "" {
			resp.LastModified = req.LastModified
		}
		return resp, nil, nil

	case status == http.StatusUnauthorized, status == http.StatusForbidden,
		status == http.StatusNotAcceptable, status == http.StatusTooManyRequests:
		drain(hresp.Body)
		return nil, nil, &Error{Kind: KindBlocked, Status: status, RetryAfter: retryAfter(hresp.Header.Get("Retry-After"), f.now())}

	case status < 200 || status >= 300:
		drain(hresp.Body)
		return nil, nil, &Error{Kind: KindHTTP, Status: status, RetryAfter: retryAfter(hresp.Header.Get("Retry-After"), f.now())}
	}

	body, err := readBody(hresp, f.cfg.MaxBodyBytes)
	if err != nil {
		var se *sizeError
		if errors.As(err, &se) {
			return nil, nil, &Error{Kind: KindTooLarge, Status: status, Err: se}
		}
		return nil, nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, &Error{Kind: KindEmpty, Status: status}
	}
	resp.Body = body
	if err := resp.decode(); err != nil {
		return nil, nil, err
	}
	return resp, nil, nil
}

// decode fills UTF8 and Charset for a text body.
func (r *Response) decode() error {
	if !isText(mediaType(r.ContentType), r.Body) {
		return nil
	}
	text, name, err := DecodeCharset(r.Body, r.ContentType)
	if err != nil {
		return err
	}
	r.UTF8, r.Charset = text, name
	return nil
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// drain reads a little of an unwanted body so the connection can be reused,
// without reading a large one.
func drain(r io.Reader) { _, _ = io.CopyN(io.Discard, r, 4<<10) }

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > int64(365*24*time.Hour/time.Second) {
			s = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// classify turns any error of an attempt into an *Error with its kind.
func (f *Fetcher) classify(ctx context.Context, rawURL string, err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		c := *fe
		if c.URL == "" {
			c.URL = rawURL
		}
		return &c
	}
	// url.Error repeats the method and URL the message already names.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	e := &Error{URL: rawURL, Err: err}
	var ne net.Error
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		e.Kind = KindCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		e.Kind = KindTimeout
		if ctx.Err() == nil {
			e.Err = fmt.Errorf("no complete answer within %s: %w", f.cfg.Timeout, err)
		}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		e.Kind = KindNetwork
		e.Err = fmt.Errorf("connection dropped: %w", err)
	default:
		e.Kind = KindNetwork
	}
	return e
}
