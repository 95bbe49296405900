package deliver

import "testing"

func journals(t *testing.T) map[string]Journal {
	return map[string]Journal{"mem": &MemJournal{}, "sqlite": sqliteJournal(t, "")}
}

func TestStateTerminal(t *testing.T) {
	for _, tc := range []struct {
		s               State
		terminal, valid bool
	}{
		{StatePending, false, true}, {StateSending, false, true}, {StateSent, true, true},
		{StateFailed, true, true}, {StateUnknown, true, true}, {StateSkipped, true, true}, {"", false, false}, {"SENT", false, false},
	} {
		if got := tc.s.Terminal(); got != tc.terminal {
			t.Errorf("%q.Terminal() = %t, want %t", tc.s, got, tc.terminal)
		}
		if got := tc.s.Valid(); got != tc.valid {
			t.Errorf("%q.Valid() = %t, want %t", tc.s, got, tc.valid)
		}
	}
}
