package fetch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckAddrRefuses(t *testing.T) {
	tests := []struct {
		addr   string
		reason string // part of the reason
	}{
		{"10.0.0.1", "private network (10.0.0.0/8)"},
		{"10.255.255.255", "10.0.0.0/8"},
		{"172.16.0.1", "172.16.0.0/12"},
		{"172.31.255.254", "172.16.0.0/12"},
		{"192.168.1.1", "192.168.0.0/16"},
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "127.0.0.0/8"},
		{"169.254.169.254", "cloud metadata"},
		{"169.254.1.1", "link-local"},
		{"100.64.0.1", "carrier-grade NAT space (100.64.0.0/10)"},
		{"100.127.255.255", "100.64.0.0/10"},
		{"0.0.0.0", "0.0.0.0/8"},
		{"0.1.2.3", "0.0.0.0/8"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "224.0.0.0/4"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"192.0.2.10", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.99", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"192.0.0.8", "IETF"},
		{"::1", "loopback"},
		{"::", "unspecified"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fc00::1", "unique local"},
		{"fd12:3456:789a::1", "fc00::/7"},
		{"ff02::1", "multicast"},
		{"fec0::1", "site-local"},
		{"::ffff:10.0.0.1", "IPv4-mapped form of 10.0.0.1"},
		{"::ffff:127.0.0.1", "IPv4-mapped form of 127.0.0.1"},
		{"::ffff:169.254.169.254", "cloud metadata"},
		{"::127.0.0.1", "IPv4-compatible"},
		{"64:ff9b::10.0.0.1", "NAT64"},
		{"64:ff9b::127.0.0.1", "loopback"},
		{"64:ff9b:1::1", "local-use NAT64"},
		{"2002:0a00:0001::", "6to4"},
		{"2002:7f00:0001::1", "127.0.0.1"},
		{"2001::1", "Teredo"},
		{"2001:db8::1", "documentation"},
		{"3fff::1", "documentation"},
		{"100::1", "discard"},
		{"4000::1", "outside the global unicast block"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := CheckAddr(netip.MustParseAddr(tt.addr))
			if err == nil {
				t.Fatalf("CheckAddr(%s) = nil, want refused", tt.addr)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("CheckAddr(%s) = %q, want it to name %q", tt.addr, err, tt.reason)
			}
		})
	}
}

func TestCheckAddrAllowsPublic(t *testing.T) {
	for _, a := range []string{
		"93.184.216.34", "8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
		"169.253.255.255", "11.0.0.1", "223.255.255.254",
		"2606:4700:4700::1111", "2a00:1450:4001:80e::200e", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::1",
	} {
		if err := CheckAddr(netip.MustParseAddr(a)); err != nil {
			t.Errorf("CheckAddr(%s) = %v, want nil", a, err)
		}
	}
}

func TestAllowPrivate(t *testing.T) {
	tests := []struct {
		addr    string
		allowed bool
	}{
		{"127.0.0.1", true},
		{"::1", true},
		{"10.1.2.3", true},
		{"172.20.0.1", true},
		{"192.168.0.10", true},
		{"100.100.100.100", true},
		{"fd00::1", true},
		{"::ffff:192.168.1.1", true},
		// Never a place where a policy lives, intranet or not.
		{"169.254.169.254", false},
		{"fe80::1", false},
		{"0.0.0.0", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"192.0.2.1", false},
	}
	for _, tt := range tests {
		err := checkAddr(netip.MustParseAddr(tt.addr), true)
		if (err == nil) != tt.allowed {
			t.Errorf("checkAddr(%s, allowPrivate) = %v, want allowed=%v", tt.addr, err, tt.allowed)
		}
	}
}

func TestParseLegacyIPv4(t *testing.T) {
	tests := []struct {
		host    string
		want    string
		numeric bool
		bad     bool
	}{
		{"2130706433", "127.0.0.1", true, false},
		{"127.1", "127.0.0.1", true, false},
		{"0x7f.1", "127.0.0.1", true, false},
		{"0x7f000001", "127.0.0.1", true, false},
		{"0177.0.0.1", "127.0.0.1", true, false},
		{"017700000001", "127.0.0.1", true, false},
		{"127.0.1", "127.0.0.1", true, false},
		{"10.1", "10.0.0.1", true, false},
		{"167772161", "10.0.0.1", true, false},
		{"2852039166", "169.254.169.254", true, false},
		{"127.0.0.1.", "127.0.0.1", true, false},
		{"1.2.3.4.5", "", true, true},
		{"256.1", "", true, true},
		{"1.2.3.256", "", true, true},
		{"4294967296", "", true, true},
		{"99999999999999999999999", "", true, true},
		{"example.com", "", false, false},
		{"policy.example", "", false, false},
		{"1.2.3.example", "", false, false},
	}
	for _, tt := range tests {
		ip, numeric, err := parseLegacyIPv4(tt.host)
		if numeric != tt.numeric || (err != nil) != tt.bad {
			t.Errorf("parseLegacyIPv4(%q) = %v, numeric %v, err %v; want numeric %v, bad %v", tt.host, ip, numeric, err, tt.numeric, tt.bad)
			continue
		}
		if tt.want != "" && ip.String() != tt.want {
			t.Errorf("parseLegacyIPv4(%q) = %s, want %s", tt.host, ip, tt.want)
		}
	}
}

// TestFetchRefuses runs every refused URL through Fetch and Validate with a
// stub resolver and a dialer that records instead of connecting: the refusal
// must come before any connection is attempted.
func TestFetchRefuses(t *testing.T) {
	resolver := stubResolver{
		"public.example":   {mustAddr("93.184.216.34")},
		"private.example":  {mustAddr("10.0.0.5")},
		"mixed.example":    {mustAddr("93.184.216.34"), mustAddr("192.168.1.1")},
		"loopback.example": {mustAddr("127.0.0.1")},
		"mapped.example":   {mustAddr("::ffff:10.1.1.1")},
		"v6local.example":  {mustAddr("fd00::1")},
		"metadata.example": {mustAddr("169.254.169.254")},
	}
	tests := []struct {
		url  string
		kind ErrorKind
	}{
		{"http://2130706433/", KindRefused},
		{"http://127.1/", KindRefused},
		{"http://0x7f.1/", KindRefused},
		{"http://0177.0.0.1/", KindRefused},
		{"http://127.0.0.1/", KindRefused},
		{"http://10.0.0.1/", KindRefused},
		{"http://172.16.5.4/", KindRefused},
		{"http://192.168.0.1/", KindRefused},
		{"http://169.254.169.254/latest/meta-data/", KindRefused},
		{"http://100.64.0.1/", KindRefused},
		{"http://0.0.0.0/", KindRefused},
		{"http://224.0.0.1/", KindRefused},
		{"http://255.255.255.255/", KindRefused},
		{"http://[::1]/", KindRefused},
		{"http://[fe80::1%25eth0]/", KindRefused},
		{"http://[fc00::1]/", KindRefused},
		{"http://[::ffff:10.0.0.1]/", KindRefused},
		{"http://[::ffff:127.0.0.1]/", KindRefused},
		{"http://[64:ff9b::10.0.0.1]/", KindRefused},
		{"http://[2002:0a00:0001::]/", KindRefused},
		{"http://private.example/privacy", KindRefused},
		{"http://mixed.example/privacy", KindRefused},
		{"http://loopback.example/", KindRefused},
		{"http://mapped.example/", KindRefused},
		{"https://v6local.example/", KindRefused},
		{"http://metadata.example/", KindRefused},
		{"ftp://public.example/terms.pdf", KindRefused},
		{"file:///etc/passwd", KindRefused},
		{"gopher://public.example/", KindRefused},
		{"http://user:secret@public.example/", KindRefused},
		{"http://user@public.example/", KindRefused},
		{"http://1.2.3.4.5/", KindBadURL},
		{"/relative/path", KindBadURL},
		{"http:///nohost", KindBadURL},
		{"http://nosuch.example/", KindNetwork},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			dialer := &recordingDialer{}
			cfg := testConfig()
			cfg.AllowPrivate = false
			f := newTestFetcher(t, cfg, WithResolver(resolver), WithDialer(dialer))
			_, err := f.Fetch(context.Background(), Request{URL: tt.url})
			fe := wantKind(t, err, tt.kind)
			t.Log(err)
			if fe.Attempts > 1 {
				t.Errorf("attempts = %d, want at most 1 (a refusal is not retried)", fe.Attempts)
			}
			if got := dialer.addresses(); len(got) != 0 {
				t.Errorf("dialer was asked for %v, want nothing", got)
			}
			if err := f.Validate(context.Background(), tt.url); KindOf(err) != tt.kind {
				t.Errorf("Validate(%s) = %v, want kind %s", tt.url, err, tt.kind)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q repeats the password", err)
			}
		})
	}
}

func TestValidateAcceptsPublic(t *testing.T) {
	f := newTestFetcher(t, testConfig(), WithResolver(stubResolver{"public.example": {mustAddr("93.184.216.34")}}))
	for _, u := range []string{"https://public.example/privacy", "http://93.184.216.34/", "http://1572395042/"} {
		if err := f.Validate(context.Background(), u); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", u, err)
		}
	}
}

// TestRedirectToRefusedAddress follows a real redirect from a "public" site
// (an httptest server the recording dialer reaches for 93.184.216.34) to
// servers on loopback and in a private network: both hops are refused before
// any connection, and the loopback server never sees a request.
func TestRedirectToRefusedAddress(t *testing.T) {
	var secretHits atomic.Int32
	secret := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secretHits.Add(1)
		io.WriteString(w, "internal admin page")
	}))
	defer secret.Close()

	for _, target := range []string{secret.URL + "/admin", "http://10.0.0.1/", "http://private.example/", "http://2130706433/"} {
		t.Run(target, func(t *testing.T) {
			public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target, http.StatusFound)
			}))
			defer public.Close()
			dialer := &recordingDialer{route: map[string]string{"93.184.216.34:80": public.Listener.Addr().String()}}
			cfg := testConfig()
			cfg.AllowPrivate = false
			f := newTestFetcher(t, cfg, WithDialer(dialer), WithResolver(stubResolver{
				"policy.example":  {mustAddr("93.184.216.34")},
				"private.example": {mustAddr("10.9.9.9")},
			}))
			_, err := f.Fetch(context.Background(), Request{URL: "http://policy.example/privacy"})
			fe := wantKind(t, err, KindRefused)
			t.Log(err)
			if got := dialer.addresses(); len(got) != 1 || got[0] != "93.184.216.34:80" {
				t.Errorf("dialer was asked for %v, want only the public site", got)
			}
			if fe.URL != "http://policy.example/privacy" || !strings.Contains(err.Error(), "redirected to "+target) {
				t.Errorf("error %q (URL %s), want it to name the page and the redirect target %s", err, fe.URL, target)
			}
		})
	}
	if n := secretHits.Load(); n != 0 {
		t.Errorf("the loopback server saw %d requests, want 0", n)
	}
}

func TestSocketCheck(t *testing.T) {
	check := socketCheck(false)
	for _, a := range []string{"127.0.0.1:80", "[::1]:443", "10.0.0.1:80", "[::ffff:169.254.169.254]:80"} {
		if err := check("tcp", a, nil); KindOf(err) != KindRefused {
			t.Errorf("socketCheck(%s) = %v, want refused", a, err)
		}
	}
	if err := check("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("socketCheck(public) = %v", err)
	}
	if err := socketCheck(true)("tcp", "127.0.0.1:8080", nil); err != nil {
		t.Errorf("socketCheck(loopback, allowPrivate) = %v", err)
	}
}

func ExampleCheckAddr() {
	fmt.Println(CheckAddr(netip.MustParseAddr("169.254.169.254")))
	fmt.Println(CheckAddr(netip.MustParseAddr("::ffff:10.0.0.1")))
	fmt.Println(CheckAddr(netip.MustParseAddr("93.184.216.34")))
	// Output:
	// 169.254.169.254 is the cloud metadata address (169.254.169.254/32)
	// ::ffff:10.0.0.1 is the IPv4-mapped form of 10.0.0.1, in a private network (10.0.0.0/8)
	// <nil>
}

// rebindingResolver answers with a public address first, then with loopback:
// the DNS-rebinding attack on check-then-use.
type rebindingResolver struct{ calls atomic.Int32 }

func (r *rebindingResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	if r.calls.Add(1) == 1 {
		return []netip.Addr{mustAddr("93.184.216.34")}, nil
	}
	return []netip.Addr{mustAddr("127.0.0.1")}, nil
}

func TestDNSRebinding(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "internal")
	}))
	defer srv.Close()
	dialer := &recordingDialer{route: map[string]string{"127.0.0.1:80": srv.Listener.Addr().String()}}
	cfg := testConfig()
	cfg.AllowPrivate = false
	f := newTestFetcher(t, cfg, WithDialer(dialer), WithResolver(&rebindingResolver{}))

	if err := f.Validate(context.Background(), "http://rebind.example/"); err != nil {
		t.Fatalf("Validate saw the public address and should pass: %v", err)
	}
	_, err := f.Fetch(context.Background(), Request{URL: "http://rebind.example/"})
	wantKind(t, err, KindRefused)
	if got := dialer.addresses(); len(got) != 0 || hits.Load() != 0 {
		t.Errorf("dialer asked for %v, server hits %d; want nothing", got, hits.Load())
	}
}
