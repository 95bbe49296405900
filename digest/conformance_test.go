package digest_test

import (
	"testing"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/storetest"
)

// TestMemStoreConformance runs the subscriber store suite on MemStore.
func TestMemStoreConformance(t *testing.T) {
	storetest.Subscribers(t, func(*testing.T) storetest.Store { return &digest.MemStore{} })
}
