package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// snapshot reads what a refused request must leave as it was: every counter
// (the insights, without the request counts), the newest audit event (every
// change writes one in its own transaction) and the given resources, without
// the lastUsedAt stamps that merely presenting a token moves.
func (e *env) snapshot(t *testing.T, paths ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	in := e.call("GET", "/v1/insights", e.admin, nil).JSON()
	delete(in, "requests")
	out["insights"] = canon(in)
	ev := e.call("GET", "/v1/audit-events?limit=1", e.admin, nil).JSON()
	out["newest audit event"] = canon(ev["items"])
	for _, p := range paths {
		r := e.call("GET", p, e.admin, nil)
		out[p] = fmt.Sprint(r.Status, " ", canon(r.JSON()))
	}
	return out
}

// canon is v as JSON without lastUsedAt anywhere in it.
func canon(v any) string {
	var scrub func(any) any
	scrub = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "lastUsedAt")
			for k, y := range x {
				x[k] = scrub(y)
			}
		case []any:
			for i, y := range x {
				x[i] = scrub(y)
			}
		}
		return v
	}
	b, _ := json.Marshal(scrub(v))
	return string(b)
}

func unchanged(t *testing.T, before, after map[string]string) {
	t.Helper()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed:\n  before: %.600s\n  after:  %.600s", k, v, after[k])
		}
	}
}

// wantField fails unless the problem's errors name the field (or a nested
// field ending in it).
func wantField(t *testing.T, r resp, field string) {
	t.Helper()
	errs, _ := r.JSON()["errors"].([]any)
	for _, fe := range errs {
		f, _ := fe.(map[string]any)["field"].(string)
		if f == field || strings.HasSuffix(f, "."+field) {
			return
		}
	}
	t.Fatalf("errors %v do not name %q; body: %s", errs, field, r.Body)
}

// none as a case's token sends no Authorization header; "" is the root admin.
const none = "-"

// abuse is one hostile or malformed request and what it must get.
type abuse struct {
	name         string
	method, path string
	token        string // bearer: "" is the root admin, none is no header
	body         any
	headers      []string
	status       int
	code         string // the problem's code; with gw, the gateway's message
	field        string // a field the problem's errors must name
	gw           bool   // the answer is API Gateway's own plain JSON
}

const abusePassword = "correct horse battery"

// abuseFixture is an instance with something to attack: a viewer with a
// password and an API key, a workspace it is a guest of, and a pending
// invitation.
type abuseFixture struct {
	*env
	target, targetEmail, targetKey, targetKeyID string
	ws, inv, invToken                           string
	watched                                     []string
}

func newAbuseFixture(t *testing.T) *abuseFixture {
	e := newEnv(t)
	f := &abuseFixture{env: e}
	f.target, f.targetEmail = e.member(t, "viewer", abusePassword)
	f.targetKey = e.key(f.target)
	f.targetKeyID = items(e.call("GET", "/v1/users/"+f.target+"/api-keys", e.admin, nil))[0]["id"].(string)
	f.ws = e.workspace(t, "Abuse One", e.admin)
	want(t, e.call("PUT", "/v1/workspaces/"+f.ws+"/members/"+f.target, e.admin, map[string]any{"role": "guest"}), 201)
	inv := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "invitee"), "name": "Invitee", "sendEmail": false})
	want(t, inv, 201)
	f.inv, f.invToken = inv.JSON()["invitation"].(map[string]any)["id"].(string), linkToken(t, inv.str("inviteUrl"))
	e.secrets = append(e.secrets, f.invToken)
	f.watched = []string{"/v1/users/" + f.target, "/v1/users/" + e.adminID, "/v1/users/" + f.target + "/api-keys", "/v1/workspaces/" + f.ws,
		"/v1/workspaces/" + f.ws + "/members", "/v1/invitations/" + f.inv, "/v1/settings", "/v1/admin-tokens"}
	return f
}

// run sends each case, checks its answer and that nothing changed.
func (f *abuseFixture) run(t *testing.T, cases []abuse) {
	t.Helper()
	before := f.snapshot(t, f.watched...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				after := f.snapshot(t, f.watched...)
				unchanged(t, before, after)
				before = after
			}()
			tok := c.token
			switch tok {
			case "":
				tok = f.admin
			case none:
				tok = ""
			}
			r := f.call(c.method, c.path, tok, c.body, c.headers...)
			if c.gw {
				gateway(t, r, c.status, c.code)
				return
			}
			want(t, r, c.status, c.code)
			if c.field != "" {
				wantField(t, r, c.field)
			}
		})
	}
}

// nested is v inside depth levels of arrays.
func nested(depth int, v string) string {
	return strings.Repeat("[", depth) + v + strings.Repeat("]", depth)
}

// padded is a JSON object of exactly n bytes: the fields plus a filler field.
func padded(n int, fields string) string {
	head := `{` + fields + `,"pad":"`
	return head + strings.Repeat("x", n-len(head)-2) + `"}`
}

// TestAbuseMassAssignment: every write route refuses a field it does not
// take, naming it, and changes nothing (API.md §1: never ignored).
func TestAbuseMassAssignment(t *testing.T) {
	f := newAbuseFixture(t)
	u, ws, key := "/v1/users/"+f.target, "/v1/workspaces/"+f.ws, f.targetKey
	newEmail := func() string { return uniq(t, "mass") }
	session := f.login(t, f.targetEmail, abusePassword).str("token")
	stamp := "2000-01-01T00:00:00.000Z"
	f.run(t, []abuse{
		{name: "me: role", method: "PATCH", path: "/v1/me", token: key, body: map[string]any{"name": "Me", "role": "super_admin"}, status: 400, code: "invalid_request", field: "role"},
		{name: "me: email", method: "PATCH", path: "/v1/me", token: key, body: map[string]any{"name": "Me", "email": "root@example.com"}, status: 400, code: "invalid_request", field: "email"},
		{name: "me: status", method: "PATCH", path: "/v1/me", token: key, body: map[string]any{"name": "Me", "status": "active"}, status: 400, code: "invalid_request", field: "status"},
		{name: "me: id", method: "PATCH", path: "/v1/me", token: key, body: map[string]any{"name": "Me", "id": f.adminID}, status: 400, code: "invalid_request", field: "id"},
		{name: "user patch: status", method: "PATCH", path: u, body: map[string]any{"status": "deactivated"}, status: 400, code: "invalid_request", field: "status"},
		{name: "user patch: id", method: "PATCH", path: u, body: map[string]any{"name": "N", "id": f.adminID}, status: 400, code: "invalid_request", field: "id"},
		{name: "user patch: createdAt", method: "PATCH", path: u, body: map[string]any{"name": "N", "createdAt": stamp}, status: 400, code: "invalid_request", field: "createdAt"},
		{name: "user patch: passwordHash", method: "PATCH", path: u, body: map[string]any{"name": "N", "passwordHash": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"}, status: 400, code: "invalid_request", field: "passwordHash"},
		{name: "user patch: apiKeyCount", method: "PATCH", path: u, body: map[string]any{"apiKeyCount": 0}, status: 400, code: "invalid_request", field: "apiKeyCount"},
		{name: "user patch: lastLoginAt", method: "PATCH", path: u, body: map[string]any{"name": "N", "lastLoginAt": stamp}, status: 400, code: "invalid_request", field: "lastLoginAt"},
		{name: "user patch: invitedBy", method: "PATCH", path: u, body: map[string]any{"name": "N", "invitedBy": map[string]any{"type": "user", "id": f.adminID}}, status: 400, code: "invalid_request", field: "invitedBy"},
		{name: "user patch: version", method: "PATCH", path: u, body: map[string]any{"name": "N", "version": 99}, status: 400, code: "invalid_request", field: "version"},
		{name: "user create: id", method: "POST", path: "/v1/users", body: map[string]any{"email": newEmail(), "name": "N", "role": "viewer", "id": "chosen-id"}, status: 400, code: "invalid_request", field: "id"},
		{name: "user create: createdAt", method: "POST", path: "/v1/users", body: map[string]any{"email": newEmail(), "name": "N", "role": "viewer", "createdAt": stamp}, status: 400, code: "invalid_request", field: "createdAt"},
		{name: "user create: invitedBy", method: "POST", path: "/v1/users", body: map[string]any{"email": newEmail(), "name": "N", "role": "viewer", "invitedBy": map[string]any{"type": "user", "id": f.target}}, status: 400, code: "invalid_request", field: "invitedBy"},
		{name: "workspace create: memberCount", method: "POST", path: "/v1/workspaces", body: map[string]any{"name": "W", "memberCount": 1000}, status: 400, code: "invalid_request", field: "memberCount"},
		{name: "workspace create: createdBy", method: "POST", path: "/v1/workspaces", body: map[string]any{"name": "W", "createdBy": map[string]any{"type": "user", "id": f.target}}, status: 400, code: "invalid_request", field: "createdBy"},
		{name: "workspace create: id", method: "POST", path: "/v1/workspaces", body: map[string]any{"name": "W", "id": f.ws}, status: 400, code: "invalid_request", field: "id"},
		{name: "workspace patch: memberCount", method: "PATCH", path: ws, body: map[string]any{"memberCount": 0}, status: 400, code: "invalid_request", field: "memberCount"},
		{name: "workspace patch: ownerId", method: "PATCH", path: ws, body: map[string]any{"name": "W", "ownerId": f.target}, status: 400, code: "invalid_request", field: "ownerId"},
		{name: "member put: addedAt", method: "PUT", path: ws + "/members/" + f.target, body: map[string]any{"role": "member", "addedAt": stamp}, status: 400, code: "invalid_request", field: "addedAt"},
		{name: "member put: userId", method: "PUT", path: ws + "/members/" + f.target, body: map[string]any{"role": "owner", "userId": f.adminID}, status: 400, code: "invalid_request", field: "userId"},
		{name: "admin token: createdBy", method: "POST", path: "/v1/admin-tokens", body: map[string]any{"name": "x", "createdBy": map[string]any{"type": "user", "id": f.target}}, status: 400, code: "invalid_request", field: "createdBy"},
		{name: "admin token: role", method: "POST", path: "/v1/admin-tokens", body: map[string]any{"name": "x", "role": "super_admin"}, status: 400, code: "invalid_request", field: "role"},
		{name: "admin token: expiresAt", method: "POST", path: "/v1/admin-tokens", body: map[string]any{"name": "x", "expiresAt": "2999-01-01T00:00:00.000Z"}, status: 400, code: "invalid_request", field: "expiresAt"},
		{name: "own key: prefix", method: "POST", path: "/v1/me/api-keys", token: key, body: map[string]any{"name": "x", "prefix": "ushk_AAAA"}, status: 400, code: "invalid_request", field: "prefix"},
		{name: "user key: secret", method: "POST", path: u + "/api-keys", body: map[string]any{"name": "x", "secret": "ushk_chosenbytheclient"}, status: 400, code: "invalid_request", field: "secret"},
		{name: "key rotate: expiresInDays", method: "POST", path: u + "/api-keys/" + f.targetKeyID + "/rotate", body: map[string]any{"expiresInDays": 365}, status: 400, code: "invalid_request", field: "expiresInDays"},
		{name: "own key rotate: name", method: "POST", path: "/v1/me/api-keys/" + f.targetKeyID + "/rotate", token: key, body: map[string]any{"name": "renamed"}, status: 400, code: "invalid_request", field: "name"},
		{name: "logout: everywhere", method: "POST", path: "/v1/auth/logout", token: session, body: map[string]any{"everywhere": true}, status: 400, code: "invalid_request", field: "everywhere"},
		{name: "invitation: status", method: "POST", path: "/v1/invitations", body: map[string]any{"email": newEmail(), "status": "accepted"}, status: 400, code: "invalid_request", field: "status"},
		{name: "invitation: invitedBy", method: "POST", path: "/v1/invitations", body: map[string]any{"email": newEmail(), "invitedBy": map[string]any{"type": "user", "id": f.target}}, status: 400, code: "invalid_request", field: "invitedBy"},
		{name: "invitation grant: userId", method: "POST", path: "/v1/invitations", body: map[string]any{"email": newEmail(), "workspaces": []any{map[string]any{"workspaceId": f.ws, "role": "guest", "userId": f.adminID}}}, status: 400, code: "invalid_request", field: "userId"},
		{name: "batch item: status", method: "POST", path: "/v1/invitations/batch", body: map[string]any{"invitations": []any{map[string]any{"email": newEmail(), "status": "accepted"}}}, status: 400, code: "invalid_request", field: "status"},
		{name: "resend: email", method: "POST", path: "/v1/invitations/" + f.inv + "/resend", body: map[string]any{"email": "attacker@example.com"}, status: 400, code: "invalid_request", field: "email"},
		{name: "accept: userId", method: "POST", path: "/v1/invitations/accept", token: none, body: map[string]any{"token": f.invToken, "password": abusePassword, "userId": f.adminID}, status: 400, code: "invalid_request", field: "userId"},
		{name: "accept: role", method: "POST", path: "/v1/invitations/accept", token: none, body: map[string]any{"token": f.invToken, "password": abusePassword, "role": "super_admin"}, status: 400, code: "invalid_request", field: "role"},
		{name: "accept: email", method: "POST", path: "/v1/invitations/accept", token: none, body: map[string]any{"token": f.invToken, "password": abusePassword, "email": "attacker@example.com"}, status: 400, code: "invalid_request", field: "email"},
		{name: "accept: workspaces", method: "POST", path: "/v1/invitations/accept", token: none, body: map[string]any{"token": f.invToken, "password": abusePassword, "workspaces": []any{map[string]any{"workspaceId": f.ws, "role": "owner"}}}, status: 400, code: "invalid_request", field: "workspaces"},
		{name: "preview: email", method: "POST", path: "/v1/invitations/preview", token: none, body: map[string]any{"token": f.invToken, "email": "attacker@example.com"}, status: 400, code: "invalid_request", field: "email"},
		{name: "settings: version", method: "PATCH", path: "/v1/settings", body: map[string]any{"instanceName": "X", "version": 5}, status: 400, code: "invalid_request", field: "version"},
		{name: "settings: nested unknown in passwordPolicy", method: "PATCH", path: "/v1/settings", body: map[string]any{"passwordPolicy": map[string]any{"minLength": 12, "maxLength": 8}}, status: 400, code: "invalid_request", field: "maxLength"},
		{name: "settings: nested unknown in loginLockout", method: "PATCH", path: "/v1/settings", body: map[string]any{"loginLockout": map[string]any{"maxAttempts": 10, "disabled": true}}, status: 400, code: "invalid_request", field: "disabled"},
		{name: "settings reset: instanceName", method: "POST", path: "/v1/settings/reset", body: map[string]any{"instanceName": "x"}, status: 400, code: "invalid_request", field: "instanceName"},
		{name: "reactivate: role", method: "POST", path: u + "/reactivate", body: map[string]any{"role": "super_admin"}, status: 400, code: "invalid_request", field: "role"},
		{name: "set password: passwordHash", method: "PUT", path: u + "/password", body: map[string]any{"password": "a long enough secret", "passwordHash": "x"}, status: 400, code: "invalid_request", field: "passwordHash"},
		{name: "own password: userId", method: "PUT", path: "/v1/me/password", token: key, body: map[string]any{"currentPassword": abusePassword, "password": "a brand new passphrase", "userId": f.adminID}, status: 400, code: "invalid_request", field: "userId"},
		{name: "login: role", method: "POST", path: "/v1/auth/login", token: none, body: map[string]any{"email": f.targetEmail, "password": abusePassword, "role": "super_admin"}, status: 400, code: "invalid_request", field: "role"},
		{name: "reset complete: userId", method: "POST", path: "/v1/password-reset/complete", token: none, body: map[string]any{"token": "ushr_x", "password": "a long enough secret", "userId": f.target}, status: 400, code: "invalid_request", field: "userId"},
		{name: "reset link: email", method: "POST", path: u + "/password-reset", body: map[string]any{"email": "attacker@example.com"}, status: 400, code: "invalid_request", field: "email"},
		{name: "validate: policy", method: "POST", path: "/v1/password/validate", token: none, body: map[string]any{"password": "x", "policy": map[string]any{"minLength": 1}}, status: 400, code: "invalid_request", field: "policy"},
		{name: "field name in another case", method: "PATCH", path: u, body: `{"ROLE":"editor"}`, status: 400, code: "invalid_request", field: "ROLE"},
		{name: "duplicate in another case", method: "PATCH", path: u, body: `{"role":"viewer","Role":"editor"}`, status: 400, code: "invalid_request", field: "Role"},
		{name: "own name in another case", method: "PATCH", path: "/v1/me", token: key, body: `{"name":"Me","NAME":"Someone Else"}`, status: 400, code: "invalid_request", field: "NAME"},
	})
}

// TestAbuseBodies: size, depth, duplicate keys, wrong types, null and empty
// bodies, and content types.
func TestAbuseBodies(t *testing.T) {
	f := newAbuseFixture(t)
	u, ws, key := "/v1/users/"+f.target, "/v1/workspaces/"+f.ws, f.targetKey
	big := strings.Repeat("a", 70<<10)
	nul := "null"
	f.run(t, []abuse{
		// Over 64 KiB: 413, whoever calls; exactly 64 KiB is read and judged.
		{name: "too large: workspace", method: "POST", path: "/v1/workspaces", body: map[string]any{"name": "W", "description": big}, status: 413, code: "payload_too_large"},
		{name: "too large: settings", method: "PATCH", path: "/v1/settings", body: padded(64<<10+1, `"instanceName":"X"`), status: 413, code: "payload_too_large"},
		{name: "too large: public accept", method: "POST", path: "/v1/invitations/accept", token: none, body: map[string]any{"token": f.invToken, "password": big}, status: 413, code: "payload_too_large"},
		{name: "too large: public login, 1 MiB", method: "POST", path: "/v1/auth/login", token: none, body: padded(1<<20, `"email":"root@example.com","password":"x"`), status: 413, code: "payload_too_large"},
		{name: "too large: own key", method: "POST", path: "/v1/me/api-keys", token: key, body: padded(64<<10+100, `"name":"x"`), status: 413, code: "payload_too_large"},
		{name: "exactly 64 KiB is read", method: "PATCH", path: u, body: padded(64<<10, `"name":"N"`), status: 400, code: "invalid_request", field: "pad"},

		// Deeper than 16 levels: invalid_json; 16 levels is decoded.
		{name: "17 levels in a field", method: "PATCH", path: u, body: `{"name":` + nested(16, `"x"`) + `}`, status: 400, code: "invalid_json"},
		{name: "17 levels, public route", method: "POST", path: "/v1/password/validate", token: none, body: nested(17, "1"), status: 400, code: "invalid_json"},
		{name: "17 levels of objects in settings", method: "PATCH", path: "/v1/settings", body: `{"passwordPolicy":` + strings.Repeat(`{"a":`, 16) + "1" + strings.Repeat("}", 17), status: 400, code: "invalid_json"},
		{name: "20000 levels", method: "PUT", path: ws + "/members/" + f.target, body: nested(20000, ""), status: 400, code: "invalid_json"},
		{name: "16 levels is decoded", method: "PATCH", path: u, body: `{"name":` + nested(15, `"x"`) + `}`, status: 400, code: "invalid_request", field: "name"},

		// Duplicate keys: refused, naming the key.
		{name: "duplicate role", method: "PATCH", path: u, body: `{"role":"viewer","role":"super_admin"}`, status: 400, code: "invalid_request", field: "role"},
		{name: "duplicate email on create", method: "POST", path: "/v1/users", body: `{"email":"dup1@example.com","name":"D","role":"viewer","email":"root@example.com"}`, status: 400, code: "invalid_request", field: "email"},
		{name: "duplicate member role", method: "PUT", path: ws + "/members/" + f.target, body: `{"role":"guest","role":"owner"}`, status: 400, code: "invalid_request", field: "role"},
		{name: "duplicate nested setting", method: "PATCH", path: "/v1/settings", body: `{"passwordPolicy":{"minLength":8,"minLength":128}}`, status: 400, code: "invalid_request", field: "minLength"},
		{name: "duplicate through an escape", method: "PATCH", path: u, body: `{"role":"viewer","r\u006fle":"super_admin"}`, status: 400, code: "invalid_request", field: "role"},
		{name: "duplicate in a batch item", method: "POST", path: "/v1/invitations/batch", body: `{"invitations":[{"email":"dup2@example.com","role":"viewer","role":"admin"}]}`, status: 400, code: "invalid_request", field: "role"},
		{name: "duplicate token, public", method: "POST", path: "/v1/invitations/accept", token: none, body: `{"token":"ushi_a","token":"` + f.invToken + `","password":"a long enough secret"}`, status: 400, code: "invalid_request", field: "token"},
		{name: "duplicate own name", method: "PATCH", path: "/v1/me", token: key, body: `{"name":"A","name":"B"}`, status: 400, code: "invalid_request", field: "name"},

		// Wrong types.
		{name: "number for name", method: "POST", path: "/v1/workspaces", body: `{"name":123}`, status: 400, code: "invalid_request", field: "name"},
		{name: "object for email", method: "POST", path: "/v1/users", body: map[string]any{"email": map[string]any{"address": "x@example.com"}, "name": "X", "role": "viewer"}, status: 400, code: "invalid_request", field: "email"},
		{name: "array for role", method: "PATCH", path: u, body: map[string]any{"role": []any{"super_admin"}}, status: 400, code: "invalid_request", field: "role"},
		{name: "boolean for member role", method: "PUT", path: ws + "/members/" + f.target, body: `{"role":true}`, status: 400, code: "invalid_request", field: "role"},
		{name: "fraction of days", method: "POST", path: "/v1/admin-tokens", body: `{"name":"x","expiresInDays":30.5}`, status: 400, code: "invalid_request", field: "expiresInDays"},
		{name: "days beyond any number", method: "POST", path: "/v1/me/api-keys", token: key, body: `{"name":"x","expiresInDays":1e400}`, status: 400, code: "invalid_request", field: "expiresInDays"},
		{name: "negative days", method: "POST", path: "/v1/me/api-keys", token: key, body: `{"name":"x","expiresInDays":-1}`, status: 400, code: "invalid_request", field: "expiresInDays"},
		{name: "string for domain list", method: "PATCH", path: "/v1/settings", body: `{"allowedEmailDomains":"example.com"}`, status: 400, code: "invalid_request", field: "allowedEmailDomains"},
		{name: "string for a policy flag", method: "PATCH", path: "/v1/settings", body: `{"passwordPolicy":{"requireSymbol":"yes"}}`, status: 400, code: "invalid_request"},
		{name: "object for grants", method: "POST", path: "/v1/invitations", body: map[string]any{"email": uniq(t, "typ"), "workspaces": map[string]any{"workspaceId": f.ws, "role": "guest"}}, status: 400, code: "invalid_request", field: "workspaces"},
		{name: "string for sendEmail", method: "POST", path: "/v1/invitations", body: map[string]any{"email": uniq(t, "typ"), "sendEmail": "false"}, status: 400, code: "invalid_request", field: "sendEmail"},
		{name: "array for login email", method: "POST", path: "/v1/auth/login", token: none, body: map[string]any{"email": []any{"root@example.com"}, "password": "x"}, status: 400, code: "invalid_request", field: "email"},
		{name: "number for reset token", method: "POST", path: "/v1/password-reset/complete", token: none, body: `{"token":12345,"password":"a long enough secret"}`, status: 400, code: "invalid_request", field: "token"},
		{name: "object for description", method: "PATCH", path: ws, body: map[string]any{"description": map[string]any{"text": "x"}}, status: 400, code: "invalid_request", field: "description"},
		{name: "object for the batch", method: "POST", path: "/v1/invitations/batch", body: map[string]any{"invitations": map[string]any{"email": "x@example.com"}}, status: 400, code: "invalid_request", field: "invitations"},
		{name: "string body", method: "POST", path: "/v1/workspaces", body: `"W"`, status: 400, code: "invalid_request", field: "body"},
		{name: "number body", method: "PATCH", path: "/v1/me", token: key, body: `42`, status: 400, code: "invalid_request", field: "body"},
		{name: "array body on rotate", method: "POST", path: u + "/api-keys/" + f.targetKeyID + "/rotate", body: `[]`, status: 400, code: "invalid_request", field: "body"},

		// Empty and null bodies where one is required; null where one is optional.
		{name: "no body: workspace", method: "POST", path: "/v1/workspaces", status: 400, code: "invalid_request", field: "body"},
		{name: "no body: own name", method: "PATCH", path: "/v1/me", token: key, status: 400, code: "invalid_request", field: "body"},
		{name: "no body: member", method: "PUT", path: ws + "/members/" + f.target, status: 400, code: "invalid_request", field: "body"},
		{name: "no body: public accept", method: "POST", path: "/v1/invitations/accept", token: none, status: 400, code: "invalid_request", field: "body"},
		{name: "white space body", method: "PATCH", path: u, body: " \n\t ", status: 400, code: "invalid_request", field: "body"},
		{name: "null: create user", method: "POST", path: "/v1/users", body: nul, status: 400, code: "invalid_request"},
		{name: "null: patch user", method: "PATCH", path: u, body: nul, status: 400, code: "invalid_request"},
		{name: "null: member", method: "PUT", path: ws + "/members/" + f.target, body: nul, status: 400, code: "invalid_request"},
		{name: "null: own name", method: "PATCH", path: "/v1/me", token: key, body: nul, status: 400, code: "invalid_request"},
		{name: "null: deactivate", method: "POST", path: u + "/deactivate", body: nul, status: 400, code: "invalid_request", field: "body"},
		{name: "null: settings reset", method: "POST", path: "/v1/settings/reset", body: nul, status: 400, code: "invalid_request", field: "body"},
		{name: "null: rotate", method: "POST", path: u + "/api-keys/" + f.targetKeyID + "/rotate", body: nul, status: 400, code: "invalid_request", field: "body"},
		{name: "null: reset link", method: "POST", path: u + "/password-reset", body: nul, status: 400, code: "invalid_request", field: "body"},

		// Malformed JSON.
		{name: "invalid UTF-8", method: "PATCH", path: "/v1/me", token: key, body: []byte("{\"name\":\"\xff\xfe\"}"), status: 400, code: "invalid_json"},
		{name: "byte order mark", method: "PATCH", path: "/v1/me", token: key, body: "\ufeff{\"name\":\"Me\"}", status: 400, code: "invalid_json"},
		{name: "trailing comma", method: "POST", path: "/v1/workspaces", body: `{"name":"W",}`, status: 400, code: "invalid_json"},
		{name: "comment", method: "POST", path: "/v1/workspaces", body: `{"name":"W" /* owner */}`, status: 400, code: "invalid_json"},
		{name: "single quotes", method: "POST", path: "/v1/auth/login", token: none, body: `{'email':'root@example.com'}`, status: 400, code: "invalid_json"},
		{name: "NaN", method: "POST", path: "/v1/me/api-keys", token: key, body: `{"name":"x","expiresInDays":NaN}`, status: 400, code: "invalid_json"},

		// Content types other than JSON in UTF-8: 415.
		{name: "text/plain", method: "PATCH", path: u, body: `{"name":"N"}`, headers: []string{"Content-Type", "text/plain"}, status: 415, code: "unsupported_media_type"},
		{name: "form", method: "POST", path: "/v1/users", body: "email=form%40example.com&name=Form&role=super_admin", headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415, code: "unsupported_media_type"},
		{name: "latin1", method: "PATCH", path: "/v1/me", token: key, body: `{"name":"Me"}`, headers: []string{"Content-Type", "application/json; charset=latin1"}, status: 415, code: "unsupported_media_type"},
		{name: "utf-16", method: "POST", path: "/v1/workspaces", body: `{"name":"W"}`, headers: []string{"Content-Type", "application/json; charset=utf-16"}, status: 415, code: "unsupported_media_type"},
		{name: "multipart", method: "POST", path: "/v1/invitations", body: `{"email":"mp@example.com"}`, headers: []string{"Content-Type", "multipart/form-data; boundary=x"}, status: 415, code: "unsupported_media_type"},
		{name: "no content type", method: "POST", path: "/v1/workspaces", body: `{"name":"W"}`, headers: []string{"Content-Type", ""}, status: 415, code: "unsupported_media_type"},
		{name: "merge patch", method: "PATCH", path: u, body: `{"name":"N"}`, headers: []string{"Content-Type", "application/merge-patch+json"}, status: 415, code: "unsupported_media_type"},
		{name: "text/json", method: "PUT", path: ws + "/members/" + f.target, body: `{"role":"owner"}`, headers: []string{"Content-Type", "text/json"}, status: 415, code: "unsupported_media_type"},
		{name: "malformed media type", method: "PATCH", path: "/v1/settings", body: `{"instanceName":"X"}`, headers: []string{"Content-Type", "application/json; charset"}, status: 415, code: "unsupported_media_type"},
		{name: "text/plain on logout", method: "POST", path: "/v1/auth/logout", token: f.login(t, f.targetEmail, abusePassword).str("token"), body: `{}`, headers: []string{"Content-Type", "text/plain"}, status: 415, code: "unsupported_media_type"},
		{name: "text/plain, public login", method: "POST", path: "/v1/auth/login", token: none, body: `{"email":"root@example.com","password":"x"}`, headers: []string{"Content-Type", "text/plain"}, status: 415, code: "unsupported_media_type"},
	})
	// JSON in UTF-8 however it is spelled is accepted (the same name: no change).
	me := f.call("GET", "/v1/me", key, nil).str("name")
	want(t, f.call("PATCH", "/v1/me", key, map[string]any{"name": me}, "Content-Type", "Application/JSON; Charset=UTF-8"), 200)
}

// TestAbuseUnicodeAndInjection: normalisation makes look-alike addresses
// collide; hidden, direction and line-break characters are refused, naming
// the field.
func TestAbuseUnicodeAndInjection(t *testing.T) {
	f := newAbuseFixture(t)
	u, key := "/v1/users/"+f.target, f.targetKey
	// One address stored from its composed form, one from its decomposed form.
	local := strings.TrimSuffix(uniq(t, "zoë"), "@example.com")
	nfc := norm.NFC.String(local + "@example.com")
	nfd := norm.NFD.String(nfc)
	want(t, f.call("POST", "/v1/users", f.admin, map[string]any{"email": nfc, "name": "Zoë", "role": "viewer", "password": abusePassword}), 201)
	local2 := strings.TrimSuffix(uniq(t, "josé"), "@example.com")
	nfc2 := norm.NFC.String(local2 + "@example.com")
	want(t, f.call("POST", "/v1/users", f.admin, map[string]any{"email": norm.NFD.String(nfc2), "name": "José", "role": "viewer"}), 201)
	if nfc == nfd {
		t.Fatal("the test address has no decomposed form")
	}
	email := func(v string) map[string]any { return map[string]any{"email": v, "name": "X", "role": "viewer"} }
	name := func(v string) map[string]any { return map[string]any{"name": v} }
	f.run(t, []abuse{
		{name: "NFD of an NFC address", method: "POST", path: "/v1/users", body: email(nfd), status: 409, code: "user_exists"},
		{name: "NFC of an NFD address", method: "POST", path: "/v1/users", body: email(nfc2), status: 409, code: "user_exists"},
		{name: "NFD, upper case", method: "POST", path: "/v1/users", body: email(strings.ToUpper(nfd)), status: 409, code: "user_exists"},
		{name: "NFD invitation", method: "POST", path: "/v1/invitations", body: map[string]any{"email": nfd, "sendEmail": false}, status: 409, code: "user_exists"},
		{name: "NFD in a batch creates nothing", method: "POST", path: "/v1/invitations/batch", body: map[string]any{"invitations": []any{map[string]any{"email": " " + nfd, "sendEmail": false}}}, status: 200},
		{name: "NFD taken by a rename", method: "PATCH", path: u, body: map[string]any{"email": nfd}, status: 409, code: "user_exists"},
		{name: "upper case address", method: "POST", path: "/v1/users", body: email("ROOT@EXAMPLE.COM"), status: 409, code: "user_exists"},
		{name: "mixed case rename", method: "PATCH", path: u, body: map[string]any{"email": "Root@Example.Com"}, status: 409, code: "user_exists"},
		{name: "upper case invitation", method: "POST", path: "/v1/invitations", body: map[string]any{"email": strings.ToUpper(f.targetEmail), "sendEmail": false}, status: 409, code: "user_exists"},

		{name: "zero-width space in email", method: "POST", path: "/v1/users", body: email("ro\u200bot@example.com"), status: 400, code: "invalid_request", field: "email"},
		{name: "zero-width space in workspace name", method: "POST", path: "/v1/workspaces", body: name("Pay\u200broll"), status: 400, code: "invalid_request", field: "name"},
		{name: "zero-width joiner in own name", method: "PATCH", path: "/v1/me", token: key, body: name("Ad\u200dmin"), status: 400, code: "invalid_request", field: "name"},
		{name: "right-to-left override in own name", method: "PATCH", path: "/v1/me", token: key, body: name("\u202enimda"), status: 400, code: "invalid_request", field: "name"},
		{name: "right-to-left override in email", method: "POST", path: "/v1/invitations", body: map[string]any{"email": "moc.elpmaxe@\u202eeve", "sendEmail": false}, status: 400, code: "invalid_request", field: "email"},
		{name: "left-to-right mark in email", method: "POST", path: "/v1/users", body: email("eve\u200e@example.com"), status: 400, code: "invalid_request", field: "email"},
		{name: "right-to-left mark in name", method: "PATCH", path: u, body: name("Eve\u200f"), status: 400, code: "invalid_request", field: "name"},
		{name: "bidi isolate in name", method: "POST", path: "/v1/users", body: map[string]any{"email": uniq(t, "iso"), "name": "\u2066Eve\u2069", "role": "viewer"}, status: 400, code: "invalid_request", field: "name"},
		{name: "arabic letter mark in key name", method: "POST", path: "/v1/me/api-keys", token: key, body: map[string]any{"name": "ci\u061c"}, status: 400, code: "invalid_request", field: "name"},
		{name: "byte order mark in email", method: "POST", path: "/v1/users", body: email("\ufeffroot@example.com"), status: 400, code: "invalid_request", field: "email"},
		{name: "no-break space inside email", method: "POST", path: "/v1/users", body: email("root\u00a0x@example.com"), status: 400, code: "invalid_request", field: "email"},
		{name: "ideographic space inside email", method: "PATCH", path: u, body: map[string]any{"email": "eve\u3000x@example.com"}, status: 400, code: "invalid_request", field: "email"},
		{name: "no-break spaces as a name", method: "PATCH", path: "/v1/me", token: key, body: name("\u00a0\u00a0"), status: 400, code: "invalid_request", field: "name"},
		{name: "fullwidth at sign", method: "POST", path: "/v1/users", body: email("root\uff20example.com"), status: 400, code: "invalid_request", field: "email"},

		{name: "CR LF in name", method: "PATCH", path: u, body: name("Eve\r\nX-Injected: 1"), status: 400, code: "invalid_request", field: "name"},
		{name: "LF Bcc in invitation email", method: "POST", path: "/v1/invitations", body: map[string]any{"email": "a@example.com\nBcc: b@example.com", "sendEmail": false}, status: 400, code: "invalid_request", field: "email"},
		{name: "CR LF Bcc in login email", method: "POST", path: "/v1/auth/login", token: none, body: map[string]any{"email": f.targetEmail + "\r\nBcc: b@example.com", "password": "x"}, status: 401, code: "invalid_credentials"},
		{name: "CR in workspace name", method: "POST", path: "/v1/workspaces", body: name("Own\red"), status: 400, code: "invalid_request", field: "name"},
		{name: "LF in admin token name", method: "POST", path: "/v1/admin-tokens", body: name("ops\nroot"), status: 400, code: "invalid_request", field: "name"},
		{name: "NUL in key name", method: "POST", path: "/v1/me/api-keys", token: key, body: name("ci\x00"), status: 400, code: "invalid_request", field: "name"},
		{name: "next line in invitee name", method: "POST", path: "/v1/invitations", body: map[string]any{"email": uniq(t, "nel"), "name": "Eve\u0085Bcc", "sendEmail": false}, status: 400, code: "invalid_request", field: "name"},
		{name: "CR LF in instance name", method: "PATCH", path: "/v1/settings", body: map[string]any{"instanceName": "Usher\r\nBcc: x@example.com"}, status: 400, code: "invalid_request", field: "instanceName"},
		{name: "CR LF in sender email", method: "PATCH", path: "/v1/settings", body: map[string]any{"senderEmail": "ops@example.com\r\nBcc: x@example.com"}, status: 400, code: "invalid_request", field: "senderEmail"},
		{name: "line separator in name", method: "PATCH", path: u, body: name("Eve\u2028Bcc: x@example.com"), status: 400, code: "invalid_request", field: "name"},
		{name: "paragraph separator in workspace name", method: "POST", path: "/v1/workspaces", body: name("Pay\u2029roll"), status: 400, code: "invalid_request", field: "name"},
	})
	// The normalised and case-folded forms log in as the one user.
	for _, e := range []string{nfd, strings.ToUpper(nfc), " " + strings.ToUpper(nfd) + " "} {
		want(t, f.login(t, e, abusePassword), 200)
	}
	want(t, f.login(t, strings.ToUpper(f.targetEmail), abusePassword), 200)
	// The batch item was refused on its own.
	if n := len(items(f.call("GET", "/v1/invitations?status=pending", f.admin, nil))); n != 1 {
		t.Errorf("%d pending invitations, want 1", n)
	}
}

// TestAbuseTokens: tokens only count in the Authorization header, only as the
// kind they are, and only while they live.
func TestAbuseTokens(t *testing.T) {
	f := newAbuseFixture(t)
	// A reset link, a session that logged out, a live session, a rotated
	// key's old secret and a revoked admin token.
	r := f.call("POST", "/v1/users/"+f.target+"/password-reset", f.admin, nil)
	want(t, r, 202)
	reset := linkToken(t, r.str("resetUrl"))
	out := f.login(t, f.targetEmail, abusePassword).str("token")
	want(t, f.call("POST", "/v1/auth/logout", out, nil), 204)
	session := f.login(t, f.targetEmail, abusePassword).str("token")
	k := f.call("POST", "/v1/users/"+f.target+"/api-keys", f.admin, map[string]any{"name": "rotated"})
	want(t, k, 201)
	old := k.str("secret")
	rot := f.call("POST", "/v1/users/"+f.target+"/api-keys/"+k.JSON()["apiKey"].(map[string]any)["id"].(string)+"/rotate", f.admin, nil)
	want(t, rot, 200)
	at := f.call("POST", "/v1/admin-tokens", f.admin, map[string]any{"name": "revoked"})
	want(t, at, 201)
	revoked := at.str("secret")
	want(t, f.call("DELETE", "/v1/admin-tokens/"+at.JSON()["adminToken"].(map[string]any)["id"].(string), f.admin, nil), 204)
	f.secrets = append(f.secrets, reset, old, rot.str("secret"), revoked)
	basic := base64.StdEncoding.EncodeToString([]byte(f.admin + ":"))
	newUser := map[string]any{"email": uniq(t, "tok"), "name": "T", "role": "super_admin"}
	pw := "a fresh long passphrase"

	f.run(t, []abuse{
		{name: "access_token in the query, write", method: "POST", path: "/v1/users?access_token=" + f.admin, token: none, body: newUser, status: 401, code: "Unauthorized", gw: true},
		{name: "token in the query", method: "GET", path: "/v1/me?token=" + f.admin, token: none, status: 401, code: "Unauthorized", gw: true},
		{name: "api_key in the query, delete", method: "DELETE", path: "/v1/users/" + f.target + "?api_key=" + f.admin, token: none, status: 401, code: "Unauthorized", gw: true},
		{name: "authorization in the query", method: "GET", path: "/v1/settings?Authorization=Bearer%20" + f.admin, token: none, status: 401, code: "Unauthorized", gw: true},
		{name: "token in a cookie", method: "GET", path: "/v1/users", token: none, headers: []string{"Cookie", "token=" + f.admin}, status: 401, code: "Unauthorized", gw: true},
		{name: "token in X-Api-Key", method: "POST", path: "/v1/admin-tokens", token: none, body: map[string]any{"name": "x"}, headers: []string{"X-Api-Key", f.admin}, status: 401, code: "Unauthorized", gw: true},
		{name: "no scheme", method: "GET", path: "/v1/users", token: none, headers: []string{"Authorization", f.admin}, status: 403, code: "Forbidden", gw: true},
		{name: "Token scheme", method: "GET", path: "/v1/users", token: none, headers: []string{"Authorization", "Token " + f.admin}, status: 403, code: "Forbidden", gw: true},
		{name: "Basic scheme", method: "POST", path: "/v1/users", token: none, body: newUser, headers: []string{"Authorization", "Basic " + basic}, status: 403, code: "Forbidden", gw: true},
		{name: "trailing garbage", method: "GET", path: "/v1/users", token: none, headers: []string{"Authorization", "Bearer " + f.admin + " x"}, status: 403, code: "Forbidden", gw: true},

		{name: "reset token as bearer, write", method: "POST", path: "/v1/users", token: reset, body: newUser, status: 403, code: "Forbidden", gw: true},
		{name: "invite token as bearer, write", method: "PATCH", path: "/v1/me", token: f.invToken, body: map[string]any{"name": "Invitee"}, status: 403, code: "Forbidden", gw: true},
		{name: "session after logout, write", method: "POST", path: "/v1/me/api-keys", token: out, body: map[string]any{"name": "after logout"}, status: 403, code: "Forbidden", gw: true},
		{name: "session after logout, logout again", method: "POST", path: "/v1/auth/logout", token: out, status: 403, code: "Forbidden", gw: true},
		{name: "rotated key's old secret, delete", method: "DELETE", path: "/v1/me/api-keys/" + f.targetKeyID, token: old, status: 403, code: "Forbidden", gw: true},
		{name: "revoked admin token, new token", method: "POST", path: "/v1/admin-tokens", token: revoked, body: map[string]any{"name": "comeback"}, status: 403, code: "Forbidden", gw: true},

		{name: "session as reset token", method: "POST", path: "/v1/password-reset/complete", token: none, body: map[string]any{"token": session, "password": pw}, status: 410, code: "reset_token_invalid"},
		{name: "API key as reset token", method: "POST", path: "/v1/password-reset/complete", token: none, body: map[string]any{"token": f.targetKey, "password": pw}, status: 410, code: "reset_token_invalid"},
		{name: "invite token as reset token", method: "POST", path: "/v1/password-reset/complete", token: none, body: map[string]any{"token": f.invToken, "password": pw}, status: 410, code: "reset_token_invalid"},
		{name: "admin token as reset token", method: "POST", path: "/v1/password-reset/complete", token: none, body: map[string]any{"token": revoked, "password": pw}, status: 410, code: "reset_token_invalid"},
		{name: "reset token, one character changed", method: "POST", path: "/v1/password-reset/complete", token: none, body: map[string]any{"token": flipLast(reset), "password": pw}, status: 410, code: "reset_token_invalid"},
		{name: "reset token as invite token", method: "POST", path: "/v1/invitations/accept", token: none, body: map[string]any{"token": reset, "password": pw}, status: 404, code: "not_found"},
		{name: "reset token previewed", method: "POST", path: "/v1/invitations/preview", token: none, body: map[string]any{"token": reset}, status: 404, code: "not_found"},
		{name: "session as invite token", method: "POST", path: "/v1/invitations/accept", token: none, body: map[string]any{"token": session, "name": "S", "password": pw}, status: 404, code: "not_found"},
		{name: "API key previewed as invite", method: "POST", path: "/v1/invitations/preview", token: none, body: map[string]any{"token": f.targetKey}, status: 404, code: "not_found"},
	})
	// None of that spent anything: the live session works, the reset link
	// sets a password once, and the invitation is accepted once.
	want(t, f.call("GET", "/v1/me", session, nil), 200)
	want(t, f.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": reset, "password": pw}), 204)
	acc := f.call("POST", "/v1/invitations/accept", "", map[string]any{"token": f.invToken, "password": pw})
	want(t, acc, 201)
	f.secrets = append(f.secrets, acc.JSON()["session"].(map[string]any)["token"].(string))
}

// flipAt changes the character at i of a cursor to another base64url one.
func flipAt(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// TestAbuseCursors: on every listing a cursor that was altered, or that
// another listing gave out, is invalid_cursor.
func TestAbuseCursors(t *testing.T) {
	f := newAbuseFixture(t)
	ws2 := f.workspace(t, "Abuse Two", f.admin)
	want(t, f.call("PUT", "/v1/workspaces/"+ws2+"/members/"+f.target, f.admin, map[string]any{"role": "guest"}), 201)
	f.user(uniq(t, "second"), "Second", "viewer")
	want(t, f.call("POST", "/v1/invitations", f.admin, map[string]any{"email": uniq(t, "second"), "sendEmail": false}), 201)
	f.key(f.target)
	for _, n := range []string{"one", "two"} {
		r := f.call("POST", "/v1/admin-tokens", f.admin, map[string]any{"name": n})
		want(t, r, 201)
		f.secrets = append(f.secrets, r.str("secret"))
	}
	listings := []struct{ name, path, token string }{
		{"users", "/v1/users?limit=1", ""},
		{"users search", "/v1/users?q=example&limit=1", ""},
		{"users of a workspace", "/v1/users?workspaceId=" + f.ws + "&limit=1", ""},
		{"invitations", "/v1/invitations?limit=1", ""},
		{"a user's keys", "/v1/users/" + f.target + "/api-keys?limit=1", ""},
		{"own keys", "/v1/me/api-keys?limit=1", f.targetKey},
		{"workspaces", "/v1/workspaces?limit=1", ""},
		{"workspaces search", "/v1/workspaces?q=abuse&limit=1", ""},
		{"a user's workspaces by filter", "/v1/workspaces?userId=" + f.target + "&limit=1", ""},
		{"members", "/v1/workspaces/" + f.ws + "/members?limit=1", ""},
		{"a user's workspaces", "/v1/users/" + f.target + "/workspaces?limit=1", ""},
		{"audit events", "/v1/audit-events?limit=1", ""},
		{"audit events by action", "/v1/audit-events?action=user.created&limit=1", ""},
		{"admin tokens", "/v1/admin-tokens?limit=1", ""},
	}
	cursors := make([]string, len(listings))
	for i, l := range listings {
		tok := l.token
		if tok == "" {
			tok = f.admin
		}
		r := f.call("GET", l.path, tok, nil)
		want(t, r, 200)
		c, _ := r.JSON()["nextCursor"].(string)
		if c == "" {
			t.Fatalf("%s: no nextCursor to tamper with: %s", l.name, r.Body)
		}
		want(t, f.call("GET", l.path+"&cursor="+c, tok, nil), 200) // the cursor as given works
		cursors[i] = c
	}
	var cases []abuse
	for i, l := range listings {
		c := cursors[i]
		mid := len(c) / 2
		if c[mid] == '.' {
			mid++
		}
		for _, v := range []struct{ name, cursor string }{
			{"first character changed", flipAt(c, 0)},
			{"middle character changed", flipAt(c, mid)},
			{"last character changed", flipAt(c, len(c)-1)},
			{"cut short", c[:len(c)-1]},
			{"lengthened", c + "A"},
			{"signature dropped", c[:strings.IndexByte(c, '.')]},
			{"from " + listings[(i+3)%len(listings)].name, cursors[(i+3)%len(listings)]},
		} {
			cases = append(cases, abuse{name: l.name + ": " + v.name, method: "GET", path: l.path + "&cursor=" + v.cursor, token: l.token, status: 400, code: "invalid_cursor"})
		}
	}
	// The same listing of another object, or with another filter.
	cases = append(cases,
		abuse{name: "members of another workspace", method: "GET", path: "/v1/workspaces/" + ws2 + "/members?limit=1&cursor=" + cursors[9], status: 400, code: "invalid_cursor"},
		abuse{name: "another user's workspaces", method: "GET", path: "/v1/users/" + f.adminID + "/workspaces?limit=1&cursor=" + cursors[10], status: 400, code: "invalid_cursor"},
		abuse{name: "another user's own keys", method: "GET", path: "/v1/me/api-keys?limit=1&cursor=" + cursors[5], status: 400, code: "invalid_cursor"},
		abuse{name: "audit events of another action", method: "GET", path: "/v1/audit-events?action=user.deleted&limit=1&cursor=" + cursors[12], status: 400, code: "invalid_cursor"},
		abuse{name: "invitations of a status", method: "GET", path: "/v1/invitations?status=pending&limit=1&cursor=" + cursors[3], status: 400, code: "invalid_cursor"},
		abuse{name: "workspaces of another search", method: "GET", path: "/v1/workspaces?q=two&limit=1&cursor=" + cursors[7], status: 400, code: "invalid_cursor"},
	)
	f.run(t, cases)
}

// TestAbuseLimits: limit is a whole number from 1 to 200 on every listing.
func TestAbuseLimits(t *testing.T) {
	f := newAbuseFixture(t)
	lists := []struct{ path, token string }{
		{"/v1/users?", ""}, {"/v1/users?q=root&", ""}, {"/v1/invitations?", ""}, {"/v1/users/" + f.target + "/api-keys?", ""},
		{"/v1/me/api-keys?", f.targetKey}, {"/v1/workspaces?", ""}, {"/v1/workspaces/" + f.ws + "/members?", ""},
		{"/v1/users/" + f.target + "/workspaces?", ""}, {"/v1/audit-events?", ""}, {"/v1/admin-tokens?", ""},
	}
	var cases []abuse
	for _, l := range lists {
		for _, v := range []string{"201", "1000000000000", "-1", "abc", "1.5", "0x10", "99999999999999999999", "%201"} {
			cases = append(cases, abuse{name: strings.TrimSuffix(l.path, "?") + " limit=" + v, method: "GET", path: l.path + "limit=" + v, token: l.token,
				status: 400, code: "invalid_request", field: "limit"})
		}
	}
	f.run(t, cases)
}

// TestAbuseOddIDs: traversal, control characters and absurd lengths in ids
// and id-like query parameters are 404 (or 400), never a 5xx.
func TestAbuseOddIDs(t *testing.T) {
	f := newAbuseFixture(t)
	long := strings.Repeat("a", 10000)
	u := "/v1/users/" + f.target
	f.run(t, []abuse{
		{name: "traversal: delete", method: "DELETE", path: "/v1/users/..%2F..%2Fadmin-tokens", status: 404, code: "not_found"},
		{name: "traversal: workspace", method: "DELETE", path: "/v1/workspaces/..%2F..%2Fusers%2F" + f.target, status: 404, code: "not_found"},
		{name: "traversal: patch", method: "PATCH", path: "/v1/users/..%2F" + f.target, body: map[string]any{"name": "N"}, status: 404, code: "not_found"},
		{name: "traversal: key", method: "DELETE", path: u + "/api-keys/..%2F..%2F" + f.target, status: 404, code: "not_found"},
		{name: "dot dot id", method: "DELETE", path: "/v1/invitations/%2e%2e", status: 404, code: "not_found"},
		{name: "NUL id", method: "GET", path: "/v1/users/%00", status: 404, code: "not_found"},
		{name: "id with a NUL after it", method: "DELETE", path: u + "%00", status: 404, code: "not_found"},
		{name: "id with a space after it", method: "POST", path: u + "%20/deactivate", status: 404, code: "not_found"},
		{name: "id in upper case", method: "PATCH", path: "/v1/users/" + strings.ToUpper(f.target), body: map[string]any{"name": "N"}, status: 404, code: "not_found"},
		{name: "invalid UTF-8 id", method: "GET", path: "/v1/workspaces/%ff%fe", status: 404, code: "not_found"},
		{name: "key separator in id", method: "GET", path: "/v1/users/" + f.target + "%23USER", status: 404, code: "not_found"},
		{name: "star id", method: "DELETE", path: "/v1/admin-tokens/*", status: 404, code: "not_found"},
		{name: "trailing slash", method: "GET", path: u + "/", status: 404, code: "Not Found", gw: true},
		{name: "long key id", method: "POST", path: u + "/api-keys/" + long + "/rotate", status: 404, code: "not_found"},
		{name: "long own key id", method: "DELETE", path: "/v1/me/api-keys/" + long, token: f.targetKey, status: 404, code: "not_found"},
		{name: "long user id", method: "GET", path: "/v1/users/" + long, status: 404, code: "not_found"},
		{name: "long user id: delete", method: "DELETE", path: "/v1/users/" + long, status: 404, code: "not_found"},
		{name: "long workspace id", method: "GET", path: "/v1/workspaces/" + long, status: 404, code: "not_found"},
		{name: "long member id", method: "PUT", path: "/v1/workspaces/" + f.ws + "/members/" + long, body: map[string]any{"role": "guest"}, status: 404, code: "not_found"},
		{name: "long admin token id", method: "DELETE", path: "/v1/admin-tokens/" + long, status: 404, code: "not_found"},
		{name: "long invitation id", method: "GET", path: "/v1/invitations/" + long, status: 404, code: "not_found"},
		{name: "long workspaceId filter", method: "GET", path: "/v1/users?workspaceId=" + long, status: 400, code: "invalid_request", field: "workspaceId"},
		{name: "long userId filter", method: "GET", path: "/v1/workspaces?userId=" + long, status: 400, code: "invalid_request", field: "userId"},
		{name: "long actorId filter", method: "GET", path: "/v1/audit-events?actorId=" + long, status: 400, code: "invalid_request", field: "actorId"},
		{name: "long targetId filter", method: "GET", path: "/v1/audit-events?targetId=" + long, status: 400, code: "invalid_request", field: "targetId"},
		{name: "long owner id", method: "POST", path: "/v1/workspaces", body: map[string]any{"name": "W", "ownerId": long}, status: 400, code: "invalid_request", field: "ownerId"},
		{name: "long grant workspace id", method: "POST", path: "/v1/invitations", body: map[string]any{"email": uniq(t, "grant"), "sendEmail": false, "workspaces": []any{map[string]any{"workspaceId": long, "role": "guest"}}}, status: 400, code: "invalid_request", field: "workspaces[0].workspaceId"},
		{name: "long search", method: "GET", path: "/v1/users?q=" + strings.Repeat("a", 101), status: 400, code: "invalid_request", field: "q"},
		{name: "long cursor", method: "GET", path: "/v1/users?cursor=" + long, status: 400, code: "invalid_cursor"},
		{name: "long invitation email filter", method: "GET", path: "/v1/invitations?email=" + long + "@example.com", status: 400, code: "invalid_request", field: "email"},
	})
}
