package main

import (
	"context"
	"errors"
)

// bench is written in its own change; see pkg/bench.
func bench(ctx context.Context, args []string) error {
	return errors.New("usher bench: not built yet")
}
