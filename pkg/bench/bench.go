// Package bench measures Usher on this machine (`usher bench`, `make bench`):
// the DynamoDB cost of every route and of the authorizer against the
// budgets of DESIGN.md, how list, search, totals and insights behave as the
// table grows, the throughput and latency of the local server, the size and
// start-up of the Lambda binaries, and the CPU of the hot paths (Go
// benchmarks). Everything runs against DynamoDB Local and the SES v2
// emulator on 127.0.0.1; AWS is never called.
//
// The AWS calls are counted by an SDK middleware (see Register) on the
// clients of an instance wired like app.New, which also asks DynamoDB for
// ReturnConsumedCapacity TOTAL. DynamoDB Local reports capacity units as
// DynamoDB does; its latencies are those of an emulator on this machine, not
// of AWS.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Phases that can be selected with Options.Only.
var Phases = []string{"cost", "load", "go", "lambda", "scale"}

// Options configure a run.
type Options struct {
	Quick  bool          // smaller sizes, shorter runs
	Out    string        // JSON file ("" writes none)
	Sizes  []int         // users at each scale measurement; default 1 000 and 100 000 (quick: 10 000)
	Budget time.Duration // wall time the whole run aims at; seeding is cut short to keep it
	Only   []string      // phases to run; empty runs all
	Dynamo string        // a running DynamoDB Local to use ("" starts one)
	Stdout io.Writer     // the table
	Log    io.Writer     // progress lines
}

// Report is everything measured, as written to the JSON file.
type Report struct {
	StartedAt  time.Time     `json:"startedAt"`
	Seconds    float64       `json:"seconds"`
	Quick      bool          `json:"quick"`
	Host       Host          `json:"host"`
	Cost       []Cost        `json:"cost,omitempty"`
	Scale      *ScaleResult  `json:"scale,omitempty"`
	Load       []LoadRun     `json:"load,omitempty"`
	Lambda     *LambdaResult `json:"lambda,omitempty"`
	GoBench    []GoBench     `json:"goBenchmarks,omitempty"`
	PhaseTimes []PhaseTime   `json:"phaseSeconds"`
	Misses     []string      `json:"budgetMisses"`
}

// Host describes where the figures come from.
type Host struct {
	GOOS      string `json:"goos"`
	GOARCH    string `json:"goarch"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"goVersion"`
	DynamoDB  string `json:"dynamodb"`
}

// PhaseTime is how long a phase took.
type PhaseTime struct {
	Phase   string  `json:"phase"`
	Seconds float64 `json:"seconds"`
}

// Run measures everything selected and prints one table.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	if len(o.Sizes) == 0 {
		o.Sizes = []int{1000, 100000}
		if o.Quick {
			o.Sizes = []int{1000, 10000}
		}
	}
	slices.Sort(o.Sizes)
	if o.Budget <= 0 {
		o.Budget = 9*time.Minute + 30*time.Second
		if o.Quick {
			o.Budget = 4 * time.Minute
		}
	}
	for _, p := range o.Only {
		if !slices.Contains(Phases, p) {
			return nil, fmt.Errorf("unknown phase %q (phases: %s)", p, strings.Join(Phases, ", "))
		}
	}
	want := func(p string) bool { return len(o.Only) == 0 || slices.Contains(o.Only, p) }
	start := time.Now()
	deadline := start.Add(o.Budget)
	progress := func(f string, a ...any) {
		fmt.Fprintf(o.Log, "[%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(f, a...))
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	rep := &Report{StartedAt: start.UTC(), Quick: o.Quick,
		Host: Host{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), DynamoDB: "DynamoDB Local 2.9.30 (in memory, JVM defaults)"}}
	if o.Dynamo != "" {
		rep.Host.DynamoDB = "DynamoDB Local at " + o.Dynamo
	}
	work := filepath.Join(root, ".local", "bench")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	progress("starting DynamoDB Local and the SES v2 emulator…")
	st, err := StartStack(ctx, work, o.Dynamo, nil)
	if err != nil {
		return nil, err
	}
	defer st.Stop()
	phase := func(name string, fn func() error) error {
		if !want(name) {
			return nil
		}
		t := time.Now()
		err := fn()
		rep.PhaseTimes = append(rep.PhaseTimes, PhaseTime{Phase: name, Seconds: time.Since(t).Seconds()})
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	loadFor, benchtime, cold, warm, starts := 3*time.Second, "1s", 3, 200, []string{"authorizer", "health", "users-get", "users-list", "insights-get"}
	samples := 30
	if o.Quick {
		loadFor, benchtime, cold, warm, starts, samples = 1500*time.Millisecond, "200ms", 2, 50, []string{"authorizer", "users-get", "users-list"}, 15
	}
	err = errors.Join(
		phase("cost", func() (err error) { rep.Cost, err = RunCost(ctx, st, progress); return }),
		phase("load", func() (err error) { rep.Load, err = RunLoad(ctx, st, 1000, 16, loadFor, progress); return }),
		phase("go", func() (err error) { rep.GoBench, err = RunGoBench(ctx, root, st, benchtime, progress); return }),
		phase("lambda", func() error {
			l, err := RunLambda(ctx, st, root, starts, cold, warm, progress)
			rep.Lambda = &l
			return err
		}),
		phase("scale", func() error {
			s, err := RunScale(ctx, st, ScaleOptions{Sizes: o.Sizes, Samples: samples, Warmup: 5, Concurrency: 8, Deadline: deadline, Reserve: 30 * time.Second}, progress)
			rep.Scale = &s
			return err
		}),
	)
	rep.Seconds = time.Since(start).Seconds()
	rep.Misses = misses(rep)
	Print(o.Stdout, rep)
	if o.Out != "" {
		if werr := writeJSON(o.Out, rep); werr != nil {
			err = errors.Join(err, werr)
		} else {
			fmt.Fprintf(o.Stdout, "\nJSON: %s\n", o.Out)
		}
	}
	return rep, err
}

func writeJSON(path string, rep *Report) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// misses lists every budget the run found broken, one line each.
func misses(rep *Report) []string {
	var out []string
	for _, c := range rep.Cost {
		if !c.OK {
			out = append(out, fmt.Sprintf("cost: %s [%s]: %s", c.Name, c.Budget, c.Why))
		}
	}
	if rep.Scale != nil {
		for _, p := range rep.Scale.Probes {
			if !p.OK {
				out = append(out, fmt.Sprintf("scale: %s: %s", p.Name, p.Why))
			}
		}
	}
	for _, l := range rep.Load {
		if l.Errors > 0 {
			out = append(out, fmt.Sprintf("load: %s c=%d: %d errors (%s)", l.Name, l.Concurrency, l.Errors, oneLine(l.FirstError)))
		}
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
