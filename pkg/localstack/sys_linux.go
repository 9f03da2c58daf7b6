//go:build linux

package localstack

import "syscall"

// sysProcAttr puts the child in its own process group (so Stop can kill the
// whole group) and asks the kernel to SIGTERM it when its parent dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
