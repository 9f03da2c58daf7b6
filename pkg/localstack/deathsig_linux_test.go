//go:build linux

package localstack

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestHelperProcess is not a real test: TestEmulatorDiesWithParent runs the
// test binary again with it, as a parent process that starts an emulator and
// is then killed.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("LOCALSTACK_HELPER_PARENT") != "1" {
		t.Skip("helper process only")
	}
	p, err := StartSES(context.Background(), SESOptions{})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	fmt.Println("ENDPOINT", p.Endpoint)
	time.Sleep(time.Minute)
	os.Exit(2)
}

// TestEmulatorDiesWithParent checks Pdeathsig: when the process that
// started an emulator is SIGKILLed (no chance to call Stop), the emulator
// goes away too.
func TestEmulatorDiesWithParent(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "LOCALSTACK_HELPER_PARENT=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var endpoint string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if ep, ok := strings.CutPrefix(line, "ENDPOINT "); ok {
			endpoint = ep
			break
		}
		if strings.HasPrefix(line, "ERROR") {
			t.Fatal(line)
		}
	}
	if endpoint == "" {
		t.Fatalf("helper printed no endpoint (%v)", sc.Err())
	}
	addr := strings.TrimPrefix(endpoint, "http://")
	if c, err := net.Dial("tcp", addr); err != nil {
		t.Fatalf("emulator not listening: %v", err)
	} else {
		c.Close()
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return // gone
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("emulator at %s still listening 10s after its parent was killed", endpoint)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
