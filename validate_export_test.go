package khabar

// ValidateBefore is Article.Validate as it was before its fast paths
// (validateBefore), exported to the external benchmarks so that they can
// report the speedup side by side.
var ValidateBefore = validateBefore
