package main

import (
	"context"
	"errors"
)

// invoke is written in its own change; see pkg/lambdarun.
func invoke(ctx context.Context, args []string) error {
	return errors.New("usher invoke: not built yet")
}
