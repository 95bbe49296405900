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
)

// ForbiddenReason says why the SSRF guard refuses addr ("loopback",
// "private", "link-local", …), or returns "" when addr is a public unicast
// address. IPv4 addresses written in IPv6 form (IPv4-mapped,
// IPv4-compatible, NAT64, 6to4) are judged by the IPv4 address inside.
func ForbiddenReason(addr netip.Addr) string {
	addr = addr.Unmap()
	if addr.Is6() {
		b := addr.As16()
		switch {
		case nat64.Contains(addr):
			return ForbiddenReason(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(addr):
			return ForbiddenReason(netip.AddrFrom4([4]byte(b[2:6])))
		case ipv4Compatible.Contains(addr) && !addr.IsUnspecified() && !addr.IsLoopback():
			return ForbiddenReason(netip.AddrFrom4([4]byte(b[12:16])))
		case nat64Local.Contains(addr):
			return "private"
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
