package khabar

// Internals that the external test package benchmarks.
var (
	CleanOK         = cleanOK
	CleanOKRuneLoop = cleanOKRuneLoop
)
