package sqlite

import "github.com/khabar/khabar/internal/migrate"

// pollStateSchema is the history of the aggregators' poll state.
var pollStateSchema = migrate.Component{Name: "poll-state", Steps: []migrate.Step{
	{Version: 1, SQL: pollStateV1},
}}

// pollStateV1: one row per feed URL. state is upstream.State as JSON, NULL
// for a feed claimed but never saved; next_poll (Unix ms, NULL: due) is
// copied out of it for the claim query; lease_owner and lease_until (Unix
// ms) are the current claim.
const pollStateV1 = `
CREATE TABLE IF NOT EXISTS poll_state (
	url         TEXT PRIMARY KEY,
	state       TEXT,
	next_poll   INTEGER,
	lease_owner TEXT,
	lease_until INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS poll_state_next ON poll_state (next_poll);
`
