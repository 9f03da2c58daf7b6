package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/usherhq/usher/pkg/routes"
)

// TestCachedAuthorizerAnswerCannotWrite replays what API Gateway does while an
// authorizer answer is cached: the route receives the principal as it was.
// A demoted or deactivated admin must not be able to change anything.
func TestCachedAuthorizerAnswerCannotWrite(t *testing.T) {
	e := newEnv(t)
	adminID, _ := e.userWithKey("demoted@example.com", "admin")
	victim := e.user("victim@example.com", "Victim", "viewer")
	create, _ := routes.ByName("users-create")
	deactivate, _ := routes.ByName("users-deactivate")
	tokens, _ := routes.ByName("admin-tokens-create")
	invoke := func(rt routes.Route, path, body string) int {
		t.Helper()
		ev := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: rt.Method + " " + rt.Path, RawPath: path, Body: body,
			Headers: map[string]string{"content-type": "application/json"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RequestID: "cached-" + time.Now().Format("150405.000000"), Stage: "$default",
				HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: rt.Method, Path: path},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]any{"principalType": "user", "principalId": adminID, "role": "admin", "tokenId": "x", "tokenKind": "api_key"}},
			},
		}
		res, err := e.app.HTTP.Lambda(rt)(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	// While still an admin, the cached answer works.
	if got := invoke(create, "/v1/users", `{"email":"a1@example.com","name":"A1","role":"viewer"}`); got != http.StatusCreated {
		t.Fatalf("admin create: %d", got)
	}
	for _, change := range []map[string]any{{"role": "viewer"}, nil} {
		if change != nil {
			want(t, e.call("PATCH", "/v1/users/"+adminID, e.admin, change), 200)
		} else {
			want(t, e.call("PATCH", "/v1/users/"+adminID, e.admin, map[string]any{"role": "admin"}), 200)
			want(t, e.call("POST", "/v1/users/"+adminID+"/deactivate", e.admin, nil), 200)
		}
		if got := invoke(create, "/v1/users", `{"email":"a2@example.com","name":"A2","role":"viewer"}`); got != http.StatusForbidden {
			t.Errorf("after %v: create = %d, want 403", change, got)
		}
		if got := invoke(deactivate, "/v1/users/"+victim+"/deactivate", ""); got != http.StatusForbidden {
			t.Errorf("after %v: deactivate = %d, want 403", change, got)
		}
		if got := invoke(tokens, "/v1/admin-tokens", `{"name":"keep-access"}`); got != http.StatusForbidden {
			t.Errorf("after %v: admin token = %d, want 403", change, got)
		}
	}
	if e.call("GET", "/v1/users/"+victim, e.admin, nil).str("status") != "active" {
		t.Fatal("a stale principal deactivated a user")
	}
	if n := e.call("GET", "/v1/users", e.admin, nil).JSON()["total"]; n != float64(4) {
		t.Fatalf("total = %v, want 4 (root, demoted, victim, a1)", n)
	}
	if n := len(items(e.call("GET", "/v1/admin-tokens", e.admin, nil))); n != 0 {
		t.Fatalf("%d admin tokens exist, want 0", n)
	}
}

func TestLastUsedAtIsWrittenAtMostEveryFiveMinutes(t *testing.T) {
	e := newEnv(t)
	id, key := e.userWithKey("busy@example.com", "viewer")
	start := time.Now()
	e.setClock(start)
	want(t, e.call("GET", "/v1/me", key, nil), 200)
	lastUsed := func() string {
		t.Helper()
		for _, k := range items(e.call("GET", "/v1/users/"+id+"/api-keys", e.admin, nil)) {
			return k["lastUsedAt"].(string)
		}
		t.Fatal("no key")
		return ""
	}
	first := lastUsed()
	e.setClock(start.Add(4 * time.Minute))
	want(t, e.call("GET", "/v1/me", key, nil), 200)
	if got := lastUsed(); got != first {
		t.Fatalf("lastUsedAt moved after 4 minutes: %s → %s", first, got)
	}
	e.setClock(start.Add(6 * time.Minute))
	want(t, e.call("GET", "/v1/me", key, nil), 200)
	if got := lastUsed(); got == first {
		t.Fatalf("lastUsedAt did not move after 6 minutes: %s", got)
	}
}
