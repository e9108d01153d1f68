package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// grindrPage (under testdata/) is a real 315 KB policy page: the extractor's test copy of
// Grindr's privacy policy (provenance in monitor/extract/testdata).
const grindrPage = "../../extract/testdata/corpus/grindr/privacy-policy/004-2024-11-02.html"

// readTestdata reads a fixture by its path under testdata/.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFetchCorpusPage(t *testing.T) {
	page := readTestdata(t, grindrPage)
	var gotUA, gotAccept atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.Header.Get("User-Agent"))
		gotAccept.Store(r.Header.Get("Accept-Encoding"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", `"v5"`)
		w.Header().Set("Last-Modified", "Tue, 24 Dec 2024 00:32:50 GMT")
		w.Write(page)
	}))
	defer srv.Close()

	cfg := testConfig()
	f := newTestFetcher(t, cfg)
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/privacy"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp.Body, page) || !bytes.Equal(resp.UTF8, page) {
		t.Errorf("body differs from the served page (%d vs %d bytes)", len(resp.Body), len(page))
	}
	if resp.Status != 200 || resp.Attempts != 1 || resp.Charset != "utf-8" || !resp.IsHTML() || resp.IsPDF() {
		t.Errorf("resp = status %d, attempts %d, charset %q, html %v, pdf %v", resp.Status, resp.Attempts, resp.Charset, resp.IsHTML(), resp.IsPDF())
	}
	if resp.ETag != `"v5"` || resp.LastModified != "Tue, 24 Dec 2024 00:32:50 GMT" || resp.URL != srv.URL+"/privacy" {
		t.Errorf("etag %q, last-modified %q, url %q", resp.ETag, resp.LastModified, resp.URL)
	}
	if resp.FetchedAt.IsZero() || resp.Duration <= 0 {
		t.Errorf("fetched at %v, duration %v", resp.FetchedAt, resp.Duration)
	}
	if gotUA.Load() != cfg.UserAgent {
		t.Errorf("User-Agent = %q, want %q", gotUA.Load(), cfg.UserAgent)
	}
	if gotAccept.Load() != "gzip, br" {
		t.Errorf("Accept-Encoding = %q", gotAccept.Load())
	}
}

func TestTimeout(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.Timeout = 150 * time.Millisecond
	cfg.Retries = 1
	f := newTestFetcher(t, cfg)
	start := time.Now()
	_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	fe := wantKind(t, err, KindTimeout)
	t.Log(err)
	if fe.Attempts != 2 || hits.Load() != 2 {
		t.Errorf("attempts = %d, server hits = %d, want 2 (a timeout is retried)", fe.Attempts, hits.Load())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want about 2 × 150ms", d)
	}
}

// TestTimeoutDuringBody: headers come at once, then the body stalls.
func TestTimeoutDuringBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html><body>start"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.Timeout = 150 * time.Millisecond
	cfg.Retries = 0
	_, err := newTestFetcher(t, cfg).Fetch(context.Background(), Request{URL: srv.URL})
	wantKind(t, err, KindTimeout)
}

// reset hijacks the connection and closes it with an RST.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

func TestConnectionReset(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) < 3 {
			reset(w)
			return
		}
		io.WriteString(w, "<html><body>third time lucky</body></html>")
	}))
	defer srv.Close()
	f := newTestFetcher(t, testConfig())
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 3 || !strings.Contains(string(resp.UTF8), "third time") {
		t.Errorf("attempts = %d, body %q", resp.Attempts, resp.UTF8)
	}

	hits.Store(-100) // always reset now
	_, err = f.Fetch(context.Background(), Request{URL: srv.URL})
	t.Log(err)
	if fe := wantKind(t, err, KindNetwork); fe.Attempts != 3 {
		t.Errorf("attempts = %d, want 3", fe.Attempts)
	}
}

func TestServerErrorsThenSuccess(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch hits.Add(1) {
		case 1:
			http.Error(w, "oops", http.StatusInternalServerError)
		case 2:
			http.Error(w, "bad gateway", http.StatusBadGateway)
		default:
			io.WriteString(w, "<p>policy</p>")
		}
	}))
	defer srv.Close()
	sleeps := &sleepRecorder{}
	f := newTestFetcher(t, testConfig(), WithSleep(sleeps.sleep), WithBackoff(time.Second, 30*time.Second))
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 3 || hits.Load() != 3 {
		t.Errorf("attempts = %d, hits = %d, want 3", resp.Attempts, hits.Load())
	}
	waits := sleeps.all()
	if len(waits) != 2 || waits[0] < 500*time.Millisecond || waits[0] > time.Second || waits[1] < time.Second || waits[1] > 2*time.Second {
		t.Errorf("backoff waits = %v, want about 1s then 2s (with jitter)", waits)
	}

	// Still failing after the retries: kind http, with the status.
	hits.Store(-100)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	_, err = f.Fetch(context.Background(), Request{URL: srv.URL})
	if fe := wantKind(t, err, KindHTTP); fe.Status != 503 || fe.Attempts != 3 {
		t.Errorf("status %d, attempts %d", fe.Status, fe.Attempts)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	tests := []struct {
		status int
		kind   ErrorKind
	}{
		{http.StatusForbidden, KindBlocked},
		{http.StatusUnauthorized, KindBlocked},
		{http.StatusNotAcceptable, KindBlocked},
		{http.StatusTooManyRequests, KindBlocked},
		{http.StatusNotFound, KindHTTP},
		{http.StatusGone, KindHTTP},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				http.Error(w, "Access denied: are you a robot?", tt.status)
			}))
			defer srv.Close()
			_, err := newTestFetcher(t, testConfig()).Fetch(context.Background(), Request{URL: srv.URL})
			fe := wantKind(t, err, tt.kind)
			if fe.Status != tt.status || fe.Attempts != 1 || hits.Load() != 1 {
				t.Errorf("status %d, attempts %d, hits %d; want %d, 1, 1", fe.Status, fe.Attempts, hits.Load(), tt.status)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	t.Run("429 seconds", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		defer srv.Close()
		_, err := newTestFetcher(t, testConfig()).Fetch(context.Background(), Request{URL: srv.URL})
		fe := wantKind(t, err, KindBlocked)
		if fe.RetryAfter != 2*time.Minute || fe.Attempts != 1 {
			t.Errorf("retry after %v, attempts %d; want 2m, 1", fe.RetryAfter, fe.Attempts)
		}
		if !strings.Contains(err.Error(), "retry after 2m0s") || !strings.Contains(err.Error(), "429 Too Many Requests") {
			t.Errorf("message %q", err)
		}
	})

	t.Run("429 HTTP date", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", now.Add(90*time.Minute).Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		defer srv.Close()
		_, err := newTestFetcher(t, testConfig(), WithClock(clock)).Fetch(context.Background(), Request{URL: srv.URL})
		if fe := wantKind(t, err, KindBlocked); fe.RetryAfter != 90*time.Minute {
			t.Errorf("retry after %v, want 1h30m", fe.RetryAfter)
		}
	})

	t.Run("503 waited for", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) == 1 {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, "<p>back</p>")
		}))
		defer srv.Close()
		sleeps := &sleepRecorder{}
		resp, err := newTestFetcher(t, testConfig(), WithSleep(sleeps.sleep)).Fetch(context.Background(), Request{URL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if w := sleeps.all(); resp.Attempts != 2 || len(w) != 1 || w[0] != 7*time.Second {
			t.Errorf("attempts %d, waits %v; want 2, [7s]", resp.Attempts, w)
		}
	})

	t.Run("503 over the cap", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		defer srv.Close()
		sleeps := &sleepRecorder{}
		_, err := newTestFetcher(t, testConfig(), WithSleep(sleeps.sleep), WithMaxRetryAfter(time.Minute)).Fetch(context.Background(), Request{URL: srv.URL})
		fe := wantKind(t, err, KindHTTP)
		if fe.RetryAfter != time.Hour || fe.Attempts != 1 || len(sleeps.all()) != 0 {
			t.Errorf("retry after %v, attempts %d, waits %v; want 1h reported, no wait", fe.RetryAfter, fe.Attempts, sleeps.all())
		}
	})

	t.Run("503 past the context deadline", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		sleeps := &sleepRecorder{}
		_, err := newTestFetcher(t, testConfig(), WithSleep(sleeps.sleep)).Fetch(ctx, Request{URL: srv.URL})
		if fe := wantKind(t, err, KindHTTP); fe.RetryAfter != 30*time.Second || len(sleeps.all()) != 0 {
			t.Errorf("retry after %v, waits %v", fe.RetryAfter, sleeps.all())
		}
	})
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"120", 2 * time.Minute},
		{" 3 ", 3 * time.Second},
		{now.Add(time.Hour).Format(http.TimeFormat), time.Hour},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"Sunday, 01-Mar-26 12:00:10 GMT", 10 * time.Second}, // RFC 850
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestConditionalRequest(t *testing.T) {
	var gotINM, gotIMS atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotINM.Store(r.Header.Get("If-None-Match"))
		gotIMS.Store(r.Header.Get("If-Modified-Since"))
		if r.Header.Get("If-None-Match") == `"abc"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"abc"`)
		io.WriteString(w, "<p>v1</p>")
	}))
	defer srv.Close()
	f := newTestFetcher(t, testConfig())
	first, err := f.Fetch(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	lm := "Wed, 21 Oct 2025 07:28:00 GMT"
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL, ETag: first.ETag, LastModified: lm})
	if err != nil {
		t.Fatalf("304 must not be an error: %v", err)
	}
	if !resp.NotModified || resp.Status != 304 || resp.Body != nil || resp.ETag != `"abc"` || resp.LastModified != lm {
		t.Errorf("resp = %+v", resp)
	}
	if gotINM.Load() != `"abc"` || gotIMS.Load() != lm {
		t.Errorf("If-None-Match %q, If-Modified-Since %q", gotINM.Load(), gotIMS.Load())
	}
}

// bigBody streams size bytes of HTML-ish text, counting what the server
// managed to write before the client hung up.
func bigBody(size int64, announce bool, written *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if announce {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		}
		w.Header().Set("Content-Type", "text/html")
		chunk := bytes.Repeat([]byte("<p>policy text</p>\n"), 3277) // ~64 KB
		for sent := int64(0); sent < size; {
			n := min(int64(len(chunk)), size-sent)
			m, err := w.Write(chunk[:n])
			written.Add(int64(m))
			sent += int64(m)
			if err != nil {
				return
			}
		}
	})
}

func TestTooLarge(t *testing.T) {
	const size = 60 << 20
	for _, announce := range []bool{false, true} {
		t.Run("announced="+strconv.FormatBool(announce), func(t *testing.T) {
			var written atomic.Int64
			srv := httptest.NewServer(bigBody(size, announce, &written))
			defer srv.Close()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := newTestFetcher(t, testConfig()).Fetch(context.Background(), Request{URL: srv.URL})
			runtime.ReadMemStats(&after)
			fe := wantKind(t, err, KindTooLarge)
			if fe.Attempts != 1 {
				t.Errorf("attempts = %d, want 1", fe.Attempts)
			}
			srv.Close() // wait for the handler to give up
			if w := written.Load(); w >= size/2 {
				t.Errorf("server wrote %d of %d bytes, want the client to stop it early", w, size)
			}
			// Keeping 60 MB would allocate over 128 MB as the buffer doubles.
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 96<<20 {
				t.Errorf("allocated %d MB for a 10 MB cap", grown>>20)
			}
			t.Logf("%v; server wrote %.1f MB", err, float64(written.Load())/(1<<20))
		})
	}
}

func TestGzipBomb(t *testing.T) {
	// One gzip member of 1 MB of zeros, repeated: gzip readers read
	// concatenated members as one stream, 200 MB here.
	var member, bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	for range 200 {
		bomb.Write(member.Bytes())
	}
	if bomb.Len() > 1<<20 {
		t.Fatalf("bomb is %d bytes compressed", bomb.Len())
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/html")
		w.Write(bomb.Bytes())
	}))
	defer srv.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := newTestFetcher(t, testConfig()).Fetch(context.Background(), Request{URL: srv.URL})
	runtime.ReadMemStats(&after)
	wantKind(t, err, KindTooLarge)
	// Keeping the 200 MB would allocate over 256 MB; a bounded read stays
	// near twice the 10 MB cap.
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 96<<20 {
		t.Errorf("allocated %d MB for a 10 MB cap", grown>>20)
	}
}

func TestContentEncodings(t *testing.T) {
	page := readTestdata(t, grindrPage)
	var gz, br bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(page)
	zw.Close()
	bw := brotli.NewWriterLevel(&br, 5)
	bw.Write(page)
	bw.Close()
	for _, tt := range []struct {
		encoding string
		body     []byte
	}{{"gzip", gz.Bytes()}, {"br", br.Bytes()}, {"", page}} {
		t.Run("encoding="+tt.encoding, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.encoding != "" {
					w.Header().Set("Content-Encoding", tt.encoding)
				}
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write(tt.body)
			}))
			defer srv.Close()
			resp, err := newTestFetcher(t, testConfig()).Fetch(context.Background(), Request{URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(resp.Body, page) {
				t.Errorf("decoded %d bytes, want the %d of the page", len(resp.Body), len(page))
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /loop/{n}", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n, _ := strconv.Atoi(r.PathValue("n"))
		http.Redirect(w, r, "/loop/"+strconv.Itoa((n+1)%3), http.StatusFound)
	})
	mux.HandleFunc("GET /old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /new", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<p>moved here</p>")
	})
	mux.HandleFunc("GET /cookie", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("seen"); err != nil {
			http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1", Path: "/"})
			http.Redirect(w, r, "/cookie", http.StatusFound)
			return
		}
		io.WriteString(w, "<p>welcome back</p>")
	})
	mux.HandleFunc("GET /to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/policy", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cfg := testConfig()
	f := newTestFetcher(t, cfg)

	_, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/loop/0"})
	fe := wantKind(t, err, KindTooManyRedirects)
	if fe.Attempts != 1 || hits.Load() != int32(cfg.MaxRedirects+1) {
		t.Errorf("attempts %d, hits %d; want 1 and %d", fe.Attempts, hits.Load(), cfg.MaxRedirects+1)
	}

	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/old"})
	if err != nil || resp.URL != srv.URL+"/new" || string(resp.Body) != "<p>moved here</p>" {
		t.Errorf("redirect: %v, url %v", err, resp)
	}

	resp, err = f.Fetch(context.Background(), Request{URL: srv.URL + "/cookie"})
	if err != nil || string(resp.Body) != "<p>welcome back</p>" {
		t.Errorf("cookie redirect: %v %v", err, resp)
	}

	_, err = f.Fetch(context.Background(), Request{URL: srv.URL + "/to-ftp"})
	wantKind(t, err, KindRefused)
	if want := "refused to fetch " + srv.URL + "/to-ftp: redirected to ftp://example.com/policy: scheme \"ftp\" is not http or https"; err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
}

func TestCharsets(t *testing.T) {
	const french = "Politique de confidentialité — données « personnelles » : 5 € par mois, œuvre"
	const japaneseText = "プライバシーポリシー：個人情報の取り扱いについて"
	cp1252, err := charmap.Windows1252.NewEncoder().String(french)
	if err != nil {
		t.Fatal(err)
	}
	sjis, err := japanese.ShiftJIS.NewEncoder().String(japaneseText)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string
		charset     string
	}{
		{"windows-1252 in the header", "text/html; charset=windows-1252",
			"<html><body><p>" + cp1252 + "</p></body></html>", french, "windows-1252"},
		{"latin1 label means windows-1252", "text/html; charset=ISO-8859-1",
			"<html><body><p>" + cp1252 + "</p></body></html>", french, "windows-1252"},
		{"Shift_JIS in a meta tag", "text/html",
			`<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head><body><p>` + sjis + "</p></body></html>", japaneseText, "shift_jis"},
		{"Shift_JIS in meta charset", "",
			`<!doctype html><html><head><meta charset="shift_jis"></head><body><p>` + sjis + "</p></body></html>", japaneseText, "shift_jis"},
		{"UTF-8 with a BOM", "text/html",
			"\xef\xbb\xbf<html><body><p>" + french + "</p></body></html>", french, "utf-8"},
		{"no label, not UTF-8", "text/html",
			"<html><body><p>" + cp1252 + "</p></body></html>", french, "windows-1252"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = []string{tt.contentType}
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			resp, err := newTestFetcher(t, testConfig()).Fetch(context.Background(), Request{URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			if string(resp.Body) != tt.body {
				t.Errorf("Body was changed: the raw snapshot must keep its charset")
			}
			if !strings.Contains(string(resp.UTF8), tt.want) {
				t.Errorf("UTF8 = %q, want it to contain %q", resp.UTF8, tt.want)
			}
			if resp.Charset != tt.charset {
				t.Errorf("charset = %q, want %q", resp.Charset, tt.charset)
			}
			if !resp.IsHTML() {
				t.Errorf("IsHTML = false for %q", tt.contentType)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	for _, body := range []string{"", " \n\t "} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, body)
		}))
		_, err := newTestFetcher(t, testConfig()).Fetch(context.Background(), Request{URL: srv.URL})
		if fe := wantKind(t, err, KindEmpty); fe.Status != 200 || fe.Attempts != 1 {
			t.Errorf("status %d, attempts %d", fe.Status, fe.Attempts)
		}
		srv.Close()
	}
}

func TestPDF(t *testing.T) {
	pdf := readTestdata(t, "doctolib-privacy-policy.pdf")
	for _, ct := range []string{"application/pdf", "application/octet-stream", ""} {
		t.Run("type="+ct, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = []string{ct}
				w.Write(pdf)
			}))
			defer srv.Close()
			resp, err := newTestFetcher(t, testConfig()).Fetch(context.Background(), Request{URL: srv.URL + "/privacy.pdf"})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(resp.Body, pdf) {
				t.Errorf("PDF bytes changed: %d vs %d", len(resp.Body), len(pdf))
			}
			if !resp.IsPDF() || resp.IsHTML() || resp.UTF8 != nil {
				t.Errorf("IsPDF %v, IsHTML %v, UTF8 %d bytes", resp.IsPDF(), resp.IsHTML(), len(resp.UTF8))
			}
		})
	}
}

func TestOneRequestAtATimePerHost(t *testing.T) {
	var cur, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		cur.Add(-1)
		io.WriteString(w, "<p>ok</p>")
	}))
	defer srv.Close()
	f := newTestFetcher(t, testConfig())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			_, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/doc/" + strconv.Itoa(i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if p := peak.Load(); p != 1 {
		t.Errorf("max concurrent requests to one host = %d, want 1", p)
	}
}

func TestHostGap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<p>ok</p>")
	}))
	defer srv.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sleeps := &sleepRecorder{}
	f := newTestFetcher(t, testConfig(), WithHostGap(time.Second), WithClock(clock), WithSleep(sleeps.sleep))
	for range 2 {
		if _, err := f.Fetch(context.Background(), Request{URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
	}
	if w := sleeps.all(); len(w) != 1 || w[0] != time.Second {
		t.Errorf("waits = %v, want one 1s gap before the second request", w)
	}
}

func TestCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := newTestFetcher(t, testConfig()).Fetch(ctx, Request{URL: srv.URL})
	if fe := wantKind(t, err, KindCanceled); fe.Attempts != 1 || !errors.Is(err, context.Canceled) {
		t.Errorf("attempts %d, errors.Is canceled %v", fe.Attempts, errors.Is(err, context.Canceled))
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		err  error
		want ErrorKind
	}{
		{nil, ""},
		{&Error{Kind: KindBlocked}, KindBlocked},
		{errors.Join(errors.New("x"), &Error{Kind: KindTooLarge}), KindTooLarge},
		{context.Canceled, KindCanceled},
		{context.DeadlineExceeded, KindTimeout},
		{io.EOF, KindNetwork},
	}
	for _, tt := range tests {
		if got := KindOf(tt.err); got != tt.want {
			t.Errorf("KindOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestMessages keeps the errors readable for the person who reads them in a
// chat thread: the point first.
func TestMessages(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Kind: KindBlocked, URL: "https://x.example/privacy", Status: 403}, "blocked by the site: https://x.example/privacy answered 403 Forbidden"},
		{&Error{Kind: KindEmpty, URL: "https://x.example/", Status: 200}, "empty page: https://x.example/ answered 200 OK with no content"},
		{&Error{Kind: KindHTTP, URL: "https://x.example/", Status: 503, Attempts: 4, RetryAfter: time.Hour}, "https://x.example/ answered 503 Service Unavailable; retry after 1h0m0s (4 attempts)"},
		{&Error{Kind: KindNeedsBrowser, URL: "https://x.example/", Err: errNoBrowser}, "needs a browser: chromium not found; install Debian's chromium or set POLICYBOT_CHROMIUM (for https://x.example/)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

func TestHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/privacy", http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<p>over TLS, "+r.Proto+"</p>")
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	f := newTestFetcher(t, testConfig(), WithTLSConfig(&tls.Config{RootCAs: pool}))
	resp, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/old"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.URL != srv.URL+"/privacy" || !strings.Contains(string(resp.UTF8), "over TLS") {
		t.Errorf("url %s, body %q", resp.URL, resp.UTF8)
	}

	// Without the test CA the certificate is not trusted: a network error, not a page.
	_, err = newTestFetcher(t, testConfig()).Fetch(context.Background(), Request{URL: srv.URL})
	if fe := wantKind(t, err, KindNetwork); fe.Attempts != 1 {
		t.Errorf("attempts = %d: an untrusted certificate is not retried", fe.Attempts)
	}
	t.Log(err)
}

// TestQueueIsNotTimeout: waiting for the host's turn behind other documents
// does not count against a fetch's timeout.
func TestQueueIsNotTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		io.WriteString(w, "<p>slowish</p>")
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.Timeout = 250 * time.Millisecond
	cfg.Retries = 0
	f := newTestFetcher(t, cfg)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// stallingDialer never connects: it waits until its context gives up.
type stallingDialer struct{}

func (stallingDialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestConnectTimeout(t *testing.T) {
	cfg := testConfig()
	cfg.ConnectTimeout = 100 * time.Millisecond
	cfg.Timeout = 10 * time.Second
	cfg.Retries = 0
	f := newTestFetcher(t, cfg, WithDialer(stallingDialer{}))
	start := time.Now()
	_, err := f.Fetch(context.Background(), Request{URL: "http://127.0.0.1:9/"})
	wantKind(t, err, KindTimeout)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want about the 100ms connect timeout", d)
	}
}
