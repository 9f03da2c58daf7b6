package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/usherhq/usher/pkg/app"
)

// cleanup runs the scheduled job once against any table: real AWS with the
// default credential chain, or a local one with DYNAMODB_ENDPOINT.
func cleanup(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	table := tableFlag(fs)
	limit := fs.Duration("max-time", 5*time.Minute, "stop after this long; the next run resumes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, _, err := openTable(ctx, *table, app.Logger(os.Stderr, slog.LevelInfo))
	if err != nil {
		return err
	}
	rep, err := a.RunCleanup(ctx, time.Now().Add(*limit))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
