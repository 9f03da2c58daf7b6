package httpapi_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/usherhq/usher/pkg/testenv"
)

func (e *env) workspace(t *testing.T, name string, token string, body ...map[string]any) string {
	t.Helper()
	b := map[string]any{"name": name}
	if len(body) > 0 {
		for k, v := range body[0] {
			b[k] = v
		}
	}
	r := e.call("POST", "/v1/workspaces", token, b)
	want(t, r, 201)
	return r.str("id")
}

func (e *env) memberCount(t *testing.T, ws string) float64 {
	t.Helper()
	r := e.call("GET", "/v1/workspaces/"+ws, e.admin, nil)
	want(t, r, 200)
	return r.JSON()["memberCount"].(float64)
}

func TestWorkspaceLifecycle(t *testing.T) {
	e := newEnv(t)
	r := e.call("POST", "/v1/workspaces", e.admin, map[string]any{"name": "  Platform Team ", "description": "Builds the platform"})
	want(t, r, 201)
	ws := r.str("id")
	if r.str("name") != "Platform Team" || r.JSON()["memberCount"] != float64(1) || r.Header.Get("ETag") == "" {
		t.Fatalf("created: %s", r.Body)
	}
	e.workspace(t, "Data Science", e.admin)
	e.workspace(t, "Platform Ops", e.admin)
	list := e.call("GET", "/v1/workspaces", e.admin, nil)
	if list.JSON()["total"] != float64(3) || len(items(list)) != 3 {
		t.Fatalf("list: %s", list.Body)
	}
	for q, n := range map[string]int{"plat": 2, "platform+te": 1, "sci": 1, "ops+plat": 1, "zzz": 0, "eam": 0} {
		got := e.call("GET", "/v1/workspaces?q="+q, e.admin, nil)
		if len(items(got)) != n || got.JSON()["total"] != nil {
			t.Errorf("q=%s: %d workspaces (total %v), want %d", q, len(items(got)), got.JSON()["total"], n)
		}
	}
	// The creator is the owner; their memberships and profile show it.
	me := e.call("GET", "/v1/me", e.admin, nil)
	if n := len(me.JSON()["workspaces"].([]any)); n != 3 {
		t.Fatalf("/v1/me workspaces: %d, want 3", n)
	}
	mine := e.call("GET", "/v1/users/"+e.adminID+"/workspaces", e.admin, nil)
	if len(items(mine)) != 3 || items(mine)[0]["role"] != "owner" {
		t.Fatalf("user workspaces: %s", mine.Body)
	}
	if n := len(items(e.call("GET", "/v1/workspaces?userId="+e.adminID, e.admin, nil))); n != 3 {
		t.Fatalf("?userId: %d", n)
	}

	etag := e.call("GET", "/v1/workspaces/"+ws, e.admin, nil).Header.Get("ETag")
	up := e.call("PATCH", "/v1/workspaces/"+ws, e.admin, map[string]any{"name": "Core Platform"}, "If-Match", etag)
	want(t, up, 200)
	want(t, e.call("PATCH", "/v1/workspaces/"+ws, e.admin, map[string]any{"description": "x"}, "If-Match", etag), 412, "precondition_failed")
	if n := len(items(e.call("GET", "/v1/workspaces?q=core", e.admin, nil))); n != 1 {
		t.Fatalf("renamed workspace not found by its new name")
	}
	if n := len(items(e.call("GET", "/v1/workspaces?q=team", e.admin, nil))); n != 0 {
		t.Fatalf("renamed workspace still found by its old name")
	}
	want(t, e.call("PATCH", "/v1/workspaces/"+ws, e.admin, map[string]any{"owner": "x"}), 400, "invalid_request")
	want(t, e.call("POST", "/v1/workspaces", e.admin, map[string]any{"name": ""}), 400, "invalid_request")
	want(t, e.call("POST", "/v1/workspaces", e.admin, map[string]any{"name": "X", "ownerId": "nobody"}), 400, "invalid_request")

	want(t, e.call("DELETE", "/v1/workspaces/"+ws, e.admin, nil), 204)
	want(t, e.call("GET", "/v1/workspaces/"+ws, e.admin, nil), 404, "not_found")
	want(t, e.call("GET", "/v1/workspaces/"+ws+"/members", e.admin, nil), 404, "not_found")
	if n := len(items(e.call("GET", "/v1/users/"+e.adminID+"/workspaces", e.admin, nil))); n != 2 {
		t.Fatalf("after delete the user has %d workspaces, want 2", n)
	}
	if total := e.call("GET", "/v1/workspaces", e.admin, nil).JSON()["total"]; total != float64(2) {
		t.Fatalf("total after delete: %v", total)
	}
}

func TestMembersAndLastOwner(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace(t, "Team", e.admin)
	a := e.user(uniq(t, "a"), "Ann", "viewer")
	b := e.user(uniq(t, "b"), "Bob", "viewer")
	want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+a, e.admin, map[string]any{"role": "member"}), 201)
	ch := e.call("PUT", "/v1/workspaces/"+ws+"/members/"+a, e.admin, map[string]any{"role": "admin"})
	want(t, ch, 200)
	if ch.str("role") != "admin" || ch.JSON()["user"].(map[string]any)["id"] != a {
		t.Fatalf("changed: %s", ch.Body)
	}
	want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+b, e.admin, map[string]any{"role": "guest"}), 201)
	want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+b, e.admin, map[string]any{"role": "king"}), 400, "invalid_request")
	want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/nobody", e.admin, map[string]any{"role": "member"}), 404, "not_found")
	if n := e.memberCount(t, ws); n != 3 {
		t.Fatalf("memberCount %v, want 3", n)
	}
	admins := e.call("GET", "/v1/workspaces/"+ws+"/members?role=admin", e.admin, nil)
	if len(items(admins)) != 1 || items(admins)[0]["user"].(map[string]any)["name"] != "Ann" {
		t.Fatalf("role=admin: %s", admins.Body)
	}
	if n := len(items(e.call("GET", "/v1/users?workspaceId="+ws, e.admin, nil))); n != 3 {
		t.Fatalf("users?workspaceId: %d, want 3", n)
	}

	// The root admin is the only owner: self-changes are refused, and so is
	// removing or demoting the last owner — also by deleting the user.
	want(t, e.call("DELETE", "/v1/workspaces/"+ws+"/members/"+e.adminID, e.admin, nil), 409, "self_modification")
	_, other := e.userWithKey(uniq(t, "ops"), "admin")
	want(t, e.call("DELETE", "/v1/workspaces/"+ws+"/members/"+e.adminID, other, nil), 409, "last_owner")
	want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+e.adminID, other, map[string]any{"role": "member"}), 409, "last_owner")
	rootOwner := e.call("GET", "/v1/workspaces/"+ws+"/members?role=owner", e.admin, nil)
	if len(items(rootOwner)) != 1 {
		t.Fatalf("owners: %s", rootOwner.Body)
	}
	sole := e.user(uniq(t, "sole"), "Sole", "viewer")
	ws2 := e.workspace(t, "Solo", e.admin, map[string]any{"ownerId": sole})
	want(t, e.call("DELETE", "/v1/users/"+sole, e.admin, nil), 409, "last_owner")
	if e.memberCount(t, ws2) != 1 {
		t.Fatal("a refused user deletion changed the workspace")
	}

	// Two owners demoted at once: exactly one demotion wins.
	want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+a, e.admin, map[string]any{"role": "owner"}), 200)
	var wg sync.WaitGroup
	var ra, rb resp
	wg.Add(2)
	go func() {
		defer wg.Done()
		ra = e.call("PUT", "/v1/workspaces/"+ws+"/members/"+a, other, map[string]any{"role": "member"})
	}()
	go func() {
		defer wg.Done()
		rb = e.call("PUT", "/v1/workspaces/"+ws+"/members/"+e.adminID, other, map[string]any{"role": "member"})
	}()
	wg.Wait()
	if (ra.Status == 200) == (rb.Status == 200) || (ra.Status != 200 && ra.code() != "last_owner") || (rb.Status != 200 && rb.code() != "last_owner") {
		t.Fatalf("concurrent demotions: %d %s / %d %s", ra.Status, ra.Body, rb.Status, rb.Body)
	}
	if n := len(items(e.call("GET", "/v1/workspaces/"+ws+"/members?role=owner", e.admin, nil))); n != 1 {
		t.Fatalf("%d owners left, want 1", n)
	}

	// Deleting a member takes their memberships along.
	want(t, e.call("DELETE", "/v1/users/"+b, e.admin, nil), 204)
	if n := e.memberCount(t, ws); n != 2 {
		t.Fatalf("memberCount after deleting a member: %v, want 2", n)
	}
	want(t, e.call("DELETE", "/v1/workspaces/"+ws+"/members/"+b, e.admin, nil), 404, "not_found")
}

func TestDeleteWorkspaceWithManyMembers(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace(t, "Crowd", e.admin)
	keep := e.workspace(t, "Kept", e.admin)
	var ids []string
	for i := 0; i < 120; i++ {
		ids = append(ids, e.user(fmt.Sprintf("crowd%d@example.com", i), "Crowd", "viewer"))
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+id, e.admin, map[string]any{"role": "member"}), 201)
		}()
	}
	wg.Wait()
	want(t, e.call("PUT", "/v1/workspaces/"+keep+"/members/"+ids[0], e.admin, map[string]any{"role": "member"}), 201)
	if n := e.memberCount(t, ws); n != 121 {
		t.Fatalf("memberCount %v, want 121", n)
	}
	// Every page of the member list, and the exact count.
	seen := 0
	for cur := ""; ; {
		p := e.call("GET", "/v1/workspaces/"+ws+"/members?limit=50&cursor="+cur, e.admin, nil)
		want(t, p, 200)
		seen += len(items(p))
		next, _ := p.JSON()["nextCursor"].(string)
		if next == "" {
			break
		}
		cur = next
	}
	if seen != 121 {
		t.Fatalf("member pages list %d, want 121", seen)
	}
	want(t, e.call("DELETE", "/v1/workspaces/"+ws, e.admin, nil), 204)
	for _, id := range []string{ids[0], ids[60], ids[119]} {
		got := items(e.call("GET", "/v1/users/"+id+"/workspaces", e.admin, nil))
		if (id == ids[0] && len(got) != 1) || (id != ids[0] && len(got) != 0) {
			t.Fatalf("user %s still lists %v", id, got)
		}
	}
	// No orphans: the members' partitions are empty and the users delete cleanly.
	for _, id := range ids[1:4] {
		want(t, e.call("DELETE", "/v1/users/"+id, e.admin, nil), 204)
	}
	want(t, e.call("DELETE", "/v1/users/"+ids[0], e.admin, nil), 204)
	if n := e.memberCount(t, keep); n != 1 {
		t.Fatalf("kept workspace memberCount %v, want 1", n)
	}
	if left := testenv.CountItems(t, e.app.Config.Table, "WS#"+ws); left != 0 {
		t.Fatalf("%d items of the deleted workspace remain", left)
	}
}
