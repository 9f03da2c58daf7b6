package testenv

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FaultProxy stands between the code and DynamoDB Local on loopback. It
// counts requests, can fail every request after the N-th (as if DynamoDB
// went away mid-flow) and can delay them (as if it were slow).
type FaultProxy struct {
	URL string

	n         atomic.Int64
	failAfter atomic.Int64 // -1: never
	mu        sync.Mutex
	delay     time.Duration
}

// NewFaultProxy starts a proxy to target, closed when the test ends.
func NewFaultProxy(tb testing.TB, target string) *FaultProxy {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	p := &FaultProxy{}
	p.failAfter.Store(-1)
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := p.n.Add(1)
		p.mu.Lock()
		d := p.delay
		p.mu.Unlock()
		if d > 0 {
			time.Sleep(d)
		}
		if f := p.failAfter.Load(); f >= 0 && n > f {
			// An unreachable DynamoDB: the connection just drops.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					_ = c.Close()
					return
				}
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Count is the number of requests seen so far.
func (p *FaultProxy) Count() int64 { return p.n.Load() }

// FailAfter makes every request after the next n fail (n < 0: none fails).
func (p *FaultProxy) FailAfter(n int64) {
	if n < 0 {
		p.failAfter.Store(-1)
		return
	}
	p.failAfter.Store(p.n.Load() + n)
}

// Delay slows every request down by d.
func (p *FaultProxy) Delay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}
