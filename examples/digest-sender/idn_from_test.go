package main

import (
	"bytes"
	"context"
	"testing"
)

// TestIDNFrom (found by a review of 244c5a8).
//
// 244c5a8 makes a sender on an internationalized domain work ("NewBuilder,
// signup and every message now write the domain in punycode"), but
// digest-sender builds its return path as "bounces@" + the -from domain
// in Unicode, which digest's checkReturnPathBase refuses ("a non-ASCII
// domain"): with -from "ख़बर <digest@ख़बर.भारत>" the program does not
// write a single message (digest: config: return path ... non-ASCII
// domain). The UnsubscribeMailto built the same way is accepted, since
// mailtoURI converts it; the return path is not.
func TestIDNFrom(t *testing.T) {
	o := testOptions(t)
	o.from = "ख़बर <digest@ख़बर.भारत>"
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), o, &stdout, &stderr); err != nil {
		t.Fatalf("run with an IDN -from: %v\n%s", err, stderr.String())
	}
}
