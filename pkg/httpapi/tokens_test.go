package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usherhq/usher/pkg/token"
)

// gateway asserts one of API Gateway's own answers.
func gateway(t *testing.T, r resp, status int, msg string) {
	t.Helper()
	if r.Status != status || string(r.Body) != `{"message":"`+msg+`"}` || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q (%s), want %d {\"message\":%q}", r.Status, r.Body, r.Header.Get("Content-Type"), status, msg)
	}
}

func TestGatewayBehaviour(t *testing.T) {
	e := newEnv(t)
	gateway(t, e.call("GET", "/v1/users", "", nil), 401, "Unauthorized")
	for name, tok := range map[string]string{
		"garbage":          "hello",
		"bad checksum":     flipLast(e.admin),
		"unknown":          token.New(token.APIKey),
		"unknown admin":    token.New(token.Admin),
		"invite as bearer": token.New(token.Invite),
		"reset as bearer":  token.New(token.Reset),
		"kind swapped":     "usha_" + e.admin[5:],
	} {
		t.Run(name, func(t *testing.T) { gateway(t, e.call("GET", "/v1/users", tok, nil), 403, "Forbidden") })
	}
	r := e.call("GET", "/v1/users", "", nil, "Authorization", "Basic "+e.admin)
	gateway(t, r, 403, "Forbidden")
	gateway(t, e.call("GET", "/v1/nope", e.admin, nil), 404, "Not Found")
	gateway(t, e.call("PUT", "/v1/users", e.admin, nil), 404, "Not Found")
	// Tokens only count in the header.
	gateway(t, e.call("GET", "/v1/users?access_token="+e.admin, "", nil), 401, "Unauthorized")
	// Public routes need nothing.
	h := e.call("GET", "/v1/health", "", nil)
	want(t, h, 200)
	if h.str("status") != "ok" {
		t.Fatalf("health: %s", h.Body)
	}
	doc := e.call("GET", "/v1/openapi.json", "", nil)
	want(t, doc, 200)
	if !strings.HasPrefix(doc.str("openapi"), "3.1") {
		t.Fatalf("openapi.json: %.200s", doc.Body)
	}
}

func TestAPIKeysLifecycle(t *testing.T) {
	e := newEnv(t)
	id, key := e.userWithKey("dev@example.com", "viewer")
	if _, err := token.Parse(key); err != nil || !strings.HasPrefix(key, "ushk_") {
		t.Fatalf("key %q is not a well-formed API key", key)
	}
	want(t, e.call("GET", "/v1/me", key, nil), 200)

	// Own keys: create with expiry, list (no secrets), rotate, delete.
	c := e.call("POST", "/v1/me/api-keys", key, map[string]any{"name": "ci", "expiresInDays": 30})
	want(t, c, 201)
	ci := c.JSON()["apiKey"].(map[string]any)
	ciSecret := c.str("secret")
	e.secrets = append(e.secrets, ciSecret)
	exp, _ := time.Parse(time.RFC3339, ci["expiresAt"].(string))
	if d := time.Until(exp); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Fatalf("expiresAt %v is not 30 days out", ci["expiresAt"])
	}
	if !strings.HasPrefix(ciSecret, ci["prefix"].(string)) {
		t.Fatalf("prefix %v is not the start of the secret", ci["prefix"])
	}
	want(t, e.call("GET", "/v1/me", ciSecret, nil), 200)
	list := e.call("GET", "/v1/me/api-keys", key, nil)
	want(t, list, 200)
	if n := len(items(list)); n != 2 || strings.Contains(string(list.Body), ciSecret) || strings.Contains(string(list.Body), key) {
		t.Fatalf("list: %d keys (want 2), body %s", n, list.Body)
	}
	for _, k := range items(list) {
		if k["id"] != ci["id"] && k["lastUsedAt"] == nil {
			t.Errorf("the key in use has no lastUsedAt: %v", k)
		}
	}

	rot := e.call("POST", "/v1/me/api-keys/"+ci["id"].(string)+"/rotate", key, nil)
	want(t, rot, 200)
	newSecret := rot.str("secret")
	e.secrets = append(e.secrets, newSecret)
	if newSecret == ciSecret || rot.JSON()["apiKey"].(map[string]any)["id"] != ci["id"] {
		t.Fatalf("rotate: %s", rot.Body)
	}
	gateway(t, e.call("GET", "/v1/me", ciSecret, nil), 403, "Forbidden")
	want(t, e.call("GET", "/v1/me", newSecret, nil), 200)

	want(t, e.call("DELETE", "/v1/me/api-keys/"+ci["id"].(string), key, nil), 204)
	gateway(t, e.call("GET", "/v1/me", newSecret, nil), 403, "Forbidden")
	want(t, e.call("DELETE", "/v1/me/api-keys/"+ci["id"].(string), key, nil), 404, "not_found")
	want(t, e.call("POST", "/v1/me/api-keys/nope/rotate", key, nil), 404, "not_found")

	// Validation.
	want(t, e.call("POST", "/v1/me/api-keys", key, map[string]any{"name": "x", "expiresInDays": 366}), 400, "invalid_request")
	want(t, e.call("POST", "/v1/me/api-keys", key, map[string]any{"name": "x", "expiresInDays": 0}), 400, "invalid_request")
	want(t, e.call("POST", "/v1/me/api-keys", key, map[string]any{"expiresInDays": 1}), 400, "invalid_request")
	want(t, e.call("POST", "/v1/me/api-keys", key, map[string]any{"name": "x", "userId": e.adminID}), 400, "invalid_request")

	// A viewer cannot manage another user's keys.
	want(t, e.call("GET", "/v1/users/"+e.adminID+"/api-keys", key, nil), 403, "forbidden")
	want(t, e.call("POST", "/v1/users/"+e.adminID+"/api-keys", key, map[string]any{"name": "x"}), 403, "forbidden")

	// The cap keeps every user change within one transaction.
	for i := 0; i < 10; i++ {
		r := e.call("POST", "/v1/users/"+id+"/api-keys", e.admin, map[string]any{"name": "bulk"})
		if r.Status == 409 {
			want(t, r, 409, "too_many_api_keys")
			break
		}
		want(t, r, 201)
		e.secrets = append(e.secrets, r.str("secret"))
	}
	want(t, e.call("POST", "/v1/users/"+id+"/api-keys", e.admin, map[string]any{"name": "one too many"}), 409, "too_many_api_keys")
	want(t, e.call("GET", "/v1/users/nope/api-keys", e.admin, nil), 404, "not_found")

	// Paging through a user's keys.
	p1 := e.call("GET", "/v1/users/"+id+"/api-keys?limit=4", e.admin, nil)
	c1, _ := p1.JSON()["nextCursor"].(string)
	if len(items(p1)) != 4 || c1 == "" {
		t.Fatalf("page 1: %s", p1.Body)
	}
	want(t, e.call("GET", "/v1/users/"+e.adminID+"/api-keys?limit=4&cursor="+c1, e.admin, nil), 400, "invalid_cursor")
}

func TestExpiredKeysAreRefusedAtUse(t *testing.T) {
	e := newEnv(t)
	r := e.call("POST", "/v1/me/api-keys", e.admin, map[string]any{"name": "short", "expiresInDays": 1})
	want(t, r, 201)
	short := r.str("secret")
	e.secrets = append(e.secrets, short)
	want(t, e.call("GET", "/v1/me", short, nil), 200)
	e.setClock(time.Now().Add(24*time.Hour + time.Minute))
	gateway(t, e.call("GET", "/v1/me", short, nil), 403, "Forbidden")
	want(t, e.call("GET", "/v1/me", e.admin, nil), 200) // no expiry
}

func TestDeactivatedAndDeletedUsersTokensStop(t *testing.T) {
	e := newEnv(t)
	id, key := e.userWithKey("leaver@example.com", "editor")
	second := e.key(id)
	want(t, e.call("GET", "/v1/users", key, nil), 200)
	d := e.call("POST", "/v1/users/"+id+"/deactivate", e.admin, nil)
	want(t, d, 200)
	if d.str("status") != "deactivated" {
		t.Fatalf("deactivate: %s", d.Body)
	}
	for _, k := range []string{key, second} {
		gateway(t, e.call("GET", "/v1/users", k, nil), 403, "Forbidden")
	}
	want(t, e.call("POST", "/v1/users/"+id+"/deactivate", e.admin, nil), 200) // idempotent
	want(t, e.call("POST", "/v1/users/"+id+"/reactivate", e.admin, nil), 200)
	want(t, e.call("GET", "/v1/users", key, nil), 200)
	// A role change reaches the token at once.
	want(t, e.call("PATCH", "/v1/users/"+id, e.admin, map[string]any{"role": "api_user"}), 200)
	want(t, e.call("GET", "/v1/users", key, nil), 403, "forbidden")
	want(t, e.call("DELETE", "/v1/users/"+id, e.admin, nil), 204)
	for _, k := range []string{key, second} {
		gateway(t, e.call("GET", "/v1/me", k, nil), 403, "Forbidden")
	}
}

func TestAdminTokens(t *testing.T) {
	e := newEnv(t)
	c := e.call("POST", "/v1/admin-tokens", e.admin, map[string]any{"name": "terraform", "expiresInDays": 90})
	want(t, c, 201)
	tok := c.JSON()["adminToken"].(map[string]any)
	secret := c.str("secret")
	e.secrets = append(e.secrets, secret)
	if !strings.HasPrefix(secret, "usha_") {
		t.Fatalf("secret %q", secret)
	}
	by := tok["createdBy"].(map[string]any)
	if by["type"] != "user" || by["id"] != e.adminID || by["email"] != "root@example.com" {
		t.Fatalf("createdBy = %v", by)
	}
	noExp := e.call("POST", "/v1/admin-tokens", e.admin, map[string]any{"name": "forever", "expiresInDays": nil})
	want(t, noExp, 201)
	e.secrets = append(e.secrets, noExp.str("secret"))
	if noExp.JSON()["adminToken"].(map[string]any)["expiresAt"] != nil {
		t.Fatalf("null expiry: %s", noExp.Body)
	}
	for _, bad := range []any{1, 45, 365, "30"} {
		want(t, e.call("POST", "/v1/admin-tokens", e.admin, map[string]any{"name": "x", "expiresInDays": bad}), 400, "invalid_request")
	}

	// The token acts as an admin: it manages users but never super_admins, and has no profile.
	want(t, e.call("GET", "/v1/users", secret, nil), 200)
	u := e.call("POST", "/v1/users", secret, map[string]any{"email": "bot-made@example.com", "name": "Bot Made", "role": "viewer"})
	want(t, u, 201)
	if ib := u.JSON()["invitedBy"].(map[string]any); ib["type"] != "admin_token" || ib["id"] != tok["id"] {
		t.Fatalf("invitedBy = %v", ib)
	}
	want(t, e.call("POST", "/v1/users", secret, map[string]any{"email": "s@example.com", "name": "S", "role": "super_admin"}), 403, "forbidden")
	want(t, e.call("GET", "/v1/me", secret, nil), 403, "forbidden")

	list := e.call("GET", "/v1/admin-tokens", e.admin, nil)
	want(t, list, 200)
	if len(items(list)) != 2 || strings.Contains(string(list.Body), secret) {
		t.Fatalf("list: %s", list.Body)
	}
	for _, it := range items(list) {
		if it["id"] == tok["id"] && it["lastUsedAt"] == nil {
			t.Errorf("used token has no lastUsedAt: %v", it)
		}
	}

	want(t, e.call("DELETE", "/v1/admin-tokens/"+tok["id"].(string), e.admin, nil), 204)
	gateway(t, e.call("GET", "/v1/users", secret, nil), 403, "Forbidden")
	want(t, e.call("DELETE", "/v1/admin-tokens/"+tok["id"].(string), e.admin, nil), 404, "not_found")
	// A token may revoke itself.
	self := noExp.JSON()["adminToken"].(map[string]any)["id"].(string)
	want(t, e.call("DELETE", "/v1/admin-tokens/"+self, noExp.str("secret"), nil), 204)
	gateway(t, e.call("GET", "/v1/users", noExp.str("secret"), nil), 403, "Forbidden")
}

func TestMeAndRoles(t *testing.T) {
	e := newEnv(t)
	_, key := e.userWithKey("bot@example.com", "api_user")
	me := e.call("GET", "/v1/me", key, nil)
	want(t, me, 200)
	if me.str("email") != "bot@example.com" || me.JSON()["workspaces"] == nil {
		t.Fatalf("me: %s", me.Body)
	}
	up := e.call("PATCH", "/v1/me", key, map[string]any{"name": "  Build Bot "})
	want(t, up, 200)
	if up.str("name") != "Build Bot" {
		t.Fatalf("PATCH /v1/me: %s", up.Body)
	}
	want(t, e.call("PATCH", "/v1/me", key, map[string]any{"name": ""}), 400, "invalid_request")
	want(t, e.call("GET", "/v1/roles", key, nil), 403, "forbidden")
	roles := e.call("GET", "/v1/roles", e.admin, nil)
	want(t, roles, 200)
	inst := roles.JSON()["instanceRoles"].([]any)
	ws := roles.JSON()["workspaceRoles"].([]any)
	if len(inst) != 6 || len(ws) != 4 || inst[0].(map[string]any)["name"] != "super_admin" {
		t.Fatalf("roles: %s", roles.Body)
	}
	_ = http.StatusOK
}

// flipLast changes the last character of a token, breaking its checksum.
func flipLast(s string) string {
	if s[len(s)-1] == 'x' {
		return s[:len(s)-1] + "y"
	}
	return s[:len(s)-1] + "x"
}
