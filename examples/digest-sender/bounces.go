package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/khabar/khabar/digest"
	"github.com/khabar/khabar/digest/feedback"
)

// runBounces processes the returned mail in o.bounces (a Maildir or a
// folder of .eml files) against the store -db (or -state) names, with the
// sender's token key, and prints what was done.
func runBounces(ctx context.Context, o options, stdout io.Writer) error {
	st, err := openState(ctx, o)
	if err != nil {
		return err
	}
	defer st.close()
	lc, ok := st.store.(digest.Lifecycle)
	if !ok {
		return errors.New("-bounces: the store keeps no consent history (digest.Lifecycle)")
	}
	secret, err := st.store.Secret(ctx, "unsubscribe-key-1", 32)
	if err != nil {
		return err
	}
	return processBounces(ctx, &feedback.Processor{Store: lc, Tokens: &digest.Tokens{Keys: []digest.TokenKey{{ID: "k1", Secret: secret}}},
		TrustRecipients: o.trustRecipients}, o.bounces, stdout)
}

// processBounces applies the messages in dir through p (its Tokens the
// sender's key, verifying return paths and mailto: tokens) and prints the
// table.
func processBounces(ctx context.Context, p *feedback.Processor, dir string, stdout io.Writer) error {
	results, err := p.ProcessDir(ctx, dir)
	if err != nil {
		return err
	}
	printBounces(stdout, results, dir)
	return nil
}

// printBounces writes one row per address a message named (one row for a
// message that named none or could not be read).
func printBounces(w io.Writer, results []feedback.Result, dir string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tKIND\tACTION\tFILE")
	changed, failed := 0, 0
	for _, r := range results {
		file, err := filepath.Rel(dir, r.File)
		if err != nil {
			file = r.File
		}
		switch {
		case r.Report == nil:
			failed++
			fmt.Fprintf(tw, "-\tunreadable\t%s\t%s\n", r.Err, file)
		case len(r.Actions) == 0:
			fmt.Fprintf(tw, "-\t%s\tnothing: %s\t%s\n", r.Report.Kind, r.Report.Reason, file)
		default:
			for _, a := range r.Actions {
				if a.Changed {
					changed++
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", pad(a.Email), a.Kind, a.Did, file)
			}
			if r.Err != nil {
				failed++
			}
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d messages, %d changes, %d failed\n", len(results), changed, failed)
}
