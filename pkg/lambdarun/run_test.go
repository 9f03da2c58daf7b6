package lambdarun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeRuntime is a tiny custom runtime, standard library only, whose
// behaviour MODE selects. It talks to the Runtime API the way any runtime
// does.
const fakeRuntime = `package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"
)

var api = "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime"

func post(path, errType, body string) int {
	req, _ := http.NewRequest("POST", api+path, strings.NewReader(body))
	if errType != "" {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", errType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func main() {
	mode := os.Getenv("MODE")
	fmt.Println("fake runtime starting, mode", mode)
	fmt.Fprintln(os.Stderr, "a line on stderr")
	switch mode {
	case "initerror":
		post("/init/error", "Runtime.Custom", ` + "`" + `{"errorMessage":"TABLE_NAME is not set","errorType":"ConfigError"}` + "`" + `)
		os.Exit(1)
	case "initpanic":
		panic("cannot start")
	case "initslow":
		time.Sleep(time.Minute)
	}
	resp, err := http.Get(api + "/invocation/next")
	if err != nil {
		panic(err)
	}
	event, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	respond := func(body string) { post("/invocation/"+id+"/response", "", body) }
	switch mode {
	case "echo":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		wd, _ := os.Getwd()
		h := map[string]string{}
		for _, k := range []string{"Lambda-Runtime-Aws-Request-Id", "Lambda-Runtime-Deadline-Ms", "Lambda-Runtime-Invoked-Function-Arn", "Lambda-Runtime-Trace-Id"} {
			h[k] = resp.Header.Get(k)
		}
		b, _ := json.Marshal(map[string]any{"event": json.RawMessage(event), "headers": h, "env": env, "cwd": wd})
		respond(string(b))
	case "error":
		post("/invocation/"+id+"/error", "HandlerError", ` + "`" + `{"errorMessage":"no such user","errorType":"NotFound","stackTrace":[{"path":"main.go","line":3,"label":"main.handler"}]}` + "`" + `)
	case "panic":
		panic("boom in handler")
	case "sleep":
		time.Sleep(time.Minute)
	case "big":
		respond("\"" + strings.Repeat("x", 7<<20) + "\"")
	case "memory":
		b := make([]byte, 64<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		respond("{}")
		runtime.KeepAlive(b)
	case "protocol":
		bad := post("/invocation/not-"+id+"/response", "", "{}")
		late := post("/init/error", "", "{}")
		first := post("/invocation/"+id+"/response", "", fmt.Sprintf(` + "`" + `{"bad":%d,"late":%d}` + "`" + `, bad, late))
		again := post("/invocation/"+id+"/response", "", "{}")
		fmt.Println("statuses", first, again)
	}
	// Ask for the next event, as a runtime does; none comes.
	resp, err = http.Get(api + "/invocation/next")
	if err == nil {
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		fmt.Println("unexpected second event:", resp.StatusCode, buf.String())
	}
}
`

var fakeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdarun-fake-")
	if err == nil {
		fakeBin, err = buildFake(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "building the fake runtime:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func buildFake(dir string) (string, error) {
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module fake\n\ngo 1.22\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(fakeRuntime), 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "fake", "bootstrap")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v\n%s", err, out)
	}
	return bin, nil
}

func run(t *testing.T, mode string, o Options) (Result, error) {
	t.Helper()
	o.Binary = fakeBin
	o.Env = append([]string{"MODE=" + mode}, o.Env...)
	start := time.Now()
	res, err := Run(context.Background(), o)
	t.Logf("%s in %v: err=%v\n%s", mode, time.Since(start), err, res.Report())
	return res, err
}

func functionError(t *testing.T, res Result, err error) *FunctionError {
	t.Helper()
	var fe *FunctionError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want a *FunctionError", err, err)
	}
	if res.Error != fe {
		t.Errorf("Result.Error = %v, want the returned error", res.Error)
	}
	if res.Response != nil {
		t.Errorf("Response = %q, want none", res.Response)
	}
	return fe
}

func TestRunEcho(t *testing.T) {
	t.Parallel()
	before := time.Now()
	res, err := run(t, "echo", Options{
		Event:    []byte(`{"hello":"world"}`),
		Env:      []string{"GREETING=hi", "AWS_REGION=eu-west-3"},
		Timeout:  7 * time.Second,
		MemoryMB: 512,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Event   map[string]string
		Headers map[string]string
		Env     map[string]string
		Cwd     string
	}
	if err := json.Unmarshal(res.Response, &got); err != nil {
		t.Fatalf("response %q: %v", res.Response, err)
	}
	if got.Event["hello"] != "world" {
		t.Errorf("event = %v", got.Event)
	}

	if h := got.Headers["Lambda-Runtime-Aws-Request-Id"]; h != res.RequestID || len(h) != 36 {
		t.Errorf("request id header %q, Result.RequestID %q", h, res.RequestID)
	}
	deadline, _ := strconv.ParseInt(got.Headers["Lambda-Runtime-Deadline-Ms"], 10, 64)
	if d := time.UnixMilli(deadline).Sub(before); d < 7*time.Second-time.Millisecond || d > 8*time.Second {
		t.Errorf("deadline %d is %v after the start, want about the 7s timeout", deadline, d)
	}
	if arn := got.Headers["Lambda-Runtime-Invoked-Function-Arn"]; arn != "arn:aws:lambda:us-east-1:123456789012:function:fake" {
		t.Errorf("function ARN %q", arn)
	}
	if tr := got.Headers["Lambda-Runtime-Trace-Id"]; !strings.HasPrefix(tr, "Root=1-") {
		t.Errorf("trace id %q", tr)
	}

	dir := filepath.Dir(fakeBin)
	for k, want := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "fake",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_RUNTIME_API":          got.Env["AWS_LAMBDA_RUNTIME_API"],
		"AWS_REGION":                      "eu-west-3", // Options.Env wins
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                dir,
		"TZ":                              ":UTC",
		"GREETING":                        "hi",
	} {
		if got.Env[k] != want {
			t.Errorf("env %s = %q, want %q", k, got.Env[k], want)
		}
	}
	if !strings.HasPrefix(got.Env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", got.Env["AWS_LAMBDA_RUNTIME_API"])
	}
	if _, ok := got.Env["HOME"]; ok {
		t.Error("the host environment leaked into the function (HOME)")
	}
	if got.Cwd != dir {
		t.Errorf("working directory %q, want %q", got.Cwd, dir)
	}

	if !strings.Contains(res.Logs, "fake runtime starting, mode echo\n") || !strings.Contains(res.Logs, "a line on stderr\n") {
		t.Errorf("logs %q", res.Logs)
	}
	if strings.Contains(res.Logs, "unexpected second event") {
		t.Errorf("a second /next was answered: %q", res.Logs)
	}
	if res.InitDuration <= 0 || res.Duration <= 0 || res.InitDuration > 5*time.Second || res.Duration > 5*time.Second {
		t.Errorf("init %v, duration %v", res.InitDuration, res.Duration)
	}
	if runtime.GOOS == "linux" && (res.MaxMemoryKB < 1024 || res.MaxMemoryKB > 200*1024) {
		t.Errorf("max memory %d KiB", res.MaxMemoryKB)
	}
	rep := res.Report()
	for _, want := range []string{"REPORT RequestId: " + res.RequestID + "\t", "\tDuration: ", " ms\tMemory Size: 512 MB\tMax Memory Used: ", "\tInit Duration: "} {
		if !strings.Contains(rep, want) {
			t.Errorf("report %q lacks %q", rep, want)
		}
	}
	if strings.Contains(rep, "Status") {
		t.Errorf("report of a success has a status: %q", rep)
	}
}

func TestRunFunctionError(t *testing.T) {
	t.Parallel()
	res, err := run(t, "error", Options{Event: []byte(`{}`)})
	fe := functionError(t, res, err)
	if fe.Type != "NotFound" || fe.Message != "no such user" || fe.Phase != PhaseInvoke {
		t.Errorf("error %+v", fe)
	}
	if len(fe.StackTrace) != 1 || fe.StackTrace[0] != "main.handler (main.go:3)" {
		t.Errorf("stack %q", fe.StackTrace)
	}
	if err.Error() != "NotFound: no such user" {
		t.Errorf("Error() = %q", err)
	}
	if p := string(fe.Payload()); p != `{"errorMessage":"no such user","errorType":"NotFound","stackTrace":["main.handler (main.go:3)"]}` {
		t.Errorf("payload %s", p)
	}
	if rep := res.Report(); !strings.HasSuffix(rep, "\tStatus: error\tError Type: NotFound") {
		t.Errorf("report %q", rep)
	}
}

func TestRunCrash(t *testing.T) {
	t.Parallel()
	res, err := run(t, "panic", Options{Event: []byte(`{}`)})
	fe := functionError(t, res, err)
	if fe.Type != TypeExit || fe.Phase != PhaseInvoke || fe.Message != "Runtime exited with error: exit status 2" {
		t.Errorf("error %+v", fe)
	}
	msg := err.Error()
	for _, want := range []string{"Runtime.ExitError", "exit status 2", "panic: boom in handler", "goroutine 1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if res.Duration <= 0 || res.InitDuration <= 0 {
		t.Errorf("init %v, duration %v", res.InitDuration, res.Duration)
	}
}

func TestRunCrashDuringInit(t *testing.T) {
	t.Parallel()
	res, err := run(t, "initpanic", Options{Event: []byte(`{}`)})
	fe := functionError(t, res, err)
	if fe.Type != TypeExit || fe.Phase != PhaseInit {
		t.Errorf("error %+v", fe)
	}
	msg := err.Error()
	for _, want := range []string{"init failed: Runtime.ExitError: Runtime exited with error: exit status 2", "panic: cannot start"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if res.Duration != 0 || res.InitDuration <= 0 {
		t.Errorf("init %v, duration %v", res.InitDuration, res.Duration)
	}
}

func TestRunTimeout(t *testing.T) {
	t.Parallel()
	start := time.Now()
	res, err := run(t, "sleep", Options{Event: []byte(`{}`), Timeout: 300 * time.Millisecond})
	fe := functionError(t, res, err)
	if !IsTimeout(err) || fe.Message != "Task timed out after 0.30 seconds" || fe.Phase != PhaseInvoke {
		t.Errorf("error %+v", fe)
	}
	if !strings.Contains(err.Error(), "fake runtime starting") {
		t.Errorf("error %q lacks the function's output", err)
	}
	if res.Duration != 300*time.Millisecond {
		t.Errorf("duration %v", res.Duration)
	}
	if e := time.Since(start); e > 5*time.Second {
		t.Errorf("Run took %v: the sleeping function was not killed", e)
	}
	if rep := res.Report(); !strings.Contains(rep, "Duration: 300.00 ms") || !strings.HasSuffix(rep, "\tStatus: timeout") {
		t.Errorf("report %q", rep)
	}
}

func TestRunInitTimeout(t *testing.T) {
	t.Parallel()
	res, err := run(t, "initslow", Options{Event: []byte(`{}`), InitTimeout: 300 * time.Millisecond})
	fe := functionError(t, res, err)
	if !IsTimeout(err) || fe.Phase != PhaseInit || !strings.Contains(fe.Message, "Init timed out after 0.30 seconds") {
		t.Errorf("error %+v", fe)
	}
}

func TestRunInitError(t *testing.T) {
	t.Parallel()
	res, err := run(t, "initerror", Options{Event: []byte(`{}`)})
	fe := functionError(t, res, err)
	if fe.Type != "ConfigError" || fe.Message != "TABLE_NAME is not set" || fe.Phase != PhaseInit {
		t.Errorf("error %+v", fe)
	}
	if err.Error() != "init failed: ConfigError: TABLE_NAME is not set" {
		t.Errorf("Error() = %q", err)
	}
	if res.InitDuration <= 0 || res.Duration != 0 {
		t.Errorf("init %v, duration %v", res.InitDuration, res.Duration)
	}
}

func TestRunResponseTooLarge(t *testing.T) {
	t.Parallel()
	res, err := run(t, "big", Options{Event: []byte(`{}`)})
	fe := functionError(t, res, err)
	if fe.Type != TypeResponseTooLarge {
		t.Errorf("error %+v", fe)
	}
}

func TestRunMaxMemory(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("memory is measured on Linux and macOS")
	}
	t.Parallel()
	res, err := run(t, "memory", Options{Event: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxMemoryKB < 64*1024 {
		t.Errorf("max memory %d KiB, want over the 64 MiB the function touched", res.MaxMemoryKB)
	}
}

func TestRunProtocolErrors(t *testing.T) {
	t.Parallel()
	res, err := run(t, "protocol", Options{Event: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	// A wrong request id gets 400, init/error after /next 403.
	if string(res.Response) != `{"bad":400,"late":403}` {
		t.Errorf("response %s", res.Response)
	}
}

func TestRunCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Run(ctx, Options{Binary: fakeBin, Env: []string{"MODE=sleep"}, Event: []byte(`{}`)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	if e := time.Since(start); e > 5*time.Second {
		t.Errorf("Run took %v after its context ended", e)
	}
}

func TestRunMissingBinary(t *testing.T) {
	_, err := Run(context.Background(), Options{Binary: filepath.Join(t.TempDir(), "bootstrap")})
	var fe *FunctionError
	if err == nil || errors.As(err, &fe) {
		t.Errorf("err = %v", err)
	}
}

func TestParseError(t *testing.T) {
	for _, c := range []struct {
		body, header string
		want         FunctionError
	}{
		{`{"errorMessage":"m","errorType":"T","stackTrace":["a","b"]}`, "H", FunctionError{Type: "T", Message: "m", StackTrace: []string{"a", "b"}}},
		{`{"errorMessage":"m"}`, "H", FunctionError{Type: "H", Message: "m"}},
		{`{"errorMessage":"m","stackTrace":"x\ny\n"}`, "", FunctionError{Type: TypeUnknown, Message: "m", StackTrace: []string{"x", "y"}}},
		{"plain text\n", "H", FunctionError{Type: "H", Message: "plain text"}},
		{``, "", FunctionError{Type: TypeUnknown}},
	} {
		got := parseError([]byte(c.body), c.header, PhaseInvoke)
		c.want.Phase = PhaseInvoke
		if fmt.Sprint(*got) != fmt.Sprint(c.want) {
			t.Errorf("parseError(%q, %q) = %+v, want %+v", c.body, c.header, *got, c.want)
		}
	}
}

func TestLogTail(t *testing.T) {
	l := &logWriter{}
	for i := range 100 {
		fmt.Fprintf(l, "line %d\n", i)
	}
	tail := l.Tail()
	if lines := strings.Split(tail, "\n"); len(lines) != 30 || lines[0] != "line 70" || lines[29] != "line 99" {
		t.Errorf("tail %q", tail)
	}
}

// TestRunMemoryIsTheFunctions checks that the parent's memory does not count:
// on Linux ru_maxrss of a child started by Go includes the parent's
// high-water mark.
func TestRunMemoryIsTheFunctions(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	ballast := make([]byte, 128<<20)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	res, err := run(t, "echo", Options{Event: []byte(`{}`)})
	runtime.KeepAlive(ballast)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxMemoryKB == 0 || res.MaxMemoryKB > 64*1024 {
		t.Errorf("max memory %d KiB: not the small function's own", res.MaxMemoryKB)
	}
}

// TestRunAWSLambdaGoPanic runs a handler that panics under aws-lambda-go,
// which reports the panic through /error and then exits.
func TestRunAWSLambdaGoPanic(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "panicfn", "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, "./testdata/panicfn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	res, err := Run(context.Background(), Options{Binary: bin, Event: []byte(`{}`)})
	t.Logf("err=%v\n%s\n%s", err, res.Report(), res.Logs)
	fe := functionError(t, res, err)
	if fe.Message != "handler blew up" || fe.Phase != PhaseInvoke || len(fe.StackTrace) == 0 {
		t.Errorf("error %+v", fe)
	}
	if !strings.Contains(strings.Join(fe.StackTrace, "\n"), "main.func1 (panicfn/main.go:14)") {
		t.Errorf("stack %q lacks the handler", fe.StackTrace)
	}
}
