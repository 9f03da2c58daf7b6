package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/usherhq/usher/pkg/lambdarun"
	"github.com/usherhq/usher/pkg/routes"
)

const invokeUsage = `usage: usher invoke [flags] FUNCTION [EVENT.json | -]

Builds functions/FUNCTION for this machine and runs its binary once under a
local Lambda Runtime API (no Docker), with the environment template.yaml gives
it, against local DynamoDB and SES. The event comes from EVENT.json, or from
stdin when it is "-" or missing. The response goes to stdout, the function's
logs and a REPORT line to stderr; the exit status is 1 when the function
returned an error, crashed or timed out.

Without --dynamodb (or DYNAMODB_ENDPOINT) a private in-memory DynamoDB Local
is started with an empty table: nothing the function writes is kept. To use
the data of a running "usher dev", pass the DynamoDB Local URL it prints.

flags:
`

func invoke(ctx context.Context, args []string) error {
	return runInvoke(ctx, args, os.Stdin, os.Stdout, os.Stderr)
}

type invokeEnvFlag []string

func (e *invokeEnvFlag) String() string { return strings.Join(*e, " ") }
func (e *invokeEnvFlag) Set(s string) error {
	if k, _, ok := strings.Cut(s, "="); !ok || k == "" {
		return errors.New("want KEY=VALUE")
	}
	*e = append(*e, s)
	return nil
}

func runInvoke(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, invokeUsage); fs.PrintDefaults() }
	table := fs.String("table", lambdarun.DefaultTable, "table name TABLE_NAME resolves to (!Ref Table)")
	ddb := fs.String("dynamodb", os.Getenv("DYNAMODB_ENDPOINT"), "DynamoDB Local URL (env DYNAMODB_ENDPOINT); empty starts a private in-memory one")
	ses := fs.String("ses", envOr("SES_ENDPOINT", "http://127.0.0.1:8005"), "SES emulator URL (env SES_ENDPOINT; usher dev's is the default)")
	timeout := fs.Duration("timeout", 0, "invocation timeout (default: the function's Timeout in template.yaml, else 10s)")
	memory := fs.Int("memory", 0, "memory size in MB passed to the function, not enforced (default: its MemorySize in template.yaml, else 256)")
	buildDir := fs.String("build-dir", "", "where built binaries are kept (default: <repo>/.local/invoke)")
	var extra invokeEnvFlag
	fs.Var(&extra, "env", "KEY=VALUE to add to the function's environment, over the template's (repeatable)")

	pos, err := invokeParseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		fs.Usage()
		return errors.New("invoke: want FUNCTION and at most one EVENT file")
	}
	function, eventFile := pos[0], ""
	if len(pos) == 2 {
		eventFile = pos[1]
	}

	// The event first: a bad one should not cost a build.
	event, err := invokeReadEvent(eventFile, stdin, stderr)
	if err != nil {
		return err
	}

	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := lambdarun.FindRepoRoot(cwd)
	if err != nil {
		return fmt.Errorf("invoke: %w", err)
	}
	if err := lambdarun.CheckFunction(root, function); err != nil {
		return fmt.Errorf("invoke: %w", err)
	}
	template, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		return fmt.Errorf("invoke: %w", err)
	}

	if *buildDir == "" {
		*buildDir = lambdarun.CacheDir(root)
	}
	t0 := time.Now()
	bin, err := lambdarun.BuildInto(ctx, root, function, *buildDir)
	if err != nil {
		return fmt.Errorf("invoke: %w", err)
	}
	fmt.Fprintf(stderr, "usher invoke: built %s/%s for %s/%s in %s\n", lambdarun.FunctionsDir, function, runtime.GOOS, runtime.GOARCH, time.Since(t0).Round(10*time.Millisecond))

	if *ddb == "" {
		fmt.Fprintf(stderr, "usher invoke: starting a private in-memory DynamoDB Local with an empty table %s (its data is discarded on exit; pass --dynamodb URL to use usher dev's)\n", *table)
		p, err := lambdarun.StartDynamo(ctx, template, *table, nil)
		if err != nil {
			return fmt.Errorf("invoke: DynamoDB Local: %w", err)
		}
		defer p.Stop()
		*ddb = p.Endpoint
	} else if err := lambdarun.CheckTable(ctx, *ddb, *table); err != nil {
		fmt.Fprintf(stderr, "usher invoke: warning: %v (is usher dev running? see --dynamodb, --table)\n", err)
	}
	if rt, ok := routes.ByName(function); ok && rt.SendsMail && !lambdarun.Reachable(ctx, *ses) {
		fmt.Fprintf(stderr, "usher invoke: warning: no SES emulator answers at %s; sending mail will fail (run usher dev, or pass --ses)\n", *ses)
	}

	cfg, err := lambdarun.Config(template, function, lambdarun.Local{Table: *table, DynamoDBEndpoint: *ddb, SESEndpoint: *ses})
	if err != nil {
		return fmt.Errorf("invoke: %w", err)
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "usher invoke: warning:", w)
	}
	if *timeout <= 0 {
		*timeout = invokeOr(cfg.Timeout, lambdarun.DefaultTimeout)
	}
	if *memory <= 0 {
		*memory = invokeOr(cfg.MemoryMB, lambdarun.DefaultMemoryMB)
	}

	res, err := lambdarun.Run(ctx, lambdarun.Options{
		Binary: bin, FunctionName: function, Event: event,
		Env: append(cfg.Env, extra...), Timeout: *timeout, MemoryMB: *memory,
		Log: stderr,
	})
	var fe *lambdarun.FunctionError
	if err != nil && !errors.As(err, &fe) {
		return fmt.Errorf("invoke: %w", err)
	}
	if fe != nil {
		_, _ = stdout.Write(append(invokePretty(fe.Payload()), '\n'))
	} else {
		_, _ = stdout.Write(append(invokePretty(res.Response), '\n'))
	}
	fmt.Fprintln(stderr, res.Report())
	if fe == nil {
		return nil
	}
	return fmt.Errorf("function %s %s: %s: %s", function, invokeFailure(fe), fe.Type, fe.Message)
}

// invokeParseArgs parses flags that may come before, between or after the
// positional arguments.
func invokeParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func invokeReadEvent(file string, stdin io.Reader, stderr io.Writer) ([]byte, error) {
	name := file
	var data []byte
	var err error
	if file == "" || file == "-" {
		name = "from stdin"
		if f, ok := stdin.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				fmt.Fprintln(stderr, "usher invoke: reading the event from stdin (end it with Ctrl-D; or pass an EVENT.json, e.g. events/<function>.json)")
			}
		}
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, fmt.Errorf("invoke: reading the event: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("invoke: the event %s is empty: want a JSON document (e.g. {})", name)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := invokePosition(data, se.Offset)
			return nil, fmt.Errorf("invoke: the event %s is not valid JSON: %v (line %d, column %d)", name, err, line, col)
		}
		return nil, fmt.Errorf("invoke: the event %s is not valid JSON: %v", name, err)
	}
	return data, nil
}

// position turns a byte offset into a 1-based line and column.
func invokePosition(data []byte, off int64) (line, col int) {
	off = min(max(off, 1), int64(len(data)))
	before := data[:off-1]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off-1) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func invokePretty(b []byte) []byte {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") == nil {
		return out.Bytes()
	}
	return b
}

func invokeFailure(fe *lambdarun.FunctionError) string {
	switch {
	case fe.Type == lambdarun.TypeTimeout:
		return "timed out"
	case fe.Phase == lambdarun.PhaseInit:
		return "failed to initialize"
	case fe.Type == lambdarun.TypeExit:
		return "crashed"
	}
	return "returned an error"
}

func invokeOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
