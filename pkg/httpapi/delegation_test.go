package httpapi_test

import (
	"strings"
	"testing"

	"github.com/usherhq/usher/pkg/testenv"
)

// TestDelegatedAdministration: an admin of one workspace with the instance
// role viewer manages that workspace's members and invites people into it,
// never above their own role, and sees nothing of other workspaces.
func TestDelegatedAdministration(t *testing.T) {
	e := newEnv(t)
	vid, vkey := e.userWithKey(uniq(t, "lead"), "viewer")
	mine := e.workspace(t, "Mine", e.admin)
	theirs := e.workspace(t, "Theirs", e.admin)
	want(t, e.call("PUT", "/v1/workspaces/"+mine+"/members/"+vid, e.admin, map[string]any{"role": "admin"}), 201)
	x := e.user(uniq(t, "x"), "X", "viewer")

	want(t, e.call("PUT", "/v1/workspaces/"+mine+"/members/"+x, vkey, map[string]any{"role": "member"}), 201)
	want(t, e.call("PUT", "/v1/workspaces/"+mine+"/members/"+x, vkey, map[string]any{"role": "admin"}), 200)
	want(t, e.call("PUT", "/v1/workspaces/"+mine+"/members/"+x, vkey, map[string]any{"role": "owner"}), 403, "forbidden")
	want(t, e.call("PUT", "/v1/workspaces/"+mine+"/members/"+e.adminID, vkey, map[string]any{"role": "member"}), 403, "forbidden") // an owner is above an admin
	want(t, e.call("DELETE", "/v1/workspaces/"+mine+"/members/"+e.adminID, vkey, nil), 403, "forbidden")
	want(t, e.call("PUT", "/v1/workspaces/"+theirs+"/members/"+x, vkey, map[string]any{"role": "member"}), 404, "not_found")
	want(t, e.call("DELETE", "/v1/workspaces/"+theirs+"/members/"+e.adminID, vkey, nil), 404, "not_found")
	want(t, e.call("PATCH", "/v1/workspaces/"+mine, vkey, map[string]any{"name": "Renamed"}), 403, "forbidden")
	want(t, e.call("DELETE", "/v1/workspaces/"+mine, vkey, nil), 403, "forbidden")
	want(t, e.call("DELETE", "/v1/workspaces/"+mine+"/members/"+x, vkey, nil), 204)

	// Delegated invitations: only into their workspaces, as viewer, up to admin.
	email := uniq(t, "newbie")
	want(t, e.call("POST", "/v1/invitations", vkey, map[string]any{"email": uniq(t, "nows")}), 403, "forbidden")
	want(t, e.call("POST", "/v1/invitations", vkey, map[string]any{"email": email, "role": "editor", "workspaces": []any{map[string]any{"workspaceId": mine, "role": "member"}}}), 403, "forbidden")
	want(t, e.call("POST", "/v1/invitations", vkey, map[string]any{"email": email, "workspaces": []any{map[string]any{"workspaceId": mine, "role": "owner"}}}), 403, "forbidden")
	want(t, e.call("POST", "/v1/invitations", vkey, map[string]any{"email": email, "workspaces": []any{map[string]any{"workspaceId": theirs, "role": "member"}}}), 404, "not_found")
	r := e.call("POST", "/v1/invitations", vkey, map[string]any{"email": email, "name": "New Bie", "workspaces": []any{map[string]any{"workspaceId": mine, "role": "member"}}})
	want(t, r, 201)
	if r.JSON()["invitation"].(map[string]any)["role"] != "viewer" {
		t.Fatalf("delegated invitation role: %s", r.Body)
	}
	mail := testenv.MailsTo(t, email, 1)
	if len(mail) != 1 || !strings.Contains(mail[0].Text, "Mine") {
		t.Fatalf("the invitation mail does not name the workspace")
	}
	tok := linkToken(t, r.str("inviteUrl"))
	pv := e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": tok})
	if ws := pv.JSON()["workspaces"].([]any); len(ws) != 1 || ws[0].(map[string]any)["name"] != "Mine" {
		t.Fatalf("preview: %s", pv.Body)
	}
	acc := e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "a long enough secret"})
	want(t, acc, 201)
	e.secrets = append(e.secrets, acc.JSON()["session"].(map[string]any)["token"].(string))
	newID := acc.JSON()["user"].(map[string]any)["id"].(string)
	members := e.call("GET", "/v1/workspaces/"+mine+"/members?role=member", e.admin, nil)
	if len(items(members)) != 1 || items(members)[0]["user"].(map[string]any)["id"] != newID {
		t.Fatalf("the accepted invitation did not grant the membership: %s", members.Body)
	}

	// A delegate who loses the workspace role loses what their pending invitations grant.
	email2 := uniq(t, "late")
	r2 := e.call("POST", "/v1/invitations", vkey, map[string]any{"email": email2, "name": "Late", "sendEmail": false, "workspaces": []any{map[string]any{"workspaceId": mine, "role": "admin"}}})
	want(t, r2, 201)
	want(t, e.call("PUT", "/v1/workspaces/"+mine+"/members/"+vid, e.admin, map[string]any{"role": "member"}), 200)
	want(t, e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": linkToken(t, r2.str("inviteUrl")), "password": "a long enough secret"}), 409, "grant_withdrawn")
	want(t, e.call("PUT", "/v1/workspaces/"+mine+"/members/"+x, vkey, map[string]any{"role": "member"}), 403, "forbidden")
}

func TestInvitationGrantsAndWorkspaceDeletion(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace(t, "Granted", e.admin)
	gone := e.workspace(t, "Gone", e.admin)
	r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "g"), "name": "G", "sendEmail": false, "workspaces": []any{
		map[string]any{"workspaceId": ws, "role": "owner"}, map[string]any{"workspaceId": gone, "role": "guest"}}})
	want(t, r, 201)
	id := r.JSON()["invitation"].(map[string]any)["id"].(string)
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "h"), "workspaces": []any{map[string]any{"workspaceId": "nope", "role": "member"}}}), 400, "invalid_request")
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "h"), "workspaces": []any{
		map[string]any{"workspaceId": ws, "role": "member"}, map[string]any{"workspaceId": ws, "role": "guest"}}}), 400, "invalid_request")

	want(t, e.call("DELETE", "/v1/workspaces/"+gone, e.admin, nil), 204)
	inv := e.call("GET", "/v1/invitations/"+id, e.admin, nil)
	if g := inv.JSON()["workspaces"].([]any); len(g) != 1 || g[0].(map[string]any)["workspaceId"] != ws {
		t.Fatalf("deleting a workspace left its grant on the invitation: %s", inv.Body)
	}
	acc := e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": linkToken(t, r.str("inviteUrl")), "password": "a long enough secret"})
	want(t, acc, 201)
	e.secrets = append(e.secrets, acc.JSON()["session"].(map[string]any)["token"].(string))
	if n := e.memberCount(t, ws); n != 2 {
		t.Fatalf("memberCount %v, want 2", n)
	}
	owners := items(e.call("GET", "/v1/workspaces/"+ws+"/members?role=owner", e.admin, nil))
	if len(owners) != 2 {
		t.Fatalf("the owner grant did not apply: %v", owners)
	}
}

func TestIdempotencyKeys(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"name": "Once"}
	a := e.call("POST", "/v1/workspaces", e.admin, body, "Idempotency-Key", "create-once-1")
	want(t, a, 201)
	b := e.call("POST", "/v1/workspaces", e.admin, body, "Idempotency-Key", "create-once-1")
	want(t, b, 201)
	if a.str("id") != b.str("id") || a.Header.Get("ETag") != b.Header.Get("ETag") || b.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs: %s / %s", a.Body, b.Body)
	}
	if total := e.call("GET", "/v1/workspaces", e.admin, nil).JSON()["total"]; total != float64(1) {
		t.Fatalf("total %v after a replay, want 1", total)
	}
	want(t, e.call("POST", "/v1/workspaces", e.admin, map[string]any{"name": "Other"}, "Idempotency-Key", "create-once-1"), 422, "idempotency_key_reused")
	want(t, e.call("POST", "/v1/workspaces", e.admin, body, "Idempotency-Key", strings.Repeat("k", 256)), 400, "invalid_request")
	// Keys belong to their caller.
	_, other := e.userWithKey(uniq(t, "other"), "admin")
	c := e.call("POST", "/v1/workspaces", other, body, "Idempotency-Key", "create-once-1")
	want(t, c, 201)
	if c.str("id") == a.str("id") {
		t.Fatal("another caller's key replayed my response")
	}

	email := uniq(t, "idem")
	inv := map[string]any{"email": email, "name": "Idem"}
	i1 := e.call("POST", "/v1/invitations", e.admin, inv, "Idempotency-Key", "invite-1")
	want(t, i1, 201)
	i2 := e.call("POST", "/v1/invitations", e.admin, inv, "Idempotency-Key", "invite-1")
	want(t, i2, 201)
	if i1.str("inviteUrl") != i2.str("inviteUrl") || i2.JSON()["emailSent"] != true {
		t.Fatalf("invitation replay: %s / %s", i1.Body, i2.Body)
	}
	if n := len(testenv.MailsTo(t, email, 2)); n != 1 {
		t.Fatalf("%d mails sent for one idempotent invitation, want 1", n)
	}
	e.secrets = append(e.secrets, linkToken(t, i1.str("inviteUrl")))
}
