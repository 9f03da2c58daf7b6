package lambdarun

import (
	"fmt"
	"strings"
	"time"
)

// Report is the invocation's REPORT line, as Lambda writes it to the
// function's log:
//
//	REPORT RequestId: 8f5e…	Duration: 5.67 ms	Memory Size: 256 MB	Max Memory Used: 18 MB	Init Duration: 12.34 ms
//
// followed by "Status: timeout" or "Status: error  Error Type: …" when the
// invocation failed. (Lambda's Billed Duration has no local meaning.)
func (r Result) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "REPORT RequestId: %s\tDuration: %s\tMemory Size: %d MB\tMax Memory Used: %d MB",
		r.RequestID, ms(r.Duration), r.MemoryMB, (r.MaxMemoryKB+1023)/1024)
	if r.InitDuration > 0 {
		fmt.Fprintf(&b, "\tInit Duration: %s", ms(r.InitDuration))
	}
	if e := r.Error; e != nil {
		if e.Type == TypeTimeout {
			b.WriteString("\tStatus: timeout")
		} else {
			fmt.Fprintf(&b, "\tStatus: error\tError Type: %s", e.Type)
		}
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
