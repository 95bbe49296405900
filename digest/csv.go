package digest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// CSVError is one bad row of a subscriber CSV file.
type CSVError struct {
	// Line is the 1-based line the row starts on.
	Line int
	// Column is the header name of the bad field, empty for the row.
	Column string
	// Err is what is wrong.
	Err error
}

// Error says where the row is and what is wrong with it.
func (e *CSVError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("digest: csv line %d, column %s: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("digest: csv line %d: %v", e.Line, e.Err)
}

// Unwrap returns the cause.
func (e *CSVError) Unwrap() error { return e.Err }

// The columns ReadCSV knows. Only email is required; the others may be
// absent or in any order. List columns (categories, tags, authors) hold
// values separated by "|" or ";".
var csvColumns = []string{"email", "name", "language", "time_zone", "categories", "tags", "authors", "status"}

// ReadCSV reads subscribers from CSV with a header row naming its columns:
// email (required), name, language, time_zone (an IANA name such as
// Asia/Kolkata), categories (category paths), tags and authors (slugs or
// names; names are slugified) and status (active, unsubscribed, bounced;
// empty is active). A UTF-8 byte order mark is allowed; lines starting
// with '#' are comments.
//
// Bad rows are left out and reported, each as a *CSVError, joined into the
// error; every good row is returned all the same. An address that appears
// twice is an error on its second row.
func ReadCSV(r io.Reader) ([]*Subscriber, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &CSVError{Line: 1, Err: errors.New("no header row")}
		}
		return nil, &CSVError{Line: 1, Err: err}
	}
	col, err := csvHeader(header)
	if err != nil {
		return nil, err
	}
	var out []*Subscriber
	var errs []error
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// FieldPos is only valid after a successful Read.
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				errs = append(errs, &CSVError{Err: err})
				break
			}
			errs = append(errs, &CSVError{Line: pe.StartLine, Err: err})
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) > len(header) {
			errs = append(errs, &CSVError{Line: line, Err: fmt.Errorf("%d fields, the header has %d", len(rec), len(header))})
			continue
		}
		sub, rowErrs := col.subscriber(rec, line)
		if first, dup := seen[sub.Key()]; dup && sub.Email != "" {
			rowErrs = append(rowErrs, &CSVError{Line: line, Column: "email", Err: fmt.Errorf("address %s already on line %d", sub.Email, first)})
		}
		if len(rowErrs) > 0 {
			errs = append(errs, rowErrs...)
			continue
		}
		seen[sub.Key()] = line
		out = append(out, sub)
	}
	return out, errors.Join(errs...)
}

// csvColumnsAt maps a known column name to its index in a row.
type csvColumnsAt map[string]int

// csvHeader reads the header row: names are case- and space-insensitive,
// "timezone" and "tz" mean time_zone, and email is required.
func csvHeader(header []string) (csvColumnsAt, error) {
	col := csvColumnsAt{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		h = strings.ReplaceAll(h, " ", "_")
		if h == "timezone" || h == "tz" {
			h = "time_zone"
		}
		if !slices.Contains(csvColumns, h) {
			return nil, &CSVError{Line: 1, Column: h, Err: fmt.Errorf("unknown column (known: %s)", strings.Join(csvColumns, ", "))}
		}
		if _, dup := col[h]; dup {
			return nil, &CSVError{Line: 1, Column: h, Err: errors.New("column given twice")}
		}
		col[h] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, &CSVError{Line: 1, Err: errors.New("no email column")}
	}
	return col, nil
}

// subscriber reads the subscriber on row rec (line line of the file) and
// every problem with it.
func (col csvColumnsAt) subscriber(rec []string, line int) (*Subscriber, []error) {
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var errs []error
	bad := func(column string, err error) { errs = append(errs, &CSVError{Line: line, Column: column, Err: err}) }
	sub := &Subscriber{
		Email:    get("email"),
		Name:     get("name"),
		Language: get("language"),
		Follows: Follows{
			Categories: splitList(get("categories")),
			Tags:       splitList(get("tags")),
			Authors:    splitList(get("authors")),
		},
	}
	if tz := get("time_zone"); tz != "" {
		loc, err := subscriberZone(tz)
		if err != nil {
			bad("time_zone", err)
		}
		sub.TimeZone = loc
	}
	st, err := ParseStatus(get("status"))
	if err != nil {
		bad("status", err)
	}
	sub.Status = st
	if err := sub.Validate(); err != nil {
		bad("", err)
	}
	return sub, errs
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ';' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// WriteCSV writes subscribers in the form ReadCSV reads, with a header.
func WriteCSV(w io.Writer, subs []*Subscriber) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return fmt.Errorf("digest: write csv: %w", err)
	}
	for _, s := range subs {
		tz := ""
		if s.TimeZone != nil {
			tz = s.TimeZone.String()
		}
		st := s.Status
		if st == "" {
			st = StatusActive
		}
		rec := []string{s.Email, s.Name, s.Language, tz,
			strings.Join(s.Follows.Categories, "|"), strings.Join(s.Follows.Tags, "|"),
			strings.Join(s.Follows.Authors, "|"), string(st)}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("digest: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("digest: write csv: %w", err)
	}
	return nil
}
