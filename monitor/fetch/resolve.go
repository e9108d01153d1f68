package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// Resolver turns a host name into addresses. *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer opens connections. *net.Dialer is one; tests give one that records
// the address instead of connecting.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// checkURL refuses what no fetch may ask for, before any name is resolved:
// other schemes (file:, gopher:, ftp:...), credentials in the URL, no host.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &Error{Kind: KindBadURL, URL: raw, Err: err}
	}
	switch u.Scheme {
	case "http", "https":
	case "":
		return nil, &Error{Kind: KindBadURL, URL: raw, Err: errors.New("not an absolute URL (it needs http:// or https://)")}
	default:
		return nil, &Error{Kind: KindRefused, URL: raw, Err: fmt.Errorf("scheme %q is not http or https", u.Scheme)}
	}
	if u.User != nil {
		return nil, &Error{Kind: KindRefused, URL: redactURL(u), Err: errors.New("URLs with a user name or password are not fetched")}
	}
	if u.Hostname() == "" {
		return nil, &Error{Kind: KindBadURL, URL: raw, Err: errors.New("no host")}
	}
	return u, nil
}

// redactURL prints a URL without its userinfo, so a password typed into a
// chat command is not echoed back into the channel or the logs.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// resolve returns the addresses a host stands for, every one of them checked.
// A name with one public and one private address is refused whole: the
// attacker who controls its DNS chooses which one a client would use.
func (f *Fetcher) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	addrs, err := f.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range addrs {
		if err := checkAddr(ip, f.cfg.AllowPrivate); err != nil {
			return nil, &Error{Kind: KindRefused, Err: explainRefusal(host, err)}
		}
	}
	return addrs, nil
}

// explainRefusal says how a host led to a refused address, unless the host
// is that address written plainly.
func explainRefusal(host string, err error) error {
	var ae *AddrError
	if !errors.As(err, &ae) {
		return err
	}
	bare := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip, perr := netip.ParseAddr(bare); perr == nil {
		if ip == ae.Addr {
			return err
		}
		return fmt.Errorf("%s is %s, %s", host, ae.Addr, ae.Range)
	}
	if _, numeric, _ := parseLegacyIPv4(bare); numeric {
		return fmt.Errorf("%s means %s, %s", host, ae.Addr, ae.Range)
	}
	return fmt.Errorf("%s resolves to %s, %s", host, ae.Addr, ae.Range)
}

func (f *Fetcher) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	// getaddrinfo and browsers read "2130706433", "127.1" and "0x7f.1" as
	// 127.0.0.1. Parse them the same way here, so that they reach the same
	// address check instead of depending on which resolver Go picked.
	if ip, numeric, err := parseLegacyIPv4(host); numeric {
		if err != nil {
			return nil, &Error{Kind: KindBadURL, Err: fmt.Errorf("host %q: %w", host, err)}
		}
		return []netip.Addr{ip}, nil
	}
	addrs, err := f.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err // a *net.DNSError names the host
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap().WithZone("")
	}
	return addrs, nil
}

// parseLegacyIPv4 parses the IPv4 forms of inet_aton and the WHATWG URL
// standard: one to four parts, each decimal, octal (leading 0) or hex (0x),
// the last part filling the remaining bytes. numeric reports whether the host
// is such a form at all (its last label is a number), even when it does not
// fit: "1.2.3.4.5" or "256.1" are then errors, not names to look up.
func parseLegacyIPv4(host string) (ip netip.Addr, numeric bool, err error) {
	host = strings.TrimSuffix(host, ".")
	parts := strings.Split(host, ".")
	if _, ok := parseIPv4Part(parts[len(parts)-1]); !ok {
		return netip.Addr{}, false, nil
	}
	if len(parts) > 4 {
		return netip.Addr{}, true, errors.New("too many parts for an IPv4 address")
	}
	var v uint64
	for i, p := range parts {
		n, ok := parseIPv4Part(p)
		if !ok {
			return netip.Addr{}, true, fmt.Errorf("%q is not a number", p)
		}
		if i < len(parts)-1 {
			if n > 255 {
				return netip.Addr{}, true, fmt.Errorf("%q is over 255", p)
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(4-i)) {
			return netip.Addr{}, true, fmt.Errorf("%q is too large", p)
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true, nil
}

func parseIPv4Part(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
		if s == "" {
			return 0, true // "0x" alone is zero in the URL standard
		}
	case len(s) > 1 && s[0] == '0':
		s, base = s[1:], 8
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 1 << 40, true // a number, too large for any part
		}
		return 0, false
	}
	return n, true
}

// dialContext is the transport's only way out: it resolves the host, checks
// every address, then dials the checked address itself, so that neither a
// redirect nor a DNS answer that changes between check and use can reach a
// refused address.
func (f *Fetcher) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &Error{Kind: KindBadURL, Err: err}
	}
	addrs, err := f.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var first error
	for _, ip := range addrs {
		dctx, cancel := context.WithTimeout(ctx, f.cfg.ConnectTimeout)
		conn, err := f.dialer.DialContext(dctx, network, net.JoinHostPort(ip.String(), port))
		cancel()
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// socketCheck runs on the socket's own address just before connect: a second
// lock on the same door, for any path that would hand the system dialer a
// name instead of a checked address.
func socketCheck(allowPrivate bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &Error{Kind: KindRefused, Err: fmt.Errorf("socket address %q: %w", address, err)}
		}
		if err := checkAddr(ap.Addr(), allowPrivate); err != nil {
			return &Error{Kind: KindRefused, Err: err}
		}
		return nil
	}
}
