package upstream

import (
	"net"
	"net/netip"
)

var (
	cgnat          = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork    = netip.MustParsePrefix("0.0.0.0/8")
	ietfProtocol   = netip.MustParsePrefix("192.0.0.0/24")
	benchmarking   = netip.MustParsePrefix("198.18.0.0/15")
	reservedV4     = netip.MustParsePrefix("240.0.0.0/4")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local     = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	ipv4Compatible = netip.MustParsePrefix("::/96")
	siit           = netip.MustParsePrefix("::ffff:0:0:0/96") // IPv4-translated (RFC 2765)
	teredo         = netip.MustParsePrefix("2001::/32")
	siteLocal      = netip.MustParsePrefix("fec0::/10") // deprecated by RFC 3879, still routed by some stacks
)

// ForbiddenReason says why the SSRF guard refuses addr ("loopback",
// "private", "link-local", …), or returns "" when addr is a public unicast
// address. IPv4 addresses written in IPv6 form (IPv4-mapped,
// IPv4-compatible, IPv4-translated, NAT64, 6to4, Teredo) are judged by
// the IPv4 address inside.
func ForbiddenReason(addr netip.Addr) string {
	addr = addr.Unmap()
	if addr.Is6() {
		if reason, ok := embeddedReason(addr); ok {
			return reason
		}
	}
	switch {
	case !addr.IsValid():
		return "invalid"
	case addr.IsUnspecified():
		return "unspecified"
	case addr.IsLoopback():
		return "loopback"
	case addr.IsLinkLocalUnicast():
		return "link-local" // includes 169.254.169.254, the cloud metadata service
	case addr.IsMulticast():
		return "multicast"
	case addr.IsPrivate():
		if addr.Is6() {
			return "unique-local"
		}
		return "private"
	case cgnat.Contains(addr):
		return "shared (CGNAT)"
	case thisNetwork.Contains(addr), ietfProtocol.Contains(addr), benchmarking.Contains(addr),
		reservedV4.Contains(addr):
		return "reserved"
	}
	return ""
}

// embeddedReason judges an IPv6 address that carries an IPv4 address, or
// is of a non-public IPv6 kind that ForbiddenReason's general checks do
// not know; ok is false for any other address.
func embeddedReason(addr netip.Addr) (reason string, ok bool) {
	b := addr.As16()
	v4 := func(i int) netip.Addr { return netip.AddrFrom4([4]byte(b[i : i+4])) }
	switch {
	case nat64.Contains(addr), siit.Contains(addr):
		return ForbiddenReason(v4(12)), true
	case sixToFour.Contains(addr):
		return ForbiddenReason(v4(2)), true
	case teredo.Contains(addr):
		// 2001:0:server:flags:port:client, the client's IPv4 address
		// written with every bit flipped; both ends must be public.
		client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
		if r := ForbiddenReason(netip.AddrFrom4(client)); r != "" {
			return r, true
		}
		return ForbiddenReason(v4(4)), true
	case ipv4Compatible.Contains(addr) && !addr.IsUnspecified() && !addr.IsLoopback():
		return ForbiddenReason(v4(12)), true
	case nat64Local.Contains(addr):
		return "private", true
	case siteLocal.Contains(addr):
		return "site-local", true
	}
	return "", false
}

// guardControl is called from a net.Dialer Control function: it runs after name
// resolution, on the very address about to be connected to, so neither DNS
// rebinding nor a redirect can slip a private address past it.
func guardControl(allow []netip.Prefix, address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		host, _, serr := net.SplitHostPort(address)
		if serr != nil {
			return &AddressError{Reason: "unparseable"}
		}
		a, perr := netip.ParseAddr(host)
		if perr != nil {
			return &AddressError{Reason: "unparseable"}
		}
		ap = netip.AddrPortFrom(a, 0)
	}
	for _, p := range allow {
		if p.Contains(ap.Addr().Unmap()) {
			return nil
		}
	}
	if reason := ForbiddenReason(ap.Addr()); reason != "" {
		return &AddressError{Addr: ap.Addr().Unmap(), Reason: reason}
	}
	return nil
}
