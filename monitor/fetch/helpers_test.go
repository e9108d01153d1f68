package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/policybot/policybot/config"
)

// testConfig lets the fetcher reach the httptest servers on 127.0.0.1, with
// short timeouts so that fault tests run in milliseconds.
func testConfig() config.Fetch {
	c := config.Default().Fetch
	c.AllowPrivate = true
	c.Timeout = 5 * time.Second
	c.ConnectTimeout = 2 * time.Second
	c.Retries = 2
	c.UserAgent = "policybot-test/1.0 (+https://github.com/policybot/policybot)"
	return c
}

// newTestFetcher never waits between attempts and never leaves loopback,
// whatever a test asks for.
func newTestFetcher(t testing.TB, cfg config.Fetch, opts ...Option) *Fetcher {
	t.Helper()
	base := []Option{
		WithHostGap(0),
		WithBackoff(time.Millisecond, 5*time.Millisecond),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		WithDialer(loopbackDialer{}),
		WithResolver(stubResolver{}),
	}
	f := New(cfg, append(base, opts...)...)
	t.Cleanup(f.Close)
	return f
}

// loopbackDialer connects to loopback only: a second guard, in the tests, on
// the rule that tests send nothing to any other address.
type loopbackDialer struct{}

func (loopbackDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().Unmap().IsLoopback() {
		return nil, fmt.Errorf("test dialer: %s is not loopback, not connecting", address)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

// stubResolver answers from a table; unknown names do not exist.
type stubResolver map[string][]netip.Addr

func (s stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if addrs, ok := s[host]; ok {
		return addrs, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// recordingDialer records every address it is asked for. Addresses in route
// are connected to the loopback address they map to (a "public" server that
// is really an httptest server); every other address is refused unconnected.
type recordingDialer struct {
	mu    sync.Mutex
	asked []string
	route map[string]string
}

func (d *recordingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	d.asked = append(d.asked, address)
	to, ok := d.route[address]
	d.mu.Unlock()
	if !ok {
		return nil, errors.New("recording dialer: not connecting")
	}
	return loopbackDialer{}.DialContext(ctx, network, to)
}

func (d *recordingDialer) addresses() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.asked...)
}

// sleepRecorder replaces the fetcher's waits: it records them and returns at once.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func wantKind(t *testing.T, err error, want ErrorKind) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want kind %s", want)
	}
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("err = %T %v, want *Error", err, err)
	}
	if fe.Kind != want {
		t.Fatalf("kind = %s (%v), want %s", fe.Kind, err, want)
	}
	return fe
}
