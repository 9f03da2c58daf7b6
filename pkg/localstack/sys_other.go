//go:build !unix

package localstack

import (
	"context"
	"os"
	"syscall"
)

type signal int

const (
	sigTerm signal = iota
	sigKill
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalGroup kills the process (no process groups here).
func signalGroup(pid int, _ signal) error {
	if pid <= 0 {
		return nil
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil
	}
	_ = p.Kill()
	return nil
}

// lockFile is a no-op: without flock, safety rests on the atomic rename.
func lockFile(context.Context, string) (func(), error) { return func() {}, nil }

const haveFileLock = false
