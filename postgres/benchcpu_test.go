package postgres

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// postmaster returns the process ID of the PostgreSQL server db runs on
// (the parent of this connection's backend), or 0 when it cannot be read:
// the server is not on this machine, or /proc is missing.
func postmaster(tb testing.TB, db *DB) int {
	var backend int
	if err := db.pool.QueryRow(context.Background(), `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		tb.Fatal(err)
	}
	st, ok := procStat(backend)
	if !ok {
		return 0
	}
	ppid, _ := strconv.Atoi(st[1])
	if _, ok := procStat(ppid); !ok {
		return 0
	}
	return ppid
}

// serverCPU returns the CPU time the server whose postmaster is pid has
// used: the postmaster's and its reaped children's, and that of its live
// children (backends, autovacuum, writers). Zero pid gives zero.
func serverCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	st, ok := procStat(pid)
	if !ok {
		return 0
	}
	ticks := field(st, 14) + field(st, 15) + field(st, 16) + field(st, 17)
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		child, _ := strconv.Atoi(filepath.Base(d))
		if st, ok := procStat(child); ok && st[1] == strconv.Itoa(pid) {
			ticks += field(st, 14) + field(st, 15)
		}
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// procStat returns the fields of /proc/pid/stat after the command name,
// numbered from the state (field 3 of proc(5)) as 0.
func procStat(pid int) ([]string, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, false
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil, false
	}
	f := strings.Fields(string(b[i+1:]))
	return f, len(f) > 16
}

// field returns field n of proc(5)'s stat (counted from 1), given the
// fields procStat returns (which start at field 3).
func field(st []string, n int) int64 {
	v, _ := strconv.ParseInt(st[n-3], 10, 64)
	return v
}
