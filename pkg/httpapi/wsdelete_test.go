package httpapi_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/testenv"
)

// interposer is the table's client with a hook run once, just before the
// first TransactWriteItems: it lets a test change the table between a
// change's reads and its transaction.
type interposer struct {
	*dynamodb.Client
	once   sync.Once
	before func()
}

func (c *interposer) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.once.Do(c.before)
	return c.Client.TransactWriteItems(ctx, in, opts...)
}

// racingStore is a store on e's table whose first transaction is preceded by
// before.
func racingStore(e *env, before func()) *store.Store {
	return store.New(&interposer{Client: testenv.Client(), before: before}, e.app.Config.Table, "test-secret")
}

func rootCaller(e *env) *store.Caller {
	return &store.Caller{P: auth.Principal{Type: auth.KindUser, ID: e.adminID, Role: auth.SuperAdmin}, Roles: auth.ManagerRoles(routes.WorkspacesWrite)}
}

// A small workspace goes in one transaction: nothing is left of it, and the
// check (run after the test) finds every count exact.
func TestDeleteSmallWorkspaceLeavesNothing(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace(t, "Small Team Space", e.admin)
	var members []string
	for i := 0; i < 5; i++ {
		id := e.user(uniq(t, "m"), "Member", "viewer")
		members = append(members, id)
		want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+id, e.admin, map[string]any{"role": "member"}), 201)
	}
	want(t, e.call("DELETE", "/v1/workspaces/"+ws, e.admin, nil), 204)
	if left := testenv.CountItems(t, e.app.Config.Table, "WS#"+ws); left != 0 {
		t.Fatalf("%d items of the deleted workspace remain", left)
	}
	for _, id := range append(members, e.adminID) {
		if n := len(items(e.call("GET", "/v1/users/"+id+"/workspaces", e.admin, nil))); n != 0 {
			t.Fatalf("user %s still lists %d workspaces", id, n)
		}
	}
	// Members leave nothing behind that would stop their deletion.
	want(t, e.call("DELETE", "/v1/users/"+members[0], e.admin, nil), 204)
	ev := items(e.call("GET", "/v1/audit-events?action=workspace.deleted", e.admin, nil))
	if len(ev) != 1 || ev[0]["details"].(map[string]any)["memberCount"] != float64(6) {
		t.Fatalf("audit: %v", ev)
	}
	rep := e.cleanup(t)
	if rep.WorkspaceSweeps != 1 {
		t.Fatalf("cleanup: %+v, want the deleted workspace's marker seen once", rep)
	}
	if left := testenv.CountItems(t, e.app.Config.Table, "SWEEP"); left != 0 {
		t.Fatalf("%d SWEEP markers remain after the cleanup", left)
	}
}

// The transaction that deletes a workspace at once re-checks what it read:
// members who joined or left in between are not left behind or counted out
// twice, and a pending invitation created in between loses the workspace at
// the next cleanup.
func TestDeleteWorkspaceAtOnceRaces(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, e *env, ws string, members []string)
	}{
		{"a member joins", func(t *testing.T, e *env, ws string, _ []string) {
			want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+e.user(uniq(t, "late"), "Late", "viewer"), e.admin, map[string]any{"role": "member"}), 201)
		}},
		{"one leaves and another joins", func(t *testing.T, e *env, ws string, members []string) {
			want(t, e.call("DELETE", "/v1/workspaces/"+ws+"/members/"+members[0], e.admin, nil), 204)
			want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+e.user(uniq(t, "late"), "Late", "viewer"), e.admin, map[string]any{"role": "member"}), 201)
		}},
		{"an invitation names it", func(t *testing.T, e *env, ws string, _ []string) {
			want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "inv"), "sendEmail": false,
				"workspaces": []any{map[string]any{"workspaceId": ws, "role": "member"}}}), 201)
		}},
		{"it is renamed", func(t *testing.T, e *env, ws string, _ []string) {
			want(t, e.call("PATCH", "/v1/workspaces/"+ws, e.admin, map[string]any{"name": "Quite Another Name"}), 200)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ws := e.workspace(t, "Racing Space", e.admin)
			var members []string
			for i := 0; i < 3; i++ {
				id := e.user(uniq(t, "m"), "Member", "viewer")
				members = append(members, id)
				want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+id, e.admin, map[string]any{"role": "member"}), 201)
			}
			st := racingStore(e, func() { tc.change(t, e, ws, members) })
			if err := st.DeleteWorkspace(context.Background(), rootCaller(e), nil, ws, 0); err != nil {
				t.Fatalf("delete: %v", err)
			}
			want(t, e.call("GET", "/v1/workspaces/"+ws, e.admin, nil), 404, "not_found")
			if total := e.call("GET", "/v1/workspaces", e.admin, nil).JSON()["total"]; total != float64(0) {
				t.Fatalf("workspaces total %v, want 0", total)
			}
			e.cleanup(t)
			if left := testenv.CountItems(t, e.app.Config.Table, "WS#"+ws); left != 0 {
				t.Fatalf("%d items of the deleted workspace remain after the cleanup", left)
			}
			for _, inv := range items(e.call("GET", "/v1/invitations", e.admin, nil)) {
				if ws := inv["workspaces"].([]any); len(ws) != 0 {
					t.Fatalf("the invitation still names %v", ws)
				}
			}
		})
	}
}

// A caller who is a member of the workspace (its owner here) is re-checked
// by the transaction as any other: demoted meanwhile, they change nothing.
func TestDeleteWorkspaceAtOnceRechecksTheCaller(t *testing.T) {
	e := newEnv(t)
	id, key := e.userWithKey(uniq(t, "editor"), "editor")
	r := e.call("POST", "/v1/workspaces", key, map[string]any{"name": "Editor Space"})
	want(t, r, 201)
	ws := r.str("id")
	want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+e.user(uniq(t, "m"), "M", "viewer"), key, map[string]any{"role": "member"}), 201)
	c := &store.Caller{P: auth.Principal{Type: auth.KindUser, ID: id, Role: auth.Editor}, Roles: auth.ManagerRoles(routes.WorkspacesWrite)}
	st := racingStore(e, func() {
		want(t, e.call("PATCH", "/v1/users/"+id, e.admin, map[string]any{"role": "viewer"}), 200)
	})
	err := st.DeleteWorkspace(context.Background(), c, nil, ws, 0)
	var p *problem.Error
	if !errors.As(err, &p) || p.Status != 403 {
		t.Fatalf("delete by a caller demoted meanwhile: %v, want 403", err)
	}
	if n := e.memberCount(t, ws); n != 2 {
		t.Fatalf("memberCount %v, want 2: nothing changed", n)
	}
}
