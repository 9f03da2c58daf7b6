//go:build linux

package bench

import "syscall"

// sysProcAttr makes the kernel kill DynamoDB Local when the bench dies.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
