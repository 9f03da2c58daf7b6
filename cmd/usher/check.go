package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/usherhq/usher/pkg/app"
	"github.com/usherhq/usher/pkg/config"
)

// check scans a table (off the request path) and lists every broken
// invariant: an operator's tool, and what the tests run after each test.
func check(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	table := fs.String("table", os.Getenv("TABLE_NAME"), "DynamoDB table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *table == "" {
		return errors.New("--table is required")
	}
	cfg := config.FromEnv()
	cfg.Table = *table
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.Logger(io.Discard, slog.LevelError))
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
