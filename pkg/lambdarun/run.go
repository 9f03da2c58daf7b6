// Package lambdarun runs a Lambda function's real binary on this machine, the
// way the provided.al2023 runtime runs it in AWS, without Docker: it serves a
// minimal Lambda Runtime API (version 2018-06-01) on 127.0.0.1, starts the
// binary with the environment Lambda gives it, hands it one event, collects
// the response or error and stops it.
//
//	bin, err := lambdarun.Build(ctx, repoRoot, "health")
//	res, err := lambdarun.Run(ctx, lambdarun.Options{Binary: bin, Event: event, Env: env})
//
// Run serves these Runtime API paths:
//
//	GET  /2018-06-01/runtime/invocation/next           the event, once; later calls block
//	POST /2018-06-01/runtime/invocation/{id}/response  the function's response
//	POST /2018-06-01/runtime/invocation/{id}/error     the function's error
//	POST /2018-06-01/runtime/init/error                an initialization error
//
// It measures what Lambda's REPORT line shows: the init duration (process
// start to the first /next), the duration (event handed out to response or
// error) and the peak resident memory of the process.
//
// Differences from AWS: the memory size is reported to the function and in
// the REPORT line but not enforced; the process is killed after one
// invocation rather than frozen and reused; the binary is built for this
// machine's OS and architecture, not linux/arm64.
package lambdarun

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// APIVersion is the Runtime API version served.
	APIVersion = "2018-06-01"

	// MaxPayload is the largest event or response accepted, Lambda's 6 MB
	// limit for synchronous invocations.
	MaxPayload = 6 * 1024 * 1024

	// DefaultTimeout and DefaultMemoryMB are used when Options leave them 0;
	// they are the values of Usher's template.
	DefaultTimeout  = 10 * time.Second
	DefaultMemoryMB = 256

	// DefaultInitTimeout is Lambda's limit on the init phase.
	DefaultInitTimeout = 10 * time.Second

	// DefaultRegion is AWS_REGION when Options.Region is empty.
	DefaultRegion = "us-east-1"

	// AccountID is the account in the function ARN handed to the function.
	AccountID = "123456789012"
)

// Error types of failures that Run detects itself; functions report their
// own types through the Runtime API.
const (
	TypeExit             = "Runtime.ExitError"             // the process exited before answering
	TypeTimeout          = "Sandbox.Timedout"              // the invocation or init ran out of time
	TypeInitError        = "Runtime.InitError"             // init/error without an error type
	TypeResponseTooLarge = "Function.ResponseSizeTooLarge" // response over MaxPayload
	TypeUnknown          = "Runtime.Unknown"               // an error body without an error type
)

// Phases of a FunctionError.
const (
	PhaseInit   = "init"   // before the function asked for the event
	PhaseInvoke = "invoke" // while it handled the event
)

// Options configure one invocation.
type Options struct {
	// Binary is the function's executable (its bootstrap).
	Binary string
	// Env is the function's configured environment, KEY=VALUE. It is added
	// to the variables Lambda itself sets, and wins over them.
	Env []string
	// Event is the invocation payload, normally a JSON document.
	Event []byte
	// Timeout of the invocation; 0 means DefaultTimeout.
	Timeout time.Duration
	// MemoryMB is the configured memory size, passed to the function as
	// AWS_LAMBDA_FUNCTION_MEMORY_SIZE; 0 means DefaultMemoryMB. Not enforced.
	MemoryMB int
	// InitTimeout limits the time from process start to the first /next;
	// 0 means DefaultInitTimeout.
	InitTimeout time.Duration
	// FunctionName is AWS_LAMBDA_FUNCTION_NAME; "" means the name of the
	// binary's directory (or of the binary when it is not "bootstrap").
	FunctionName string
	// Region is AWS_REGION; "" means DefaultRegion.
	Region string
	// Log receives the function's stdout and stderr as they are written;
	// nil keeps them in Result.Logs only.
	Log io.Writer
}

// Result is what one invocation produced.
type Result struct {
	RequestID string
	// Response is the payload the function returned (nil on error).
	Response []byte
	// Error is set when the invocation failed; Run then also returns it.
	Error *FunctionError
	// InitDuration is from process start to the function's first /next.
	InitDuration time.Duration
	// Duration is from the event being handed out to the response or error
	// (or to the timeout or exit).
	Duration time.Duration
	// MaxMemoryKB is the peak resident set size of the process, in KiB
	// (0 where the platform does not tell).
	MaxMemoryKB int64
	// MemoryMB is the configured memory size.
	MemoryMB int
	// Logs is what the process wrote to stdout and stderr, interleaved (its
	// last 8 MiB when it wrote more).
	Logs string
}

// FunctionError is a failed invocation: an error the function reported
// through the Runtime API, or one Run detected (exit, timeout).
type FunctionError struct {
	Type       string   // errorType, e.g. "errorString", "Runtime.ExitError"
	Message    string   // errorMessage
	StackTrace []string // stackTrace, one frame a line, when the function sent one
	Phase      string   // PhaseInit or PhaseInvoke
	// Output is the end of what the process wrote, for failures Run
	// detected itself (exit, timeout), where it usually says why.
	Output string
}

func (e *FunctionError) Error() string {
	var b strings.Builder
	if e.Phase == PhaseInit {
		b.WriteString("init failed: ")
	}
	b.WriteString(e.Type)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if out := strings.TrimRight(e.Output, "\n"); out != "" {
		b.WriteString("\nlast output of the function:\n")
		for _, l := range strings.Split(out, "\n") {
			b.WriteString("  | ")
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// Payload is the error as Lambda returns it to an invoker:
// {"errorMessage": ..., "errorType": ..., "stackTrace": [...]}.
func (e *FunctionError) Payload() []byte {
	p := struct {
		Message    string   `json:"errorMessage"`
		Type       string   `json:"errorType"`
		StackTrace []string `json:"stackTrace,omitempty"`
	}{e.Message, e.Type, e.StackTrace}
	b, _ := json.Marshal(p)
	return b
}

// Run starts o.Binary under a fresh Runtime API, gives it o.Event and
// returns once it has answered, failed, timed out or ctx is done; the
// process is killed in every case.
//
// The error is nil exactly when the function returned a response. When the
// invocation failed it is the *FunctionError also in Result.Error; any other
// error means the binary could not be run at all.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MemoryMB <= 0 {
		o.MemoryMB = DefaultMemoryMB
	}
	if o.InitTimeout <= 0 {
		o.InitTimeout = DefaultInitTimeout
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	res := Result{RequestID: newRequestID(), MemoryMB: o.MemoryMB}
	if len(o.Event) > MaxPayload {
		return res, fmt.Errorf("lambdarun: the event is %d bytes, over Lambda's limit of %d", len(o.Event), MaxPayload)
	}
	bin, err := filepath.Abs(o.Binary)
	if err != nil {
		return res, fmt.Errorf("lambdarun: %w", err)
	}
	if fi, err := os.Stat(bin); err != nil {
		return res, fmt.Errorf("lambdarun: %w", err)
	} else if !fi.Mode().IsRegular() {
		return res, fmt.Errorf("lambdarun: %s is not a file", bin)
	}
	if o.FunctionName == "" {
		o.FunctionName = defaultName(bin)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, fmt.Errorf("lambdarun: runtime API: %w", err)
	}
	api := newRuntimeAPI(res.RequestID, o)
	mem := &memSampler{}
	api.onCall = mem.sample // the function is alive while it calls the API
	srv := &http.Server{Handler: api.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		close(api.closed) // unblocks any waiting /next
		_ = srv.Close()
	}()

	logs := &logWriter{live: o.Log}
	cmd := exec.Command(bin)
	cmd.Dir = filepath.Dir(bin)
	cmd.Env = environment(o, bin, ln.Addr().String())
	cmd.Stdout, cmd.Stderr = logs, logs // one writer: stdout and stderr stay in order
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = time.Second // a leftover grandchild holding the pipes must not hang us

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("lambdarun: starting %s: %w", bin, err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	mem.setPID(cmd.Process.Pid)
	mem.sample()
	go mem.loop(exited)
	// Our own peak, an upper bound of what the exec may have folded into the
	// child's ru_maxrss (see maxRSSKB).
	selfKB := vmHWMKB(os.Getpid())

	// stop kills the process (sampling its memory one last time) and waits
	// until it and its output are gone.
	stop := func() {
		select {
		case <-exited:
		default:
			mem.sample()
			killTree(cmd.Process)
			<-exited
		}
		res.MaxMemoryKB = mem.peakKB()
		// On Linux the samples of VmHWM are the function's own; its
		// ru_maxrss may include usher's memory shared until the exec, so it
		// is only a fallback where /proc cannot be read.
		if kb := maxRSSKB(cmd.ProcessState); runtime.GOOS != "linux" && kb > selfKB {
			res.MaxMemoryKB = max(res.MaxMemoryKB, kb)
		}
		res.Logs = logs.String()
	}
	fail := func(fe *FunctionError, withOutput bool) (Result, error) {
		stop()
		if withOutput {
			fe.Output = logs.Tail()
		}
		res.Error = fe
		return res, fe
	}
	exitError := func(phase string) *FunctionError {
		msg := "Runtime exited without providing a reason"
		if waitErr != nil {
			msg = "Runtime exited with error: " + waitErr.Error()
		}
		return &FunctionError{Type: TypeExit, Message: msg, Phase: phase}
	}

	// Init: until the function asks for its event.
	initTimer := time.NewTimer(o.InitTimeout)
	defer initTimer.Stop()
	select {
	case <-api.nextCalled:
	case fe := <-api.initErr:
		res.InitDuration = time.Since(start)
		return fail(fe, false)
	case <-exited:
		res.InitDuration = time.Since(start)
		select {
		case fe := <-api.initErr:
			return fail(fe, false)
		case <-api.nextCalled: // asked for the event, then died: an invoke failure
		default:
			return fail(exitError(PhaseInit), true)
		}
	case <-initTimer.C:
		res.InitDuration = o.InitTimeout
		return fail(&FunctionError{Type: TypeTimeout, Phase: PhaseInit,
			Message: "Init timed out after " + seconds(o.InitTimeout) + ": the function never asked for an event"}, true)
	case <-ctx.Done():
		res.InitDuration = time.Since(start)
		stop()
		return res, ctx.Err()
	}
	res.InitDuration = api.handoff.Sub(start)

	// Invoke: until the response, an error, the process's end or the timeout.
	timer := time.NewTimer(time.Until(api.handoff.Add(o.Timeout)))
	defer timer.Stop()
	var out outcome
	select {
	case out = <-api.outcome:
	case <-exited:
		select {
		case out = <-api.outcome: // answered, then exited
		default:
			res.Duration = time.Since(api.handoff)
			return fail(exitError(PhaseInvoke), true)
		}
	case <-timer.C:
		res.Duration = o.Timeout
		return fail(&FunctionError{Type: TypeTimeout, Phase: PhaseInvoke,
			Message: "Task timed out after " + seconds(o.Timeout)}, true)
	case <-ctx.Done():
		res.Duration = time.Since(api.handoff)
		stop()
		return res, ctx.Err()
	}
	res.Duration = out.at.Sub(api.handoff)
	if out.err != nil {
		return fail(out.err, false)
	}
	stop()
	res.Response = out.body
	return res, nil
}

// environment is what Lambda sets for a provided.al2023 function, then o.Env.
func environment(o Options, bin, apiAddr string) []string {
	dir := filepath.Dir(bin)
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"_HANDLER=bootstrap",
		"LAMBDA_TASK_ROOT=" + dir,
		"LAMBDA_RUNTIME_DIR=" + dir,
		"AWS_LAMBDA_RUNTIME_API=" + apiAddr,
		"AWS_LAMBDA_FUNCTION_NAME=" + o.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(o.MemoryMB),
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + o.FunctionName,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(16),
		"AWS_REGION=" + o.Region,
		"AWS_DEFAULT_REGION=" + o.Region,
	}
	// Windows programs need these to start at all.
	for _, k := range []string{"SYSTEMROOT", "WINDIR", "TMP", "TEMP"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	// exec.Cmd keeps the last value of a repeated key, so o.Env wins.
	return append(env, o.Env...)
}

// seconds formats d as Lambda does ("3.00 seconds"), with more digits when
// two would hide a sub-second timeout.
func seconds(d time.Duration) string {
	if d%(10*time.Millisecond) != 0 {
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " seconds"
	}
	return fmt.Sprintf("%.2f seconds", d.Seconds())
}

func defaultName(bin string) string {
	base := strings.TrimSuffix(filepath.Base(bin), ".exe")
	if base == "bootstrap" {
		return filepath.Base(filepath.Dir(bin))
	}
	return base
}

// outcome is how the invocation ended, as the function reported it.
type outcome struct {
	at   time.Time
	body []byte
	err  *FunctionError
}

// runtimeAPI serves one invocation's Runtime API.
type runtimeAPI struct {
	id, arn, trace string
	event          []byte
	timeout        time.Duration

	nextCalled chan struct{}       // closed when the event is handed out
	handoff    time.Time           // set before nextCalled is closed
	outcome    chan outcome        // the first response or error
	initErr    chan *FunctionError // the first init error
	closed     chan struct{}       // closed when Run returns
	onCall     func()              // called first by every handler

	mu        sync.Mutex
	handedOut bool
	settled   bool
}

func newRuntimeAPI(id string, o Options) *runtimeAPI {
	return &runtimeAPI{
		id:         id,
		arn:        fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", o.Region, AccountID, o.FunctionName),
		trace:      fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), randomHex(12), randomHex(8)),
		event:      o.Event,
		timeout:    o.Timeout,
		nextCalled: make(chan struct{}),
		outcome:    make(chan outcome, 1),
		initErr:    make(chan *FunctionError, 1),
		closed:     make(chan struct{}),
	}
}

const (
	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody  = "Lambda-Runtime-Function-Error-Body"
)

func (rt *runtimeAPI) handler() http.Handler {
	mux := http.NewServeMux()
	p := "/" + APIVersion + "/runtime"
	mux.HandleFunc("GET "+p+"/invocation/next", rt.next)
	mux.HandleFunc("POST "+p+"/invocation/{id}/response", rt.response)
	mux.HandleFunc("POST "+p+"/invocation/{id}/error", rt.invocationError)
	mux.HandleFunc("POST "+p+"/init/error", rt.initError)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "InvalidRequest", "no such Runtime API path: "+r.Method+" "+r.URL.Path)
	})
	if rt.onCall == nil {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rt.onCall(); mux.ServeHTTP(w, r) })
}

func (rt *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	rt.mu.Lock()
	if rt.handedOut {
		// The one event is taken (normally: the function answered and asks
		// for the next one). Block, as Lambda does while it has no event.
		rt.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-rt.closed:
		}
		return
	}
	rt.handedOut = true
	rt.handoff = time.Now()
	rt.mu.Unlock()

	h := w.Header()
	h.Set(headerRequestID, rt.id)
	h.Set(headerDeadline, strconv.FormatInt(rt.handoff.Add(rt.timeout).UnixMilli(), 10))
	h.Set(headerFunctionARN, rt.arn)
	h.Set(headerTraceID, rt.trace)
	h.Set("Content-Type", "application/json")
	close(rt.nextCalled)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(rt.event)
}

func (rt *runtimeAPI) response(w http.ResponseWriter, r *http.Request) {
	if !rt.checkID(w, r) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequest", "reading the response: "+err.Error())
		return
	}
	// aws-lambda-go reports an error met while streaming a response in
	// trailers.
	if t := r.Trailer.Get(headerErrorType); t != "" {
		fe := &FunctionError{Type: t, Phase: PhaseInvoke}
		if raw, err := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody)); err == nil {
			fe = parseError(raw, t, PhaseInvoke)
		}
		rt.settle(w, outcome{at: time.Now(), err: fe})
		return
	}
	if len(body) > MaxPayload {
		_, _ = io.Copy(io.Discard, r.Body)
		if rt.settle(nil, outcome{at: time.Now(), err: &FunctionError{Type: TypeResponseTooLarge, Phase: PhaseInvoke,
			Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxPayload)}}) {
			apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response over the payload limit")
		} else {
			apiError(w, http.StatusForbidden, "InvalidStateTransition", "the invocation already has a response or error")
		}
		return
	}
	rt.settle(w, outcome{at: time.Now(), body: body})
}

func (rt *runtimeAPI) invocationError(w http.ResponseWriter, r *http.Request) {
	if !rt.checkID(w, r) {
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	rt.settle(w, outcome{at: time.Now(), err: parseError(body, r.Header.Get(headerErrorType), PhaseInvoke)})
}

func (rt *runtimeAPI) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayload))
	rt.mu.Lock()
	late := rt.handedOut
	rt.mu.Unlock()
	if late {
		apiError(w, http.StatusForbidden, "InvalidStateTransition", "init/error after the function asked for an event")
		return
	}
	fe := parseError(body, r.Header.Get(headerErrorType), PhaseInit)
	if fe.Type == TypeUnknown {
		fe.Type = TypeInitError
	}
	select {
	case rt.initErr <- fe:
	default: // only the first counts
	}
	accepted(w)
}

// checkID answers 400 unless the path names the invocation handed out.
func (rt *runtimeAPI) checkID(w http.ResponseWriter, r *http.Request) bool {
	rt.mu.Lock()
	ok := rt.handedOut && r.PathValue("id") == rt.id
	rt.mu.Unlock()
	if !ok {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "unknown request ID "+strconv.Quote(r.PathValue("id")))
	}
	return ok
}

// settle records the invocation's outcome unless it has one. With w it also
// answers the runtime: 202, or 403 when the outcome was already known.
func (rt *runtimeAPI) settle(w http.ResponseWriter, out outcome) bool {
	rt.mu.Lock()
	first := !rt.settled
	rt.settled = true
	rt.mu.Unlock()
	if first {
		rt.outcome <- out // buffered; only ever one send
	}
	if w != nil {
		if first {
			accepted(w)
		} else {
			apiError(w, http.StatusForbidden, "InvalidStateTransition", "the invocation already has a response or error")
		}
	}
	return first
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

// parseError reads an error body: normally {"errorMessage", "errorType",
// "stackTrace"}, where aws-lambda-go sends stack frames as objects and other
// runtimes as strings; anything else is taken as the message.
func parseError(body []byte, headerType, phase string) *FunctionError {
	fe := &FunctionError{Phase: phase}
	var b struct {
		Message    *string         `json:"errorMessage"`
		Type       string          `json:"errorType"`
		StackTrace json.RawMessage `json:"stackTrace"`
	}
	if err := json.Unmarshal(body, &b); err == nil && (b.Message != nil || b.Type != "") {
		if b.Message != nil {
			fe.Message = *b.Message
		}
		fe.Type = b.Type
		fe.StackTrace = parseStack(b.StackTrace)
	} else {
		fe.Message = strings.TrimSpace(string(body))
	}
	if fe.Type == "" {
		fe.Type = headerType
	}
	if fe.Type == "" {
		fe.Type = TypeUnknown
	}
	return fe
}

func parseStack(raw json.RawMessage) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var strs []string
	if json.Unmarshal(raw, &strs) == nil {
		return strs
	}
	var lines []string
	var frames []struct {
		Path  string `json:"path"`
		Line  int    `json:"line"`
		Label string `json:"label"`
	}
	if json.Unmarshal(raw, &frames) == nil {
		for _, f := range frames {
			lines = append(lines, fmt.Sprintf("%s (%s:%d)", f.Label, f.Path, f.Line))
		}
		return lines
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.Split(strings.TrimRight(s, "\n"), "\n")
	}
	return []string{string(raw)}
}

// newRequestID returns a random UUID (version 4), like Lambda's request IDs.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// maxLogs bounds Result.Logs.
const maxLogs = 8 << 20

// logWriter copies the function's output to a live writer and keeps the
// last maxLogs bytes of it.
type logWriter struct {
	mu      sync.Mutex
	live    io.Writer
	buf     []byte
	dropped int
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live != nil {
		_, _ = l.live.Write(p) // a failing terminal must not fail the function
	}
	l.buf = append(l.buf, p...)
	if len(l.buf) > 2*maxLogs {
		cut := len(l.buf) - maxLogs
		l.dropped += cut
		l.buf = append(l.buf[:0:0], l.buf[cut:]...)
	}
	return len(p), nil
}

func (l *logWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	buf, dropped := l.buf, l.dropped
	if len(buf) > maxLogs {
		dropped += len(buf) - maxLogs
		buf = buf[len(buf)-maxLogs:]
	}
	if dropped > 0 {
		return fmt.Sprintf("[... %d earlier bytes of output dropped ...]\n%s", dropped, buf)
	}
	return string(buf)
}

// Tail is the end of the output: its last 30 lines, at most 4 KiB.
func (l *logWriter) Tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	const maxBytes, maxLines = 4096, 30
	b := bytes.TrimRight(l.buf, "\n")
	if len(b) > maxBytes {
		b = b[len(b)-maxBytes:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return strings.Join(lines, "\n")
}

// memSampler follows the peak resident memory of a process (VmHWM on
// Linux) until it exits.
type memSampler struct {
	pid  int
	mu   sync.Mutex
	peak int64
}

func (m *memSampler) loop(exited <-chan struct{}) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-exited:
			return
		case <-t.C:
			m.sample()
		}
	}
}

func (m *memSampler) setPID(pid int) {
	m.mu.Lock()
	m.pid = pid
	m.mu.Unlock()
}

func (m *memSampler) sample() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pid != 0 {
		m.peak = max(m.peak, vmHWMKB(m.pid))
	}
}

func (m *memSampler) peakKB() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peak
}

// IsTimeout reports whether err is a timed-out invocation or init.
func IsTimeout(err error) bool {
	var fe *FunctionError
	return errors.As(err, &fe) && fe.Type == TypeTimeout
}
