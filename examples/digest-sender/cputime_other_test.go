//go:build !unix

package main

import "time"

// cpuTime is 0 where getrusage is missing: the CPU figures are left out.
func cpuTime() time.Duration { return 0 }
