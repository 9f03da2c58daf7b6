//go:build !unix

package lambdarun

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func killTree(p *os.Process) { _ = p.Kill() }

// Memory use is not measured on this platform.
func vmHWMKB(int) int64 { return 0 }

func maxRSSKB(*os.ProcessState) int64 { return 0 }
