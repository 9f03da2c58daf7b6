package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/usherhq/usher/pkg/app"
)

// check scans a table (off the request path) and lists every broken
// invariant: an operator's tool, and what the tests run after each test.
func check(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	table := tableFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, cfg, err := openTable(ctx, *table, app.Logger(io.Discard, slog.LevelError))
	if err != nil {
		return err
	}
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return err
	}
	problems, err := a.Store.Check(ctx, cfg.DynamoDB(awsCfg))
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(out, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problems in table %s", len(problems), *table)
	}
	fmt.Fprintf(out, "table %s is consistent\n", *table)
	return nil
}
