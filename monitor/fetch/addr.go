package fetch

import (
	"fmt"
	"net/netip"
)

// AddrError says why an address is refused: which special range it falls in.
type AddrError struct {
	Addr netip.Addr
	// Range names the block, e.g. "a private network (10.0.0.0/8)".
	Range string
}

func (e *AddrError) Error() string { return fmt.Sprintf("%s is %s", e.Addr, e.Range) }

// addrRange is a block of addresses that no URL typed into a chat command may
// reach. Order matters: the first match names the refusal, so the narrower
// blocks (the metadata address, broadcast) come before the ones holding them.
type addrRange struct {
	prefix netip.Prefix
	what   string
	// private blocks are an operator's own networks: Fetch.AllowPrivate lets
	// them through for tests and intranet documents. The others (metadata,
	// multicast, documentation...) are never a place where a policy lives.
	private bool
	// embedsV4 marks IPv6 translation prefixes whose address carries an IPv4
	// address that the network will reach: judge that IPv4 address instead.
	embedsV4 func(netip.Addr) netip.Addr
}

var refusedRanges = []addrRange{
	// IPv4, after the IANA IPv4 Special-Purpose Address Registry.
	{prefix: mustPrefix("0.0.0.0/8"), what: "the unspecified \"this network\" block"},
	{prefix: mustPrefix("10.0.0.0/8"), what: "in a private network", private: true},
	{prefix: mustPrefix("100.64.0.0/10"), what: "in carrier-grade NAT space", private: true},
	{prefix: mustPrefix("127.0.0.0/8"), what: "a loopback address", private: true},
	{prefix: mustPrefix("169.254.169.254/32"), what: "the cloud metadata address"},
	{prefix: mustPrefix("169.254.0.0/16"), what: "a link-local address"},
	{prefix: mustPrefix("172.16.0.0/12"), what: "in a private network", private: true},
	{prefix: mustPrefix("192.0.0.0/24"), what: "reserved for IETF protocol assignments"},
	{prefix: mustPrefix("192.0.2.0/24"), what: "reserved for documentation"},
	{prefix: mustPrefix("192.88.99.0/24"), what: "a deprecated 6to4 relay address"},
	{prefix: mustPrefix("192.168.0.0/16"), what: "in a private network", private: true},
	{prefix: mustPrefix("198.18.0.0/15"), what: "reserved for benchmarking"},
	{prefix: mustPrefix("198.51.100.0/24"), what: "reserved for documentation"},
	{prefix: mustPrefix("203.0.113.0/24"), what: "reserved for documentation"},
	{prefix: mustPrefix("224.0.0.0/4"), what: "a multicast address"},
	{prefix: mustPrefix("255.255.255.255/32"), what: "the broadcast address"},
	{prefix: mustPrefix("240.0.0.0/4"), what: "reserved for future use"},

	// IPv6, after the IANA IPv6 Special-Purpose Address Registry.
	{prefix: mustPrefix("::/128"), what: "the unspecified address"},
	{prefix: mustPrefix("::1/128"), what: "a loopback address", private: true},
	{prefix: mustPrefix("::/96"), what: "a deprecated IPv4-compatible address"},
	{prefix: mustPrefix("64:ff9b::/96"), what: "a NAT64 address", embedsV4: lastFour},
	{prefix: mustPrefix("64:ff9b:1::/48"), what: "a local-use NAT64 address"},
	{prefix: mustPrefix("100::/64"), what: "a discard-only address"},
	{prefix: mustPrefix("2001::/32"), what: "a Teredo tunnel address"},
	{prefix: mustPrefix("2001:2::/48"), what: "reserved for benchmarking"},
	{prefix: mustPrefix("2001:10::/28"), what: "a deprecated ORCHID address"},
	{prefix: mustPrefix("2001:20::/28"), what: "an ORCHIDv2 address"},
	{prefix: mustPrefix("2001:db8::/32"), what: "reserved for documentation"},
	{prefix: mustPrefix("2002::/16"), what: "a 6to4 address", embedsV4: sixToFour},
	{prefix: mustPrefix("3fff::/20"), what: "reserved for documentation"},
	{prefix: mustPrefix("fc00::/7"), what: "a unique local address", private: true},
	{prefix: mustPrefix("fe80::/10"), what: "a link-local address"},
	{prefix: mustPrefix("fec0::/10"), what: "a deprecated site-local address"},
	{prefix: mustPrefix("ff00::/8"), what: "a multicast address"},
}

// globalUnicast6 is the only IPv6 block handed out for the public Internet;
// anything outside it (and not a translation prefix above) is refused.
var globalUnicast6 = mustPrefix("2000::/3")

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// lastFour is the IPv4 address in the low 32 bits (RFC 6052 /96 prefixes).
func lastFour(ip netip.Addr) netip.Addr {
	b := ip.As16()
	return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
}

// sixToFour is the IPv4 address in bits 16 to 48 (RFC 3056).
func sixToFour(ip netip.Addr) netip.Addr {
	b := ip.As16()
	return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
}

// CheckAddr returns nil for a public unicast address, and an *AddrError naming
// the range otherwise. It is the one decision point of the address policy: the
// dialer, the redirect path and the browser all end here.
func CheckAddr(ip netip.Addr) error { return checkAddr(ip, false) }

func checkAddr(ip netip.Addr, allowPrivate bool) error {
	if !ip.IsValid() {
		return &AddrError{Addr: ip, Range: "not an IP address"}
	}
	ip = ip.WithZone("")
	if ip.Is4In6() {
		// ::ffff:a.b.c.d reaches a.b.c.d on a dual-stack socket.
		v4 := ip.Unmap()
		if err := checkAddr(v4, allowPrivate); err != nil {
			return &AddrError{Addr: ip, Range: fmt.Sprintf("the IPv4-mapped form of %s, %s", v4, err.(*AddrError).Range)}
		}
		return nil
	}
	for _, r := range refusedRanges {
		if !r.prefix.Contains(ip) {
			continue
		}
		if r.embedsV4 != nil {
			v4 := r.embedsV4(ip)
			if err := checkAddr(v4, allowPrivate); err != nil {
				return &AddrError{Addr: ip, Range: fmt.Sprintf("%s (%s) embedding %s, %s", r.what, r.prefix, v4, err.(*AddrError).Range)}
			}
			return nil
		}
		if r.private && allowPrivate {
			return nil
		}
		return &AddrError{Addr: ip, Range: fmt.Sprintf("%s (%s)", r.what, r.prefix)}
	}
	if ip.Is6() && !globalUnicast6.Contains(ip) {
		return &AddrError{Addr: ip, Range: "outside the global unicast block (2000::/3)"}
	}
	return nil
}
