package subrow

import "github.com/khabar/khabar/digest"

// Rekeying: digest.EmailKey once only lower-cased an address; it now also
// reads the domain as IDNA does, so a record stored under a punycode or
// otherwise differently spelled domain has a key EmailKey no longer
// gives. Each engine's store marks its database for rekeying in a
// migration step and, on open, moves such records (with their histories
// and sent logs) to their keys, merging a record into one already stored
// under its key: two records for one mailbox, made by an import and a
// signup, become one.

// RekeyMarker is the digest_meta row (name) a migration step adds and the
// rekeying deletes, in the transaction that moves the keys.
const RekeyMarker = "rekey-idna"

// KeyedRow is a stored subscriber's key, address and status.
type KeyedRow struct{ Key, Email, Status string }

// Rekey is one stored record to move from key Old to key New.
type Rekey struct {
	Old, New string
	Status   string // the moving record's status
}

// Rekeys returns the moves for the rows whose key is not EmailKey of
// their address, in the order of rows.
func Rekeys(rows []KeyedRow) []Rekey {
	var out []Rekey
	for _, r := range rows {
		if k := digest.EmailKey(r.Email); k != r.Key {
			out = append(out, Rekey{Old: r.Key, New: k, Status: r.Status})
		}
	}
	return out
}

// MergedStatus is the status of a record merged from two of one mailbox:
// a complaint, a bounce or an unsubscribe on either stands (the person
// said no, or the address does not take mail), else active over pending.
func MergedStatus(a, b string) string {
	rank := func(s string) int {
		switch digest.Status(s) {
		case digest.StatusComplained:
			return 4
		case digest.StatusBounced:
			return 3
		case digest.StatusUnsubscribed:
			return 2
		case digest.StatusActive, "":
			return 1
		}
		return 0 // pending
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}
