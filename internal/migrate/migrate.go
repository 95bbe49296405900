// Package migrate holds the versioned schema history shared by the storage
// engines (sqlite, postgres). Each component (the subscriber store, the
// delivery journal, the article store, ...) has its own numbered steps, so
// components evolve independently; an engine keeps one row per component
// in its khabar_migrations table with the last version applied, and on
// open applies the steps after it, in order, each in the transaction that
// records it.
package migrate

import "fmt"

// Table is the name of the table in which engines record the version of
// each component.
const Table = "khabar_migrations"

// Step is one schema change: the SQL that takes a component from Version-1
// to Version. Steps of version 1 create the component's tables; they must
// be idempotent (CREATE ... IF NOT EXISTS) so that a database made before
// migrations were recorded upgrades in place.
type Step struct {
	Version int
	SQL     string
}

// Component is a named set of tables and the steps that build them.
type Component struct {
	Name  string
	Steps []Step
}

// Pending returns the steps after version current, checking that the
// steps are numbered 1, 2, 3, ... It returns an error when current is
// newer than every step: the database was written by a newer program.
func (c Component) Pending(current int) ([]Step, error) {
	for i, s := range c.Steps {
		if s.Version != i+1 {
			return nil, fmt.Errorf("migrate: %s: step %d has version %d, want %d", c.Name, i, s.Version, i+1)
		}
	}
	if current > len(c.Steps) {
		return nil, fmt.Errorf("migrate: %s: database is at version %d, this program knows %d: upgrade the program", c.Name, current, len(c.Steps))
	}
	if current < 0 {
		return nil, fmt.Errorf("migrate: %s: negative version %d", c.Name, current)
	}
	return c.Steps[current:], nil
}

// Latest is the version the component's last step brings it to.
func (c Component) Latest() int { return len(c.Steps) }
