// Package localstack fetches, caches, starts and stops real local emulators
// of the AWS services usher depends on, for `usher dev` and for Go tests
// (typically from TestMain):
//
//   - DynamoDB Local (Amazon's DynamoDBLocal.jar, taken from the npm package
//     amplify-dynamodb-simulator), run with `java`;
//   - aws-ses-v2-local (an SES v1/v2 API emulator with a web inbox), run with
//     `node`.
//
// Both are fetched with `npm` from the npm registry on first use and kept in a
// cache directory (see [DefaultCacheDir]); later runs need no network.
// Fetching is safe when several processes race (a lock file plus an atomic
// rename of a fully prepared temporary directory).
//
// Started processes are put in their own process group, are killed with
// their whole group by [Process.Stop], and on Linux also receive SIGTERM when
// the parent process dies, so an emulator never outlives its parent.
//
// Clients must use the [Process.Endpoint] (http://127.0.0.1:PORT), static
// credentials and any region. DynamoDB Local rejects access key IDs that are
// not purely letters and digits (UnrecognizedClientException), so use e.g.
// "local"/"local".
//
// Requirements: npm (to fetch, first run only), java (a Java 17 runtime) for
// DynamoDB Local and node >= 20.19 for aws-ses-v2-local.
package localstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// DefaultCacheDir returns the directory emulators are cached in:
// $USHER_CACHE_DIR if set, else $XDG_CACHE_HOME/usher, else ~/.cache/usher
// (falling back to <os temp dir>/usher-cache when no home directory is
// known).
func DefaultCacheDir() string {
	if d := os.Getenv("USHER_CACHE_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "usher")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".cache", "usher")
	}
	return filepath.Join(os.TempDir(), "usher-cache")
}

// FreePort returns a TCP port that is currently free on every local
// interface. Another process may take it before the caller binds it; the
// Start functions retry with a new port when they picked it themselves.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		// IPv6-less or restricted environments: fall back to loopback only.
		l, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("localstack: finding a free port: %w", err)
		}
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("localstack: finding a free port: %w", err)
	}
	return port, nil
}

// Process is a running emulator started by [StartDynamo] or [StartSES].
// Always call Stop when done with it (it also removes a temporary WorkDir).
type Process struct {
	// Endpoint is the base URL clients must use: http://127.0.0.1:PORT.
	Endpoint string

	name    string
	pid     int
	done    chan struct{}
	waitErr error // set before done is closed
	out     *tailBuffer
	cleanup func()
	fatal   func(string) bool

	stopOnce sync.Once
	stopping chan struct{}
	stopErr  error
}

// Done returns a channel that is closed when the process has exited, whether
// by [Process.Stop] or on its own.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err reports why the process exited: nil while it runs or after a
// [Process.Stop], otherwise an error that includes the tail of its output.
func (p *Process) Err() error {
	select {
	case <-p.done:
	default:
		return nil
	}
	select {
	case <-p.stopping:
		return nil
	default:
	}
	return p.exitError()
}

func (p *Process) exitError() error {
	reason := "exited"
	if p.waitErr != nil {
		reason = p.waitErr.Error()
	}
	return fmt.Errorf("localstack: %s (pid %d) %s unexpectedly%s", p.name, p.pid, reason, p.out.describe())
}

// Stop terminates the process and its whole process group (SIGTERM, then
// SIGKILL after 5 s) and waits for it to exit. It is idempotent and safe for
// concurrent use; calling it after the process already exited is fine.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() {
		close(p.stopping)
		select {
		case <-p.done:
		default:
			if err := signalGroup(p.pid, sigTerm); err != nil {
				p.stopErr = fmt.Errorf("localstack: stopping %s (pid %d): %w", p.name, p.pid, err)
			}
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
				_ = signalGroup(p.pid, sigKill)
				<-p.done
			}
		}
		if p.cleanup != nil {
			p.cleanup()
		}
	})
	return p.stopErr
}

// startSpec describes a process to start by start().
type startSpec struct {
	name    string // human name for errors, e.g. "DynamoDB Local"
	path    string // executable
	args    []string
	dir     string
	log     io.Writer
	cleanup func()
	// fatal, if set, recognises output after which the process is useless
	// although it may not exit (a JVM whose main thread died).
	fatal func(output string) bool
}

// start starts the process. It is started from a goroutine locked to its OS
// thread that lives until the process exits: Linux's Pdeathsig fires when the
// *thread* that forked the child exits, and the Go runtime may otherwise
// retire that thread while the child still runs.
func start(s startSpec) (*Process, error) {
	cmd := exec.Command(s.path, s.args...)
	cmd.Dir = s.dir
	cmd.Stdin = nil
	cmd.SysProcAttr = sysProcAttr()
	out := &tailBuffer{max: 16 << 10}
	w := &lockedWriter{w: out}
	if s.log != nil {
		w.w = io.MultiWriter(out, s.log)
	}
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.WaitDelay = 2 * time.Second // don't hang on output pipes held open by stray grandchildren

	p := &Process{
		name:     s.name,
		done:     make(chan struct{}),
		stopping: make(chan struct{}),
		out:      out,
		cleanup:  s.cleanup,
		fatal:    s.fatal,
	}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		p.pid = cmd.Process.Pid
		started <- nil
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		if s.cleanup != nil {
			s.cleanup()
		}
		return nil, fmt.Errorf("localstack: starting %s: %w", s.name, err)
	}
	return p, nil
}

// waitReady polls probe until it succeeds, the process exits, ctx ends or
// timeout passes. died reports that the process exited before being ready.
func (p *Process) waitReady(ctx context.Context, timeout time.Duration, probe func(context.Context) error) (died bool, err error) {
	deadline := time.Now().Add(timeout)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		last := probe(pctx)
		cancel()
		if p.fatal != nil && p.fatal(p.out.String()) {
			_ = p.Stop()
			return true, fmt.Errorf("localstack: %s failed to start%s", p.name, p.out.describe())
		}
		if last == nil {
			// A foreign server may answer on the port while ours fails to
			// bind it; make sure ours is still alive.
			select {
			case <-p.done:
				return true, p.exitError()
			default:
				return false, nil
			}
		}
		select {
		case <-p.done:
			return true, p.exitError()
		case <-ctx.Done():
			return false, fmt.Errorf("localstack: waiting for %s to be ready: %w", p.name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return false, fmt.Errorf("localstack: %s did not become ready within %s (last probe error: %v)%s",
				p.name, timeout, last, p.out.describe())
		}
	}
}

// startWithRetry runs try with the given port, or with fresh free ports
// (up to 3 attempts) when port is 0, since a free port can be taken between
// FreePort and the emulator binding it.
func startWithRetry(port int, try func(port int) (*Process, error)) (*Process, error) {
	if port != 0 {
		return try(port)
	}
	var err error
	for range 3 {
		var p int
		p, err = FreePort()
		if err != nil {
			return nil, err
		}
		var proc *Process
		proc, err = try(p)
		if err == nil {
			return proc, nil
		}
		var ee *earlyExitError
		if !errors.As(err, &ee) {
			return nil, err
		}
	}
	return nil, err
}

// earlyExitError marks a process that died before being ready, which with an
// automatically picked port may be a lost race for that port.
type earlyExitError struct{ err error }

func (e *earlyExitError) Error() string { return e.err.Error() }
func (e *earlyExitError) Unwrap() error { return e.err }

// launch starts s and waits for probe; on failure the process is stopped,
// and an exit before readiness is wrapped in earlyExitError.
func launch(ctx context.Context, s startSpec, endpoint string, timeout time.Duration, probe func(context.Context) error) (*Process, error) {
	p, err := start(s)
	if err != nil {
		return nil, err
	}
	p.Endpoint = endpoint
	died, err := p.waitReady(ctx, timeout, probe)
	if err != nil {
		_ = p.Stop()
		if died {
			return nil, &earlyExitError{err}
		}
		return nil, err
	}
	return p, nil
}

// absDir makes dir absolute (relative to the caller's working directory) and
// creates it.
func absDir(dir, what string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("localstack: %s %q: %w", what, dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", fmt.Errorf("localstack: creating %s: %w", what, err)
	}
	return abs, nil
}

// httpClient talks to the emulators on loopback only: never via a proxy.
var httpClient = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	Timeout:   30 * time.Second,
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// describe returns "; output:\n<last lines>" or "" when there was none.
func (t *tailBuffer) describe() string {
	s := strings.TrimSpace(t.String())
	if s == "" {
		return " (no output)"
	}
	lines := strings.Split(s, "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return "; last output:\n" + strings.Join(lines, "\n")
}

// lockedWriter serialises writes from the stdout and stderr copiers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.w.Write(b)
	if err != nil {
		// Never let a failing log writer block or kill the emulator.
		return len(b), nil
	}
	return n, nil
}

// runTool runs a helper command (npm) to completion, returning its combined
// output in the error on failure.
func runTool(ctx context.Context, dir, name string, args ...string) error {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error { return signalGroup(cmd.Process.Pid, sigKill) }
	cmd.WaitDelay = 5 * time.Second
	errc := make(chan error, 1)
	go func() { // see start: Pdeathsig is tied to the forking thread
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		errc <- cmd.Run()
	}()
	if err := <-errc; err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("localstack: `%s %s` interrupted: %w", name, strings.Join(args, " "), ctx.Err())
		}
		tb := &tailBuffer{max: 8 << 10}
		_, _ = tb.Write(out.Bytes())
		return fmt.Errorf("localstack: `%s %s` failed: %w%s", name, strings.Join(args, " "), err, tb.describe())
	}
	return nil
}
