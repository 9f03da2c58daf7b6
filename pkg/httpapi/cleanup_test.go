package httpapi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/usherhq/usher/pkg/store"
)

func (e *env) cleanup(t *testing.T) store.CleanupReport {
	t.Helper()
	rep, err := e.app.RunCleanup(context.Background(), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatalf("cleanup: %v", err)
	}
	if !rep.Finished {
		t.Fatalf("cleanup did not finish: %+v", rep)
	}
	return rep
}

func TestCleanupExpiresAndDeletes(t *testing.T) {
	e := newEnv(t)
	inv := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "late"), "expiresInDays": 1, "sendEmail": false})
	want(t, inv, 201)
	invID := inv.JSON()["invitation"].(map[string]any)["id"].(string)
	keep := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "keep"), "expiresInDays": 30, "sendEmail": false})
	want(t, keep, 201)
	uid, email := e.member(t, "viewer", "correct horse battery")
	e.login(t, email, "correct horse battery")
	k := e.call("POST", "/v1/users/"+uid+"/api-keys", e.admin, map[string]any{"name": "short", "expiresInDays": 1})
	want(t, k, 201)
	e.secrets = append(e.secrets, k.str("secret"))
	at := e.call("POST", "/v1/admin-tokens", e.admin, map[string]any{"name": "week", "expiresInDays": 7})
	want(t, at, 201)
	e.secrets = append(e.secrets, at.str("secret"))
	want(t, e.call("POST", "/v1/users/"+uid+"/password-reset", e.admin, nil), 202)
	want(t, e.call("POST", "/v1/workspaces", e.admin, map[string]any{"name": "Idem"}, "Idempotency-Key", "cleanup-key"), 201)
	before := insights(t, e)

	// Nothing has expired yet.
	if rep := e.cleanup(t); rep.InvitationsExpired+rep.Sessions+rep.APIKeys+rep.AdminTokens+rep.ResetTokens+rep.IdempotencyRecords != 0 {
		t.Fatalf("cleanup before any expiry: %+v", rep)
	}
	e.setClock(time.Now().Add(8 * 24 * time.Hour))
	rep := e.cleanup(t)
	if rep.InvitationsExpired != 1 || rep.Sessions != 1 || rep.APIKeys != 1 || rep.AdminTokens != 1 || rep.ResetTokens != 1 || rep.IdempotencyRecords != 1 {
		t.Fatalf("cleanup after 8 days: %+v", rep)
	}
	got := e.call("GET", "/v1/invitations/"+invID, e.admin, nil)
	if got.str("status") != "expired" {
		t.Fatalf("invitation: %s", got.Body)
	}
	if n := len(items(e.call("GET", "/v1/users/"+uid+"/api-keys", e.admin, nil))); n != 0 {
		t.Fatalf("%d expired API keys still listed", n)
	}
	if n := len(items(e.call("GET", "/v1/admin-tokens", e.admin, nil))); n != 0 {
		t.Fatalf("%d expired admin tokens still listed", n)
	}
	after := insights(t, e)
	for path, delta := range map[string]float64{"invitations.pending": -1, "apiKeys.active": -1, "adminTokens.active": -1, "users.total": 0} {
		if got, w := num(after, path), num(before, path)+delta; got != w {
			t.Errorf("%s = %v after cleanup, want %v", path, got, w)
		}
	}
	ev := items(e.call("GET", "/v1/audit-events?action=invitation.expired", e.admin, nil))
	if len(ev) != 1 || ev[0]["actor"].(map[string]any)["type"] != "system" {
		t.Fatalf("invitation.expired events: %v", ev)
	}
	// A second run finds nothing; the address can be invited again; the user can go.
	if rep := e.cleanup(t); rep.InvitationsExpired+rep.Sessions+rep.APIKeys+rep.AdminTokens+rep.ResetTokens+rep.IdempotencyRecords != 0 {
		t.Fatalf("second run: %+v", rep)
	}
	if n := num(insights(t, e), "invitations.pending"); n != 1 {
		t.Fatalf("pending after two runs: %v", n)
	}
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": inv.JSON()["invitation"].(map[string]any)["email"], "sendEmail": false}), 201)
	want(t, e.call("DELETE", "/v1/users/"+uid, e.admin, nil), 204)
	want(t, e.call("POST", "/v1/workspaces", e.admin, map[string]any{"name": "Idem"}, "Idempotency-Key", "cleanup-key"), 201) // a new key now
	if n := num(insights(t, e), "workspaces.total"); n != 2 {
		t.Fatalf("workspaces after the key expired: %v, want 2", n)
	}
}

func TestConcurrentCleanupsAndRevokes(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := 0; i < 6; i++ {
		r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "race"), "expiresInDays": 1, "sendEmail": false})
		want(t, r, 201)
		ids = append(ids, r.JSON()["invitation"].(map[string]any)["id"].(string))
	}
	e.setClock(time.Now().Add(25 * time.Hour))
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = e.app.RunCleanup(context.Background(), time.Now().Add(time.Minute)) }()
	}
	for _, id := range ids[:3] {
		wg.Add(1)
		go func() { defer wg.Done(); e.call("DELETE", "/v1/invitations/"+id, e.admin, nil) }()
	}
	wg.Wait()
	e.cleanup(t)
	in := insights(t, e)
	expired := listTotal(t, e, "/v1/invitations?status=expired")
	revoked := listTotal(t, e, "/v1/invitations?status=revoked")
	if num(in, "invitations.pending") != 0 || expired+revoked != 6 {
		t.Fatalf("pending %v, expired %d, revoked %d: want 0 and 6 in all", num(in, "invitations.pending"), expired, revoked)
	}
	total := e.call("GET", "/v1/invitations", e.admin, nil).JSON()["total"]
	if total != float64(6) {
		t.Fatalf("invitation total %v, want 6", total)
	}
	if n := len(items(e.call("GET", "/v1/audit-events?action=invitation.expired", e.admin, nil))); n != expired {
		t.Fatalf("%d invitation.expired events for %d expired invitations", n, expired)
	}
}
