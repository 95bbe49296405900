package storetest_test

import (
	"testing"

	"github.com/khabar/khabar/feed/upstream"
	"github.com/khabar/khabar/storetest"
)

func TestMemoryPollState(t *testing.T) {
	storetest.PollState(t, func(t *testing.T) (upstream.Leaser, func() upstream.Leaser) {
		s := &upstream.MemoryStore{}
		return s, func() upstream.Leaser { return s }
	})
}
