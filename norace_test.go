//go:build !race

package khabar

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false
