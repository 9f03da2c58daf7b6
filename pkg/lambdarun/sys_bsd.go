//go:build unix && !linux

package lambdarun

import "syscall"

// sysProcAttr puts the function in its own process group, so killTree ends
// whatever it started too.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// vmHWMKB is unknown here; maxRSSKB gives the peak after the process exits.
func vmHWMKB(int) int64 { return 0 }
