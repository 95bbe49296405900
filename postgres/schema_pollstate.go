package postgres

import "github.com/khabar/khabar/internal/migrate"

func init() { components = append(components, pollStateSchema) }

// pollStateSchema is the history of the aggregators' poll state.
var pollStateSchema = migrate.Component{Name: "poll-state", Steps: []migrate.Step{
	{Version: 1, SQL: pollStateV1},
}}

// pollStateV1: one row per feed URL. state is upstream.State as JSON, NULL
// for a feed claimed but never saved; next_poll (NULL: due) is copied out
// of it for the claim query; lease_owner and lease_until are the current
// claim.
const pollStateV1 = `
CREATE TABLE IF NOT EXISTS khabar_poll_state (
	url         text PRIMARY KEY,
	state       jsonb,
	next_poll   timestamptz,
	lease_owner text,
	lease_until timestamptz
);
CREATE INDEX IF NOT EXISTS khabar_poll_state_next ON khabar_poll_state (next_poll);
`
