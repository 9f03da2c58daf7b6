package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"

	"github.com/usherhq/usher/pkg/app"
	"github.com/usherhq/usher/pkg/config"
)

// tableFlag is the --table flag every table command takes.
func tableFlag(fs *flag.FlagSet) *string {
	return fs.String("table", os.Getenv("TABLE_NAME"), "DynamoDB table (the stack output TableName)")
}

// openTable wires Usher to an existing table: real AWS through the default
// credential chain, or a local table with DYNAMODB_ENDPOINT.
func openTable(ctx context.Context, table string, log *slog.Logger) (*app.App, config.Config, error) {
	if table == "" {
		return nil, config.Config{}, errors.New("--table is required (see the TableName output of the stack)")
	}
	cfg := config.FromEnv()
	cfg.Table = table
	a, err := app.New(ctx, cfg, log)
	return a, cfg, err
}
