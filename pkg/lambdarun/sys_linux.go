//go:build linux

package lambdarun

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// sysProcAttr puts the function in its own process group, so killTree ends
// whatever it started too, and has the kernel kill it if usher dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// vmHWMKB is the peak resident set size ("high water mark") of a running
// process in KiB, from /proc/<pid>/status; 0 when unknown.
func vmHWMKB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			v = bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))
			n, _ := strconv.ParseInt(string(v), 10, 64)
			return n
		}
	}
	return 0
}
