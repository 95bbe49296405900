package subrow

import "github.com/khabar/khabar/digest"

// Rekeying: digest.EmailKey once only lower-cased an address; it now also
// reads the domain as IDNA does, so a record stored under a punycode or
// otherwise differently spelled domain has a key EmailKey no longer
// gives. Each engine's store marks its database for rekeying in a
// migration step and, on open, moves such records (with their histories
// and sent logs) to their keys, merging a record into one already stored
// under its key: two records for one mailbox, made by an import and a
// signup, become one. Every open looks for such records (a process of
// an earlier version still running may store more), the database's mark
// only says that the first look is due.

// RekeyMarker is the digest_meta row (name) a migration step adds and the
// rekeying deletes, in the transaction that moves the keys.
const RekeyMarker = "rekey-idna"

// KeyedRow is a stored subscriber's key and address.
type KeyedRow struct{ Key, Email string }

// Rekey is one stored record to move from key Old to key New.
type Rekey struct{ Old, New string }

// Rekeys returns the moves for the rows whose key is not EmailKey of
// their address, in the order of rows.
func Rekeys(rows []KeyedRow) []Rekey {
	var out []Rekey
	for _, r := range rows {
		if k := digest.EmailKey(r.Email); k != r.Key {
			out = append(out, Rekey{Old: r.Key, New: k})
		}
	}
	return out
}

// MergeSQL returns the statement that merges the record under key
// parameter old into the one under key parameter new (SQL both engines
// run; the parameters are written as the engine writes them, "?1" or
// "$1"), before the old one is deleted: a complaint, a bounce or an
// unsubscribe on either stands (the person said no, or the address takes
// no mail), else active over pending; the later pause; and the name,
// language, time zone and follows of the old record where the new one has
// none.
func MergeSQL(new, old string) string {
	o := func(col string) string { return "(SELECT " + col + " FROM subscribers WHERE key = " + old + ")" }
	rank := func(col string) string {
		return "CASE " + col + " WHEN 'complained' THEN 4 WHEN 'bounced' THEN 3 WHEN 'unsubscribed' THEN 2 WHEN 'active' THEN 1 ELSE 0 END"
	}
	fill := func(col, empty string) string {
		return col + " = CASE WHEN " + col + " = '" + empty + "' THEN " + o(col) + " ELSE " + col + " END"
	}
	return `UPDATE subscribers SET
		status = CASE WHEN ` + rank(o("status")) + ` > ` + rank("status") + ` THEN ` + o("status") + ` ELSE status END,
		paused_until = CASE WHEN ` + o("paused_until") + ` > paused_until THEN ` + o("paused_until") + ` ELSE paused_until END,
		` + fill("name", "") + `,
		` + fill("language", "") + `,
		` + fill("time_zone", "") + `,
		` + fill("follows", "{}") + `
		WHERE key = ` + new
}

// JournalRank is SQL ranking a delivery record's state (the column col)
// by how far it went: a record of one edition under both of a mailbox's
// keys keeps the state further along, so that a message sent under one
// key is not sent again under the other.
func JournalRank(col string) string {
	return "CASE " + col + " WHEN 'sent' THEN 5 WHEN 'unknown' THEN 4 WHEN 'sending' THEN 3 WHEN 'failed' THEN 2 WHEN 'skipped' THEN 1 ELSE 0 END"
}
