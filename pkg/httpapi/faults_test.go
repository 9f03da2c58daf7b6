package httpapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/usherhq/usher/pkg/testenv"
)

// flow is a multi-step change: setup prepares it through a healthy store and
// returns the call that makes the change.
type flow struct {
	name  string
	setup func(t *testing.T, e *env) func() resp
}

var flows = []flow{
	{"invite with mail", func(t *testing.T, e *env) func() resp {
		email := uniq(t, "fault")
		return func() resp {
			return e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": email, "name": "F"})
		}
	}},
	{"accept", func(t *testing.T, e *env) func() resp {
		r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "acc"), "name": "A", "sendEmail": false})
		want(t, r, 201)
		tok := linkToken(t, r.str("inviteUrl"))
		e.secrets = append(e.secrets, tok)
		return func() resp {
			return e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "a long enough secret"})
		}
	}},
	{"delete user with memberships", func(t *testing.T, e *env) func() resp {
		uid, _ := e.userWithKey(uniq(t, "gone"), "viewer")
		for i := 0; i < 12; i++ {
			ws := e.workspace(t, fmt.Sprintf("W%d", i), e.admin)
			want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+uid, e.admin, map[string]any{"role": "member"}), 201)
		}
		return func() resp { return e.call("DELETE", "/v1/users/"+uid, e.admin, nil) }
	}},
	{"delete workspace", func(t *testing.T, e *env) func() resp {
		ws := e.workspace(t, "Doomed", e.admin)
		for i := 0; i < 3; i++ {
			want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+e.user(uniq(t, "m"), "M", "viewer"), e.admin, map[string]any{"role": "member"}), 201)
		}
		return func() resp { return e.call("DELETE", "/v1/workspaces/"+ws, e.admin, nil) }
	}},
	{"delete workspace named by a pending invitation", func(t *testing.T, e *env) func() resp {
		// The grant sends the delete through the sweep (a small workspace
		// without one goes in one transaction, above).
		ws := e.workspace(t, "Doomed", e.admin)
		for i := 0; i < 3; i++ {
			want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+e.user(uniq(t, "m"), "M", "viewer"), e.admin, map[string]any{"role": "member"}), 201)
		}
		want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "inv"), "sendEmail": false,
			"workspaces": []any{map[string]any{"workspaceId": ws, "role": "member"}}}), 201)
		return func() resp { return e.call("DELETE", "/v1/workspaces/"+ws, e.admin, nil) }
	}},
	{"cleanup", func(t *testing.T, e *env) func() resp {
		for i := 0; i < 3; i++ {
			want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "exp"), "expiresInDays": 1, "sendEmail": false}), 201)
		}
		e.setClock(time.Now().Add(25 * time.Hour))
		return func() resp {
			if _, err := e.app.RunCleanup(context.Background(), time.Now().Add(time.Minute)); err != nil {
				return resp{Status: 503}
			}
			return resp{Status: 200}
		}
	}},
}

// TestFaultsAtEveryStep breaks DynamoDB after each request of each flow in
// turn. The API must answer 503 (with Retry-After) or succeed, never 500,
// and afterwards the table must be consistent: no partial write, no orphan,
// exact counters. The flow then completes once DynamoDB is back.
func TestFaultsAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("many fresh tables")
	}
	t.Parallel()
	for _, f := range flows {
		// How many requests does the flow make when all is well?
		e, proxy := faultEnv(t)
		run := f.setup(t, e)
		before := proxy.Count()
		if r := run(); r.Status >= 300 {
			t.Fatalf("%s: healthy run answered %d: %s", f.name, r.Status, r.Body)
		}
		steps := proxy.Count() - before
		for k := int64(0); k < steps; k++ {
			e, proxy := faultEnv(t)
			run := f.setup(t, e)
			proxy.FailAfter(k)
			r := run()
			proxy.FailAfter(-1)
			if r.Status != 503 && r.Status >= 300 {
				t.Errorf("%s, DynamoDB gone after %d of %d requests: answered %d %s", f.name, k, steps, r.Status, r.Body)
			}
			problems, err := e.app.Store.Check(context.Background(), testenv.Client())
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("%s, DynamoDB gone after %d of %d requests: %s", f.name, k, steps, p)
			}
			if r.Status == 503 {
				if again := run(); again.Status >= 300 && again.Status != 404 && again.Status != 410 {
					t.Errorf("%s, after recovery from a failure at %d: %d %s", f.name, k, again.Status, again.Body)
				}
			}
		}
		t.Logf("%s: failed at each of its %d DynamoDB requests", f.name, steps)
	}
}

// faultEnv is an env whose DynamoDB traffic goes through a fault proxy.
func faultEnv(t *testing.T) (*env, *testenv.FaultProxy) {
	t.Helper()
	proxy := testenv.NewFaultProxy(t, testenv.Endpoint())
	return newEnvOn(t, proxy.URL, testenv.SESEndpoint(), testenv.NewTable(t)), proxy
}
