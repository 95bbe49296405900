package khabar

import (
	"sync"
	"time"
)

// DefaultLocation returns the time zone packages feed and digest use where
// a configuration leaves its Location nil (the upstream parser reads dates
// without a zone as UTC, as feed readers do): India Standard Time
// (Asia/Kolkata, UTC+05:30), the zone of the site khabar is built for. It
// is Asia/Kolkata from the zone database when the program has one (the
// system's, or time/tzdata linked in), and otherwise a fixed zone of that
// name at +05:30, which India has kept without daylight saving since 1945.
func DefaultLocation() *time.Location {
	defaultOnce.Do(func() {
		defaultLoc, _ = time.LoadLocation("Asia/Kolkata")
		if defaultLoc == nil {
			defaultLoc = time.FixedZone("Asia/Kolkata", 5*3600+1800)
		}
	})
	return defaultLoc
}

var (
	defaultOnce sync.Once
	defaultLoc  *time.Location
)
