package httpapi_test

import "testing"

// TestNoPathGrantsAboveTheCallersCap tries every way of granting a role with a
// caller who may not grant it, and checks nothing was granted.
func TestNoPathGrantsAboveTheCallersCap(t *testing.T) {
	e := newEnv(t)
	_, admin := e.userWithKey(uniq(t, "admin"), "admin")
	vid, viewer := e.userWithKey(uniq(t, "lead"), "viewer")
	target := e.user(uniq(t, "target"), "Target", "viewer")
	ws := e.workspace(t, "Capped", e.admin)
	want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+vid, e.admin, map[string]any{"role": "admin"}), 201)
	superInvite := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "si"), "role": "super_admin", "sendEmail": false})
	want(t, superInvite, 201)
	superID := superInvite.JSON()["invitation"].(map[string]any)["id"].(string)

	cases := []struct {
		name, method, path, token string
		body                      any
	}{
		{"role PATCH to super_admin", "PATCH", "/v1/users/" + target, admin, map[string]any{"role": "super_admin"}},
		{"user create as super_admin", "POST", "/v1/users", admin, map[string]any{"email": uniq(t, "x"), "name": "X", "role": "super_admin"}},
		{"invitation as super_admin", "POST", "/v1/invitations", admin, map[string]any{"email": uniq(t, "y"), "role": "super_admin"}},
		{"resend a super_admin invitation", "POST", "/v1/invitations/" + superID + "/resend", admin, nil},
		{"revoke a super_admin invitation", "DELETE", "/v1/invitations/" + superID, admin, nil},
		{"delegated invite as editor", "POST", "/v1/invitations", viewer, map[string]any{"email": uniq(t, "z"), "role": "editor", "workspaces": []any{map[string]any{"workspaceId": ws, "role": "member"}}}},
		{"delegated invite as workspace owner", "POST", "/v1/invitations", viewer, map[string]any{"email": uniq(t, "z"), "workspaces": []any{map[string]any{"workspaceId": ws, "role": "owner"}}}},
		{"delegated membership as owner", "PUT", "/v1/workspaces/" + ws + "/members/" + target, viewer, map[string]any{"role": "owner"}},
		{"viewer creating users", "POST", "/v1/users", viewer, map[string]any{"email": uniq(t, "v"), "name": "V", "role": "viewer"}},
		{"viewer changing settings", "PATCH", "/v1/settings", viewer, map[string]any{"defaultInviteRole": "admin"}},
		{"viewer minting an admin token", "POST", "/v1/admin-tokens", viewer, map[string]any{"name": "mine"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want(t, e.call(c.method, c.path, c.token, c.body), 403, "forbidden")
		})
	}
	// Batch: the over-cap item alone is refused.
	b := e.call("POST", "/v1/invitations/batch", admin, map[string]any{"invitations": []any{
		map[string]any{"email": uniq(t, "ok"), "sendEmail": false}, map[string]any{"email": uniq(t, "no"), "role": "super_admin", "sendEmail": false}}})
	want(t, b, 200)
	res := b.JSON()["results"].([]any)
	if res[0].(map[string]any)["status"] != float64(201) || res[1].(map[string]any)["status"] != float64(403) {
		t.Fatalf("batch: %s", b.Body)
	}
	// Settings can never make super_admin the default.
	want(t, e.call("PATCH", "/v1/settings", e.admin, map[string]any{"defaultInviteRole": "super_admin"}), 400, "invalid_request")
	// Nothing was granted.
	if n := e.call("GET", "/v1/users?role=super_admin", e.admin, nil).JSON()["total"]; n != float64(1) {
		t.Fatalf("%v super_admins, want 1", n)
	}
	if n := len(items(e.call("GET", "/v1/workspaces/"+ws+"/members?role=owner", e.admin, nil))); n != 1 {
		t.Fatalf("%d owners, want 1", n)
	}
	if inv := e.call("GET", "/v1/invitations/"+superID, e.admin, nil); inv.str("status") != "pending" || inv.JSON()["sendCount"] != float64(0) {
		t.Fatalf("the super_admin invitation changed: %s", inv.Body)
	}
}
