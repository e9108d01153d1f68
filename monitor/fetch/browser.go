package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// errNoBrowser is the reason a document with executeClientScripts cannot be
// fetched here, written for the operator who has to fix it.
var errNoBrowser = errors.New("needs a browser: chromium not found; install Debian's chromium or set POLICYBOT_CHROMIUM")

const (
	// idleQuiet is how long the network must stay quiet for a page to count
	// as rendered.
	idleQuiet = 500 * time.Millisecond
	// idleMax bounds the wait for quiet: pages that poll forever are taken
	// as they are then.
	idleMax = 15 * time.Second
)

// browserPath finds Chromium: WithBrowser, then Fetch.ChromiumPath, then PATH.
func (f *Fetcher) browserPath() (string, error) {
	switch p := f.browser; {
	case p == noBrowser:
		return "", errNoBrowser
	case p != "":
		return lookBrowser(p)
	case f.cfg.ChromiumPath != "":
		return lookBrowser(f.cfg.ChromiumPath)
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errNoBrowser
}

func lookBrowser(path string) (string, error) {
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("needs a browser: chromium not found at %s; install Debian's chromium or set POLICYBOT_CHROMIUM: %w", path, err)
	}
	return p, nil
}

// render fetches a page that needs its scripts run: headless Chromium, behind
// the same address policy as plain fetches (the page URL is checked before
// navigating, every request of the page is intercepted and checked, and every
// connection goes through the checking proxy), keeping the rendered DOM.
func (f *Fetcher) render(parent context.Context, req Request) (*Response, error) {
	path, err := f.browserPath()
	if err != nil {
		return nil, &Error{Kind: KindNeedsBrowser, URL: req.URL, Err: err}
	}
	u, err := checkURL(req.URL)
	if err != nil {
		return nil, err
	}
	if _, err := f.resolve(parent, u.Hostname()); err != nil {
		return nil, f.classify(parent, req.URL, err)
	}

	release, err := f.hosts.acquire(parent, u.Hostname())
	if err != nil {
		return nil, f.classify(parent, req.URL, err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(parent, f.cfg.Timeout)
	defer cancel()

	guard := &pageGuard{f: f, checked: map[string]error{}}
	px, err := f.startProxy(guard.refuse)
	if err != nil {
		return nil, &Error{Kind: KindNeedsBrowser, URL: req.URL, Err: fmt.Errorf("start the browser's proxy: %w", err)}
	}
	defer px.Close()
	dir, err := os.MkdirTemp("", "policybot-chromium-")
	if err != nil {
		return nil, &Error{Kind: KindNeedsBrowser, URL: req.URL, Err: fmt.Errorf("browser profile: %w", err)}
	}
	defer os.RemoveAll(dir)

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// No silent https:// upgrade of an http:// page: the URL asked for is
		// the one fetched.
		chromedp.Flag("disable-features", "HttpsUpgrades,HttpsFirstBalancedModeAutoEnable"),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("hide-scrollbars", true),
		// WebRTC talks UDP around the proxy, to any address a page names.
		chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		chromedp.ProxyServer(px.URL()),
		// Chromium sends loopback straight past a proxy unless told not to.
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.UserDataDir(dir),
		chromedp.UserAgent(f.cfg.UserAgent),
	)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	if err := chromedp.Do(tab); err != nil {
		if parent.Err() != nil || ctx.Err() != nil {
			return nil, f.classify(parent, req.URL, err)
		}
		return nil, &Error{Kind: KindNeedsBrowser, URL: req.URL, Err: fmt.Errorf("needs a browser: chromium at %s did not start: %w", path, err)}
	}

	idle := &netIdle{inflight: map[network.RequestID]bool{}, last: time.Now()}
	if err := chromedp.Listen(tab, idle.observe); err != nil {
		return nil, f.classify(parent, req.URL, err)
	}
	paused := chromedp.Events(tab, fetch.RequestPaused)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range paused {
			if err != nil {
				return
			}
			guard.decide(tab, ev)
		}
	}()
	defer func() { cancelTab(); <-done }()
	if _, err := chromedp.Call(tab, fetch.Enable, fetch.EnableParams{}); err != nil {
		return nil, f.classify(parent, req.URL, fmt.Errorf("intercept requests: %w", err))
	}

	nav, err := chromedp.Run(tab, chromedp.NavigateResponse(u.String()))
	if err != nil {
		if rerr := guard.refusal(); rerr != nil {
			return nil, &Error{Kind: KindRefused, URL: req.URL, Err: rerr}
		}
		return nil, f.classify(parent, req.URL, fmt.Errorf("load page: %w", err))
	}
	status := http.StatusOK
	if nav != nil && nav.Status != 0 {
		status = int(nav.Status)
	}
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden,
		status == http.StatusNotAcceptable, status == http.StatusTooManyRequests:
		return nil, &Error{Kind: KindBlocked, URL: req.URL, Status: status, RetryAfter: retryAfter(headerString(nav.Headers, "Retry-After"), f.now())}
	case status < 200 || status >= 300:
		return nil, &Error{Kind: KindHTTP, URL: req.URL, Status: status, RetryAfter: retryAfter(headerString(nav.Headers, "Retry-After"), f.now())}
	}

	if req.WaitFor != "" {
		if err := chromedp.Do(tab, chromedp.WaitReady(chromedp.CSS(req.WaitFor))); err != nil {
			return nil, f.classify(parent, req.URL, fmt.Errorf("wait for %q: %w", req.WaitFor, err))
		}
	} else {
		idle.wait(ctx)
	}
	html, err := chromedp.Run(tab, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		return nil, f.classify(parent, req.URL, fmt.Errorf("read the rendered page: %w", err))
	}
	final, err := chromedp.Run(tab, chromedp.Location())
	if err != nil || final == "" {
		final = u.String()
	}
	if int64(len(html)) > f.cfg.MaxBodyBytes {
		return nil, &Error{Kind: KindTooLarge, URL: req.URL, Status: status,
			Err: &sizeError{fmt.Sprintf("the rendered page is over the %s limit", byteSize(f.cfg.MaxBodyBytes))}}
	}
	body := []byte(html)
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &Error{Kind: KindEmpty, URL: req.URL, Status: status}
	}
	return &Response{
		URL:    final,
		Status: status,
		// The DOM is serialized as UTF-8 whatever the page was sent in.
		ContentType: "text/html; charset=utf-8",
		Body:        body,
		UTF8:        body,
		Charset:     "utf-8",
		FetchedAt:   f.now(),
	}, nil
}

func headerString(h network.Headers, name string) string {
	for k, v := range h {
		if http.CanonicalHeaderKey(k) == name {
			if s, ok := v.(string); ok {
				return s
			}
		}
	}
	return ""
}

// pageGuard decides, for each request the page makes, whether it may leave.
type pageGuard struct {
	f       *Fetcher
	mu      sync.Mutex
	checked map[string]error // host → verdict, for this page
	first   error            // first refusal, to explain a failed navigation
}

func (g *pageGuard) refuse(host string, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.first == nil {
		g.first = err
	}
	g.f.log.Warn("fetch: browser request refused", "host", host, "error", err)
}

func (g *pageGuard) refusal() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.first
}

// check returns why a URL the page asks for is refused, nil if it may go.
func (g *pageGuard) check(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	switch u.Scheme {
	case "data", "blob", "about":
		return nil // never leaves the browser
	case "http", "https", "ws", "wss":
	default:
		return fmt.Errorf("scheme %q is not fetched", u.Scheme)
	}
	if u.User != nil {
		return errors.New("URLs with a user name or password are not fetched")
	}
	host := u.Hostname()
	g.mu.Lock()
	verdict, seen := g.checked[host]
	g.mu.Unlock()
	if seen {
		return verdict
	}
	_, verdict = g.f.resolve(ctx, host)
	g.mu.Lock()
	g.checked[host] = verdict
	g.mu.Unlock()
	return verdict
}

func (g *pageGuard) decide(tab context.Context, ev fetch.EventRequestPaused) {
	if ev.Request == nil {
		return
	}
	if err := g.check(tab, ev.Request.URL); err != nil {
		g.refuse(ev.Request.URL, err)
		_, _ = chromedp.Call(tab, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		return
	}
	_, _ = chromedp.Call(tab, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
}

// netIdle tracks the page's requests in flight, to know when it has settled.
type netIdle struct {
	mu       sync.Mutex
	inflight map[network.RequestID]bool
	last     time.Time
}

// observe runs in chromedp's read loop: it must return fast.
func (n *netIdle) observe(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		n.inflight[ev.RequestID] = true
	case *network.EventLoadingFinished:
		delete(n.inflight, ev.RequestID)
	case *network.EventLoadingFailed:
		delete(n.inflight, ev.RequestID)
	default:
		return
	}
	n.last = time.Now()
}

// wait returns once no request has been in flight for idleQuiet, or after
// idleMax, or when ctx ends.
func (n *netIdle) wait(ctx context.Context) {
	deadline := time.Now().Add(idleMax)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		n.mu.Lock()
		quiet := len(n.inflight) == 0 && time.Since(n.last) >= idleQuiet
		n.mu.Unlock()
		if quiet || time.Now().After(deadline) {
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}
