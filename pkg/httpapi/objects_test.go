package httpapi_test

import (
	"testing"
)

// objectCase is one request naming an object through the wrong route, owner
// or kind: it must answer as if the object did not exist (or, for a caller
// who may not act on the owner at all, 403) and change nothing.
type objectCase struct {
	name, method, path, token string
	body                      any
	status                    int
	code                      string
}

// TestObjectLevelChecks gives every route with an {id}, {keyId} or {userId}
// the id of another object: another user's key, a deleted token, an
// invitation, a workspace, a user of another workspace.
func TestObjectLevelChecks(t *testing.T) {
	e := newEnv(t)
	a, aKey := e.userWithKey(uniq(t, "alice"), "viewer")
	b, bKey := e.userWithKey(uniq(t, "bob"), "viewer")
	aKeyID := items(e.call("GET", "/v1/users/"+a+"/api-keys", e.admin, nil))[0]["id"].(string)
	rootKeyID := items(e.call("GET", "/v1/users/"+e.adminID+"/api-keys", e.admin, nil))[0]["id"].(string)
	_, admKey := e.userWithKey(uniq(t, "adm"), "admin")

	live := e.call("POST", "/v1/admin-tokens", e.admin, map[string]any{"name": "live"})
	want(t, live, 201)
	liveID, liveSecret := live.JSON()["adminToken"].(map[string]any)["id"].(string), live.str("secret")
	gone := e.call("POST", "/v1/admin-tokens", e.admin, map[string]any{"name": "gone"})
	want(t, gone, 201)
	goneID := gone.JSON()["adminToken"].(map[string]any)["id"].(string)
	e.secrets = append(e.secrets, liveSecret, gone.str("secret"))
	want(t, e.call("DELETE", "/v1/admin-tokens/"+goneID, e.admin, nil), 204)

	inv := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "inv"), "name": "Invitee", "sendEmail": false})
	want(t, inv, 201)
	invID := inv.JSON()["invitation"].(map[string]any)["id"].(string)
	e.secrets = append(e.secrets, linkToken(t, inv.str("inviteUrl")))

	// A deleted user with a key, and a deleted workspace.
	c, _ := e.userWithKey(uniq(t, "carol"), "viewer")
	cKeyID := items(e.call("GET", "/v1/users/"+c+"/api-keys", e.admin, nil))[0]["id"].(string)
	want(t, e.call("DELETE", "/v1/users/"+c, e.admin, nil), 204)
	wsGone := e.workspace(t, "Gone", e.admin)
	want(t, e.call("DELETE", "/v1/workspaces/"+wsGone, e.admin, nil), 204)

	// Delegated administration: d administers w1 only; x is in w2 only, y in w1.
	w1 := e.workspace(t, "One", e.admin)
	w2 := e.workspace(t, "Two", e.admin)
	d, dKey := e.userWithKey(uniq(t, "delegate"), "viewer") // admin of w1 only
	x := e.user(uniq(t, "x"), "X", "viewer")
	y := e.user(uniq(t, "y"), "Y", "viewer")
	want(t, e.call("PUT", "/v1/workspaces/"+w1+"/members/"+d, e.admin, map[string]any{"role": "admin"}), 201)
	want(t, e.call("PUT", "/v1/workspaces/"+w2+"/members/"+x, e.admin, map[string]any{"role": "guest"}), 201)
	want(t, e.call("PUT", "/v1/workspaces/"+w1+"/members/"+y, e.admin, map[string]any{"role": "guest"}), 201)

	root := e.admin
	role := map[string]any{"role": "member"}
	cases := []objectCase{
		// Another user's API key.
		{"a's key rotated through b", "POST", "/v1/users/" + b + "/api-keys/" + aKeyID + "/rotate", root, nil, 404, "not_found"},
		{"a's key deleted through b", "DELETE", "/v1/users/" + b + "/api-keys/" + aKeyID, root, nil, 404, "not_found"},
		{"a's key rotated by b as own", "POST", "/v1/me/api-keys/" + aKeyID + "/rotate", bKey, nil, 404, "not_found"},
		{"a's key deleted by b as own", "DELETE", "/v1/me/api-keys/" + aKeyID, bKey, nil, 404, "not_found"},
		{"root's key rotated by a as own", "POST", "/v1/me/api-keys/" + rootKeyID + "/rotate", aKey, nil, 404, "not_found"},
		{"a deleted user's key rotated", "POST", "/v1/users/" + c + "/api-keys/" + cKeyID + "/rotate", root, nil, 404, "not_found"},
		{"a deleted user's key rotated through a", "POST", "/v1/users/" + a + "/api-keys/" + cKeyID + "/rotate", root, nil, 404, "not_found"},
		{"a super_admin's key rotated by an admin", "POST", "/v1/users/" + e.adminID + "/api-keys/" + rootKeyID + "/rotate", admKey, nil, 403, "forbidden"},
		{"a super_admin's key deleted by an admin", "DELETE", "/v1/users/" + e.adminID + "/api-keys/" + rootKeyID, admKey, nil, 403, "forbidden"},
		{"a super_admin's keys listed by an admin", "GET", "/v1/users/" + e.adminID + "/api-keys", admKey, nil, 403, "forbidden"},

		// Admin tokens and API keys are different things.
		{"a deleted admin token", "DELETE", "/v1/admin-tokens/" + goneID, root, nil, 404, "not_found"},
		{"a deleted admin token, by another token", "DELETE", "/v1/admin-tokens/" + goneID, liveSecret, nil, 404, "not_found"},
		{"an API key id as an admin token", "DELETE", "/v1/admin-tokens/" + aKeyID, root, nil, 404, "not_found"},
		{"a user id as an admin token", "DELETE", "/v1/admin-tokens/" + a, root, nil, 404, "not_found"},
		{"an admin token id as a's key", "DELETE", "/v1/users/" + a + "/api-keys/" + liveID, root, nil, 404, "not_found"},
		{"an admin token id as an own key", "POST", "/v1/me/api-keys/" + liveID + "/rotate", aKey, nil, 404, "not_found"},

		// An invitation is not a user, and a user is not an invitation.
		{"invitation as user: get", "GET", "/v1/users/" + invID, root, nil, 404, "not_found"},
		{"invitation as user: patch", "PATCH", "/v1/users/" + invID, root, map[string]any{"name": "Taken Over"}, 404, "not_found"},
		{"invitation as user: delete", "DELETE", "/v1/users/" + invID, root, nil, 404, "not_found"},
		{"invitation as user: deactivate", "POST", "/v1/users/" + invID + "/deactivate", root, nil, 404, "not_found"},
		{"invitation as user: set password", "PUT", "/v1/users/" + invID + "/password", root, map[string]any{"password": "a long enough secret"}, 404, "not_found"},
		{"invitation as user: reset link", "POST", "/v1/users/" + invID + "/password-reset", root, nil, 404, "not_found"},
		{"invitation as user: api keys", "POST", "/v1/users/" + invID + "/api-keys", root, map[string]any{"name": "backdoor"}, 404, "not_found"},
		{"invitation as user: workspaces", "GET", "/v1/users/" + invID + "/workspaces", root, nil, 404, "not_found"},
		{"invitation as member", "PUT", "/v1/workspaces/" + w1 + "/members/" + invID, root, role, 404, "not_found"},
		{"user as invitation: get", "GET", "/v1/invitations/" + a, root, nil, 404, "not_found"},
		{"user as invitation: revoke", "DELETE", "/v1/invitations/" + a, root, nil, 404, "not_found"},
		{"user as invitation: resend", "POST", "/v1/invitations/" + a + "/resend", root, nil, 404, "not_found"},

		// A workspace is not a user, and a user is not a workspace.
		{"workspace as user: get", "GET", "/v1/users/" + w1, root, nil, 404, "not_found"},
		{"workspace as user: delete", "DELETE", "/v1/users/" + w1, root, nil, 404, "not_found"},
		{"workspace as user: workspaces", "GET", "/v1/users/" + w1 + "/workspaces", root, nil, 404, "not_found"},
		{"workspace as user: keys", "GET", "/v1/users/" + w1 + "/api-keys", root, nil, 404, "not_found"},
		{"workspace as member", "PUT", "/v1/workspaces/" + w1 + "/members/" + w2, root, role, 404, "not_found"},
		{"workspace as member: remove", "DELETE", "/v1/workspaces/" + w1 + "/members/" + w1, root, nil, 404, "not_found"},
		{"user as workspace: get", "GET", "/v1/workspaces/" + a, root, nil, 404, "not_found"},
		{"user as workspace: patch", "PATCH", "/v1/workspaces/" + a, root, map[string]any{"name": "Mine Now"}, 404, "not_found"},
		{"user as workspace: delete", "DELETE", "/v1/workspaces/" + a, root, nil, 404, "not_found"},
		{"user as workspace: members", "GET", "/v1/workspaces/" + a + "/members", root, nil, 404, "not_found"},
		{"user as workspace: add member", "PUT", "/v1/workspaces/" + a + "/members/" + b, root, role, 404, "not_found"},
		{"user as workspace: remove member", "DELETE", "/v1/workspaces/" + e.adminID + "/members/" + e.adminID, admKey, nil, 404, "not_found"},
		{"key as user", "GET", "/v1/users/" + aKeyID, root, nil, 404, "not_found"},
		{"key as workspace", "GET", "/v1/workspaces/" + aKeyID, root, nil, 404, "not_found"},

		// Deleted objects stay gone.
		{"a deleted user: get", "GET", "/v1/users/" + c, root, nil, 404, "not_found"},
		{"a deleted user: reactivate", "POST", "/v1/users/" + c + "/reactivate", root, nil, 404, "not_found"},
		{"a deleted user as member", "PUT", "/v1/workspaces/" + w1 + "/members/" + c, root, role, 404, "not_found"},
		{"a deleted workspace: add member", "PUT", "/v1/workspaces/" + wsGone + "/members/" + a, root, role, 404, "not_found"},
		{"a deleted workspace: patch", "PATCH", "/v1/workspaces/" + wsGone, root, map[string]any{"name": "Back"}, 404, "not_found"},

		// A delegate of w1 acting on w2's members.
		{"delegate adds to w2", "PUT", "/v1/workspaces/" + w2 + "/members/" + y, dKey, role, 404, "not_found"},
		{"delegate changes a w2 member", "PUT", "/v1/workspaces/" + w2 + "/members/" + x, dKey, map[string]any{"role": "admin"}, 404, "not_found"},
		{"delegate removes a w2 member", "DELETE", "/v1/workspaces/" + w2 + "/members/" + x, dKey, nil, 404, "not_found"},
		{"delegate removes w2's owner", "DELETE", "/v1/workspaces/" + w2 + "/members/" + e.adminID, dKey, nil, 404, "not_found"},
		{"delegate removes a w2 member through w1", "DELETE", "/v1/workspaces/" + w1 + "/members/" + x, dKey, nil, 404, "not_found"},
		{"delegate invites into w2", "POST", "/v1/invitations", dKey, map[string]any{"email": uniq(t, "sneak"), "sendEmail": false,
			"workspaces": []any{map[string]any{"workspaceId": w2, "role": "guest"}}}, 404, "not_found"},
		{"delegate invites into w1 and w2", "POST", "/v1/invitations", dKey, map[string]any{"email": uniq(t, "sneak"), "sendEmail": false,
			"workspaces": []any{map[string]any{"workspaceId": w1, "role": "guest"}, map[string]any{"workspaceId": w2, "role": "guest"}}}, 404, "not_found"},
		{"delegate renames w2", "PATCH", "/v1/workspaces/" + w2, dKey, map[string]any{"name": "Taken"}, 403, "forbidden"},
	}
	watched := []string{"/v1/users/" + a, "/v1/users/" + b, "/v1/users/" + e.adminID, "/v1/users/" + a + "/api-keys", "/v1/users/" + b + "/api-keys",
		"/v1/users/" + e.adminID + "/api-keys", "/v1/admin-tokens", "/v1/invitations/" + invID, "/v1/workspaces/" + w1, "/v1/workspaces/" + w2,
		"/v1/workspaces/" + w1 + "/members", "/v1/workspaces/" + w2 + "/members", "/v1/users/" + x + "/workspaces", "/v1/users/" + y + "/workspaces",
		"/v1/users/" + a + "/workspaces", "/v1/invitations", "/v1/users", "/v1/workspaces"}
	before := e.snapshot(t, watched...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want(t, e.call(c.method, c.path, c.token, c.body), c.status, c.code)
			after := e.snapshot(t, watched...)
			unchanged(t, before, after)
			before = after
		})
	}
	// Every secret still works, as the owner's.
	for owner, secret := range map[string]string{a: aKey, b: bKey, e.adminID: e.admin} {
		me := e.call("GET", "/v1/me", secret, nil)
		want(t, me, 200)
		if me.str("id") != owner {
			t.Errorf("a key of %s now belongs to %s", owner, me.str("id"))
		}
	}
	want(t, e.call("GET", "/v1/users", liveSecret, nil), 200)
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": linkToken(t, inv.str("inviteUrl"))}), 200)
}
