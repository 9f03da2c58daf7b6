package httpapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usherhq/usher/pkg/testenv"
)

// TestSlowStorageAnswers503: DynamoDB slower than the SDK's timeouts makes
// the API answer 503 with Retry-After in bounded time, and change nothing.
func TestSlowStorageAnswers503(t *testing.T) {
	t.Parallel()
	e, proxy := faultEnv(t)
	before := e.call("GET", "/v1/users", e.admin, nil).JSON()["total"]
	proxy.Delay(2500 * time.Millisecond)
	start := time.Now()
	r := e.call("POST", "/v1/users", e.admin, map[string]any{"email": uniq(t, "slow"), "name": "Slow", "role": "viewer"})
	want(t, r, 503, "unavailable")
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the 503 took %v: past a Lambda's 10 s timeout", d)
	}
	proxy.Delay(0)
	if after := e.call("GET", "/v1/users", e.admin, nil).JSON()["total"]; after != before {
		t.Fatalf("total %v → %v: a slow write left something behind", before, after)
	}
}

// TestSoak runs a bounded mixed workload at concurrency 32 (USHER_SOAK_SECONDS,
// set by make verify), then checks the table is consistent, that the audit
// trail has an event for every change that succeeded, and (in the harness)
// that no secret reached a log line.
func TestSoak(t *testing.T) {
	secs, _ := strconv.Atoi(os.Getenv("USHER_SOAK_SECONDS"))
	if secs <= 0 {
		t.Skip("set USHER_SOAK_SECONDS (make verify) to run the soak")
	}
	e := newEnv(t)
	var workspaces []string
	for i := 0; i < 4; i++ {
		workspaces = append(workspaces, e.workspace(t, fmt.Sprintf("Soak %d", i), e.admin))
	}
	var (
		mu      sync.Mutex
		users   []string
		created atomic.Int64 // user.created events owed
		ops     atomic.Int64
		bad     atomic.Int64
	)
	pick := func() string {
		mu.Lock()
		defer mu.Unlock()
		if len(users) == 0 {
			return "none"
		}
		return users[rand.IntN(len(users))]
	}
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline); n++ {
				var r resp
				switch rand.IntN(8) {
				case 0, 1:
					r = e.call("POST", "/v1/users", e.admin, map[string]any{"email": fmt.Sprintf("soak%d@example.com", rand.IntN(400)), "name": "Soak", "role": "viewer"})
					if r.Status == 201 {
						created.Add(1)
						mu.Lock()
						users = append(users, r.str("id"))
						mu.Unlock()
					}
				case 2:
					r = e.call("PATCH", "/v1/users/"+pick(), e.admin, map[string]any{"role": []string{"viewer", "editor", "operator"}[rand.IntN(3)]})
				case 3:
					r = e.call("DELETE", "/v1/users/"+pick(), e.admin, nil)
				case 4:
					r = e.call("PUT", "/v1/workspaces/"+workspaces[rand.IntN(4)]+"/members/"+pick(), e.admin, map[string]any{"role": []string{"member", "admin", "guest"}[rand.IntN(3)]})
				case 5:
					r = e.call("DELETE", "/v1/workspaces/"+workspaces[rand.IntN(4)]+"/members/"+pick(), e.admin, nil)
				case 6:
					inv := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": fmt.Sprintf("inv%d@example.com", rand.IntN(400)), "name": "I", "sendEmail": false})
					r = inv
					if inv.Status == 201 {
						tok := linkToken(t, inv.str("inviteUrl"))
						acc := e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "a long enough secret"})
						if acc.Status == 201 {
							created.Add(1)
							mu.Lock()
							users = append(users, acc.JSON()["user"].(map[string]any)["id"].(string))
							e.secrets = append(e.secrets, tok, acc.JSON()["session"].(map[string]any)["token"].(string))
							mu.Unlock()
						}
					}
				case 7:
					r = e.call("POST", "/v1/users/"+pick()+"/deactivate", e.admin, nil)
				}
				ops.Add(1)
				if r.Status >= 500 {
					bad.Add(1)
					t.Logf("5xx: %d %s", r.Status, r.Body)
				}
			}
		}()
	}
	wg.Wait()
	if bad.Load() > 0 {
		t.Errorf("%d of %d requests answered 5xx", bad.Load(), ops.Load())
	}
	problems, err := e.app.Store.Check(context.Background(), testenv.Client())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("after the soak: %s", p)
	}
	events := listTotal(t, e, "/v1/audit-events?action=user.created")
	if int64(events) != created.Load()+1 { // + the bootstrap
		t.Errorf("%d user.created events for %d users created (+1 bootstrap)", events, created.Load())
	}
	t.Logf("soak: %d requests in %d s at concurrency 32 (%.0f/s), %d users created", ops.Load(), secs, float64(ops.Load())/float64(secs), created.Load())
}
