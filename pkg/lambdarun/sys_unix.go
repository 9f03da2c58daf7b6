//go:build unix

package lambdarun

import (
	"os"
	"runtime"
	"syscall"
)

// killTree kills the function's process group, then the process itself in
// case it left the group.
func killTree(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}

// maxRSSKB is the peak resident set size of an exited process in KiB, from
// the rusage that wait4 returned (ru_maxrss is in bytes on Darwin, KiB
// elsewhere).
func maxRSSKB(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0
	}
	n := int64(ru.Maxrss)
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		n /= 1024
	}
	return n
}
