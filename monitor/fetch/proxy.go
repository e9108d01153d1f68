package fetch

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// guardProxy is the browser's only way out. Chromium resolves names itself, so
// checking a request's URL before letting it go (request interception) leaves
// a gap: the name can resolve differently a moment later, and some traffic
// (WebSockets, service workers) is never intercepted at all. Sending every
// connection through this proxy puts the browser behind the same dialer as
// plain fetches: resolved, checked, then dialed by address.
type guardProxy struct {
	f         *Fetcher
	ln        net.Listener
	srv       *http.Server
	transport *http.Transport
	refused   func(host string, err error)
	wg        sync.WaitGroup
}

// startProxy listens on a loopback port for the life of one render.
func (f *Fetcher) startProxy(refused func(host string, err error)) (*guardProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &guardProxy{
		f:       f,
		ln:      ln,
		refused: refused,
		transport: &http.Transport{
			Proxy:               nil,
			DialContext:         f.dialContext,
			TLSClientConfig:     f.tls,
			TLSHandshakeTimeout: f.cfg.ConnectTimeout,
			// Pass bodies through as the browser asked for them.
			DisableCompression: true,
		},
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// URL is the proxy's address for --proxy-server.
func (p *guardProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *guardProxy) Close() {
	_ = p.srv.Close()
	p.transport.CloseIdleConnections()
	p.wg.Wait()
}

func (p *guardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() {
		http.Error(w, "policybot proxy: an absolute URL is expected", http.StatusBadRequest)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	dropHopHeaders(out.Header)
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		p.fail(w, r.URL.Host, err)
		return
	}
	defer resp.Body.Close()
	dropHopHeaders(resp.Header)
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func (p *guardProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), p.f.cfg.ConnectTimeout)
	defer cancel()
	upstream, err := p.f.dialContext(ctx, "tcp", r.Host)
	if err != nil {
		p.fail(w, r.Host, err)
		return
	}
	client, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	if _, err := rw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n"); err != nil || rw.Flush() != nil {
		client.Close()
		upstream.Close()
		return
	}
	p.wg.Add(2)
	go p.pipe(upstream, rw, client)
	go p.pipe(client, upstream, upstream)
}

// pipe copies one direction of a tunnel, then closes both ends so the other
// direction ends too.
func (p *guardProxy) pipe(dst net.Conn, src io.Reader, srcConn net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	srcConn.Close()
}

// fail answers a request the proxy would not or could not forward. A refusal
// closes the connection without an answer: the browser then sees a network
// error, not an error page it would render as if it were the document.
func (p *guardProxy) fail(w http.ResponseWriter, host string, err error) {
	var fe *Error
	if errors.As(err, &fe) && fe.Kind == KindRefused {
		p.refused(host, err)
		if conn, _, herr := http.NewResponseController(w).Hijack(); herr == nil {
			conn.Close()
			return
		}
		http.Error(w, "refused", http.StatusForbidden)
		return
	}
	http.Error(w, "policybot proxy: "+err.Error(), http.StatusBadGateway)
}

var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

func dropHopHeaders(h http.Header) {
	for _, k := range hopHeaders {
		h.Del(k)
	}
}
