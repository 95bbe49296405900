// Package dkimflag turns the examples' -dkim-key and -dkim-selector flags
// into a DKIM signer, so that the digest sender and the site sign alike.
package dkimflag

import (
	"errors"
	"fmt"
	"os"

	"github.com/khabar/khabar/digest/deliver"
)

// Load returns the signer for the PEM key in the file keyPath (RSA or
// Ed25519) and selector, for the domain of the address from ("Name
// <addr@domain>"). Both empty means no signing (nil, nil); one without
// the other is an error.
func Load(keyPath, selector, from string) (*deliver.DKIM, error) {
	if keyPath == "" && selector == "" {
		return nil, nil
	}
	if keyPath == "" || selector == "" {
		return nil, errors.New("-dkim-key and -dkim-selector go together")
	}
	pemBytes, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("-dkim-key: %w", err)
	}
	key, err := deliver.LoadDKIMKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("-dkim-key %s: %w", keyPath, err)
	}
	domain, err := deliver.DomainOf(from)
	if err != nil {
		return nil, fmt.Errorf("-from: %w", err)
	}
	return &deliver.DKIM{Domain: domain, Selector: selector, Key: key}, nil
}
