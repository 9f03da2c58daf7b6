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

// maxRSSKB is the ru_maxrss of an exited process in KiB (it is in bytes on
// Darwin). On Linux it is at least usher's own peak at the time of the exec:
// Go starts children with clone(CLONE_VFORK|CLONE_VM), and the kernel folds
// the high-water mark of that shared, pre-exec memory into the child's
// maxrss. Run only trusts it when it exceeds that.
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
