package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/usherhq/usher/pkg/store"
)

// LoadRun is one route driven at one concurrency for a fixed time.
type LoadRun struct {
	Name        string  `json:"name"`
	Request     string  `json:"request"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"` // transport errors and unexpected statuses
	RPS         float64 `json:"requestsPerSecond"`
	P50ms       float64 `json:"p50Ms"`
	P99ms       float64 `json:"p99Ms"`
	FirstError  string  `json:"firstError,omitempty"`
}

// loadSeq numbers requests across runs, so that writes never repeat a key.
var loadSeq atomic.Int64

type loadTarget struct {
	name string
	want int
	req  func(i int64) Req // i: a number unique to the request
}

// drive sends requests from conc workers until d has passed.
func drive(ctx context.Context, c *Client, t loadTarget, conc int, d time.Duration) LoadRun {
	run := LoadRun{Name: t.name, Request: t.req(0).String(), Concurrency: conc}
	var mu sync.Mutex
	var lats []time.Duration
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			var mine []time.Duration
			errs := 0
			first := ""
			for ctx.Err() == nil {
				r, err := c.Do(context.WithoutCancel(ctx), t.req(loadSeq.Add(1)), nil)
				switch {
				case err != nil:
					errs++
					if first == "" {
						first = err.Error()
					}
				case r.Status != t.want:
					errs++
					if first == "" {
						first = fmt.Sprintf("status %d: %.200s", r.Status, r.Body)
					}
				default:
					mine = append(mine, r.Latency)
				}
			}
			mu.Lock()
			lats = append(lats, mine...)
			run.Errors += errs
			if run.FirstError == "" {
				run.FirstError = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	run.Seconds = time.Since(start).Seconds()
	run.Requests = len(lats) + run.Errors
	run.RPS = float64(len(lats)) / run.Seconds
	run.P50ms, run.P99ms = ms(percentile(lats, 50)), ms(percentile(lats, 99))
	return run
}

// RunLoad seeds a table with users users and drives the main routes through
// the authorizer, the handlers and DynamoDB Local, first one request at a
// time, then at concurrency conc, each for d.
func RunLoad(ctx context.Context, st *Stack, users, conc int, d time.Duration, progress func(string, ...any)) ([]LoadRun, error) {
	table, err := st.NewTable(ctx, "load")
	if err != nil {
		return nil, err
	}
	defer st.DropTable(context.WithoutCancel(ctx), table)
	in, err := st.NewInstance(ctx, table, discardLogger())
	if err != nil {
		return nil, err
	}
	defer in.Close()
	r := rand.New(rand.NewPCG(3, 5))
	batch := make([]store.NewUser, users)
	for i := range batch {
		batch[i] = seedUser(i, r)
	}
	seeded, err := in.Store.SeedUsers(ctx, batch, 8)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(seeded.Users))
	for i, u := range seeded.Users {
		ids[i] = u.ID
	}
	c := NewClient(in.URL, conc)
	admin := in.Admin
	if _, err := c.Must(ctx, get("/v1/roles", admin), 200); err != nil { // lastUsedAt set once, as in steady use
		return nil, err
	}
	runID := time.Now().UnixNano()
	targets := []loadTarget{
		{name: "health (no authorizer)", want: 200, req: func(int64) Req { return get("/v1/health", "") }},
		{name: "users-get", want: 200, req: func(i int64) Req { return get("/v1/users/"+ids[int(i)%len(ids)], admin) }},
		{name: "users-list page", want: 200, req: func(int64) Req { return get("/v1/users?limit=50", admin) }},
		{name: "users-list search", want: 200, req: func(int64) Req { return get("/v1/users?limit=20&q="+url.QueryEscape("ada"), admin) }},
		{name: "me-get", want: 200, req: func(int64) Req { return get("/v1/me", admin) }},
		{name: "insights-get", want: 200, req: func(int64) Req { return get("/v1/insights", admin) }},
		{name: "users-create", want: 201, req: func(i int64) Req {
			return Req{Method: "POST", Path: "/v1/users", Token: admin,
				Body: map[string]any{"email": fmt.Sprintf("load%d-%d@example.com", runID, i), "name": "Load User", "role": "viewer"}}
		}},
	}
	var out []LoadRun
	for _, t := range targets {
		for _, n := range []int{1, conc} {
			// A short warm-up so the first connections and JIT are not measured.
			drive(ctx, c, t, n, 200*time.Millisecond)
			run := drive(ctx, c, t, n, d)
			progress("load: %-24s c=%-2d %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d", t.name, n, run.RPS, run.P50ms, run.P99ms, run.Errors)
			out = append(out, run)
			if err := ctx.Err(); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}
