package digest

import "testing"

// TestEmailKeyStable (found by an adversarial review): over domains built
// from up to three pieces among punycode labels (stable and not), upper
// case, Kelvin sign, dotted İ, ß/ẞ, full-width letters, joiners, soft
// hyphens, ideographic full stops, combining marks and RTL letters, every
// address CheckAddress accepts has EmailKey(EmailKey(x)) == EmailKey(x)
// and EmailKey(CanonicalAddress(x)) == EmailKey(x) (a 90 s fuzz of the
// same properties found nothing either). Addresses CheckAddress refuses
// do break idempotence ("x@xn--bcher-kvaİ" keys to "x@xn--bcher-kvai",
// which keys to another domain), so nothing may key an unchecked address
// and key the result again.
func TestEmailKeyStable(t *testing.T) {
	parts := []string{"a", "K", "\u212A", "\u0130", "xn--bcher-kva", "xn--bcher-2pa", "XN--", "-", "_", "\u00df", "\u1E9E",
		"\uFF21", "\u0307", "\u200d", "\u00ad", "\u3002", "\uFF0E", ".", "ü", "Ü", "\u05d0", "xn--ls8h"}
	var rec func(d string, depth int)
	rec = func(d string, depth int) {
		for _, e := range []string{"x@" + d, "X@" + d + ".example", "x@xn--bcher-kva." + d} {
			if CheckAddress(e) != nil {
				continue
			}
			k := EmailKey(e)
			if k2 := EmailKey(k); k2 != k {
				t.Errorf("EmailKey(%q) = %q, EmailKey of that %q", e, k, k2)
			}
			if c, err := CanonicalAddress(e); err == nil && EmailKey(c) != k {
				t.Errorf("%q: key %q, canonical %q keys to %q", e, k, c, EmailKey(c))
			}
		}
		if depth > 0 {
			for _, p := range parts {
				rec(d+p, depth-1)
			}
		}
	}
	rec("", 3)
}
