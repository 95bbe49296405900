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

// TestMemStoreLifecycle runs the consent-history suite on MemStore.
func TestMemStoreLifecycle(t *testing.T) {
	storetest.Lifecycle(t, func(*testing.T) storetest.LifecycleStore { return &digest.MemStore{} })
}
