package fetch

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestBrowserNeedsBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("no browser, so no request should be made")
	}))
	defer srv.Close()
	for name, opt := range map[string]Option{
		"none":    WithBrowser(""),
		"missing": WithBrowser("/nonexistent/chromium"),
	} {
		t.Run(name, func(t *testing.T) {
			f := newTestFetcher(t, testConfig(), opt)
			_, err := f.Fetch(context.Background(), Request{URL: srv.URL, Browser: true})
			fe := wantKind(t, err, KindNeedsBrowser)
			if fe.Attempts != 1 || !strings.Contains(err.Error(), "needs a browser: chromium not found") ||
				!strings.Contains(err.Error(), "install Debian's chromium or set POLICYBOT_CHROMIUM") {
				t.Errorf("attempts %d, message %q", fe.Attempts, err)
			}
		})
	}
}

// chromiumForTest returns the browser to test with, or skips: the tests run
// when POLICYBOT_TEST_CHROMIUM names one or chromium is on PATH.
func chromiumForTest(t *testing.T) Option {
	t.Helper()
	if p := os.Getenv("POLICYBOT_TEST_CHROMIUM"); p != "" && p != "1" && p != "true" {
		return WithBrowser(p)
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return WithBrowser(p)
		}
	}
	if os.Getenv("POLICYBOT_TEST_CHROMIUM") != "" {
		t.Fatal("POLICYBOT_TEST_CHROMIUM is set but no chromium is on PATH")
	}
	t.Skip("chromium not found; set POLICYBOT_TEST_CHROMIUM or install Debian's chromium")
	return nil
}

const scriptPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>Privacy</title></head>
<body><h1>Privacy Policy</h1><div id="policy"></div>
<script>
setTimeout(function () {
  document.getElementById('policy').innerHTML =
    '<p id="done">Rendered by script: ' + (6 * 7) + ' — données personnelles</p>';
}, 50);
</script></body></html>`

func TestBrowserRendersScript(t *testing.T) {
	browser := chromiumForTest(t)
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/privacy" {
			ua.Store(r.Header.Get("User-Agent"))
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, scriptPage)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.Timeout = 60 * time.Second
	f := newTestFetcher(t, cfg, browser)

	for _, waitFor := range []string{"", "#done"} {
		t.Run("wait="+waitFor, func(t *testing.T) {
			resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/privacy", Browser: true, WaitFor: waitFor})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(resp.UTF8), "Rendered by script: 42 — données personnelles") {
				t.Errorf("rendered DOM lacks the scripted text:\n%s", resp.UTF8)
			}
			if resp.Status != 200 || resp.URL != srv.URL+"/privacy" || !resp.IsHTML() || resp.Charset != "utf-8" {
				t.Errorf("status %d, url %s, html %v, charset %s", resp.Status, resp.URL, resp.IsHTML(), resp.Charset)
			}
			if ua.Load() != cfg.UserAgent {
				t.Errorf("browser User-Agent = %q, want %q", ua.Load(), cfg.UserAgent)
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		_, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/missing", Browser: true})
		if fe := wantKind(t, err, KindHTTP); fe.Status != 404 {
			t.Errorf("status %d, want 404", fe.Status)
		}
	})
}

// TestBrowserRefusesPageRequests serves a "public" page (policy.example, an
// httptest server the recording dialer reaches for 93.184.216.34) whose
// scripts reach for loopback, a private address and the metadata address:
// none of those requests may leave the browser, the WebSocket included.
func TestBrowserRefusesPageRequests(t *testing.T) {
	browser := chromiumForTest(t)
	var secretHits atomic.Int32
	secret := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secretHits.Add(1)
		io.WriteString(w, "internal")
	}))
	defer secret.Close()
	secretHost := strings.TrimPrefix(secret.URL, "http://")

	page := `<!doctype html><html><head><meta charset="utf-8"></head><body><div id="out">waiting</div>
<img src="http://169.254.169.254/latest/meta-data/iam">
<img src="http://` + secretHost + `/img">
<script>
var results = [];
function note(s) { results.push(s); document.getElementById('out').textContent = results.join(' '); }
fetch('http://` + secretHost + `/secret').then(function(){ note('loopback:reached'); }, function(){ note('loopback:blocked'); });
fetch('http://10.0.0.1/x').then(function(){ note('private:reached'); }, function(){ note('private:blocked'); });
try {
  var ws = new WebSocket('ws://` + secretHost + `/ws');
  ws.onopen = function(){ note('ws:reached'); };
  ws.onerror = function(){ note('ws:blocked'); };
} catch (e) { note('ws:blocked'); }
</script></body></html>`
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}))
	defer public.Close()

	dialer := &recordingDialer{route: map[string]string{"93.184.216.34:80": public.Listener.Addr().String()}}
	cfg := testConfig()
	cfg.AllowPrivate = false
	cfg.Timeout = 60 * time.Second
	f := newTestFetcher(t, cfg, browser, WithDialer(dialer),
		WithResolver(stubResolver{"policy.example": {mustAddr("93.184.216.34")}}))

	resp, err := f.Fetch(context.Background(), Request{URL: "http://policy.example/privacy", Browser: true})
	if err != nil {
		t.Fatal(err)
	}
	_, out, _ := strings.Cut(string(resp.UTF8), `<div id="out">`)
	body, _, _ := strings.Cut(out, "</div>")
	for _, want := range []string{"loopback:blocked", "private:blocked", "ws:blocked"} {
		if !strings.Contains(body, want) {
			t.Errorf("page shows no %q: %s", want, body)
		}
	}
	if strings.Contains(body, "reached") {
		t.Errorf("a refused request got through: %s", body)
	}
	if n := secretHits.Load(); n != 0 {
		t.Errorf("the loopback server saw %d requests, want 0", n)
	}
	for _, a := range dialer.addresses() {
		if !strings.HasPrefix(a, "93.184.216.34:") {
			t.Errorf("dialer was asked for %s", a)
		}
	}

	// The page URL itself is checked before the browser starts.
	start := time.Now()
	_, err = f.Fetch(context.Background(), Request{URL: secret.URL + "/", Browser: true})
	wantKind(t, err, KindRefused)
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing the page took %v: the browser should not have started", d)
	}
}

// TestGuardProxy checks the browser's proxy on its own: plain requests and
// CONNECT tunnels to refused addresses are cut without reaching them, and
// allowed ones go through.
func TestGuardProxy(t *testing.T) {
	var secretHits atomic.Int32
	secret := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secretHits.Add(1)
		io.WriteString(w, "internal")
	}))
	defer secret.Close()
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "public page")
	}))
	defer public.Close()

	dialer := &recordingDialer{route: map[string]string{"93.184.216.34:80": public.Listener.Addr().String()}}
	cfg := testConfig()
	cfg.AllowPrivate = false
	f := newTestFetcher(t, cfg, WithDialer(dialer), WithResolver(stubResolver{"policy.example": {mustAddr("93.184.216.34")}}))
	var refused atomic.Int32
	px, err := f.startProxy(func(host string, err error) { refused.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	proxyURL, _ := url.Parse(px.URL())
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()

	resp, err := client.Get("http://policy.example/privacy")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "public page" {
		t.Errorf("allowed request: %q", b)
	}

	if _, err := client.Get(secret.URL + "/secret"); err == nil {
		t.Error("plain request to loopback went through the proxy")
	}

	// A CONNECT tunnel, as the browser opens for https:// and ws://.
	conn, err := net.Dial("tcp", proxyURL.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", secret.Listener.Addr(), secret.Listener.Addr())
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := bufio.NewReader(conn).ReadString('\n'); err == nil && strings.Contains(line, " 200 ") {
		t.Errorf("CONNECT to loopback answered %q", line)
	}

	if n := secretHits.Load(); n != 0 {
		t.Errorf("the loopback server saw %d requests, want 0", n)
	}
	// The client retries a GET whose connection closed unanswered, so count
	// at least one refusal for each of the two requests.
	if n := refused.Load(); n < 2 {
		t.Errorf("refusals recorded: %d, want at least 2", n)
	}
	for _, a := range dialer.addresses() {
		if a != "93.184.216.34:80" {
			t.Errorf("dialer was asked for %s", a)
		}
	}
}
