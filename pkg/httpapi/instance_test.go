package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func insights(t *testing.T, e *env) map[string]any {
	t.Helper()
	r := e.call("GET", "/v1/insights", e.admin, nil)
	want(t, r, 200)
	return r.JSON()
}

func num(m map[string]any, path string) float64 {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		v = v.(map[string]any)[k]
	}
	f, _ := v.(float64)
	return f
}

// listTotal counts a listing by walking every page (the independent check).
func listTotal(t *testing.T, e *env, path string) int {
	t.Helper()
	n := 0
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for cur := ""; ; {
		r := e.call("GET", path+sep+"limit=200&cursor="+cur, e.admin, nil)
		want(t, r, 200)
		n += len(items(r))
		next, _ := r.JSON()["nextCursor"].(string)
		if next == "" {
			return n
		}
		cur = next
	}
}

func TestInsightsStayExact(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace(t, "Counted", e.admin)
	a, _ := e.userWithKey(uniq(t, "a"), "editor")
	e.user(uniq(t, "b"), "B", "viewer")
	c := e.user(uniq(t, "c"), "C", "viewer")
	want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+a, e.admin, map[string]any{"role": "member"}), 201)
	want(t, e.call("POST", "/v1/users/"+c+"/deactivate", e.admin, nil), 200)
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "p"), "sendEmail": false}), 201)
	tok := e.call("POST", "/v1/admin-tokens", e.admin, map[string]any{"name": "counted"})
	want(t, tok, 201)
	e.secrets = append(e.secrets, tok.str("secret"))
	// Refused changes count nothing.
	want(t, e.call("POST", "/v1/users", e.admin, map[string]any{"email": "root@example.com", "name": "Dup", "role": "viewer"}), 409, "user_exists")
	want(t, e.call("DELETE", "/v1/workspaces/"+ws+"/members/"+e.adminID, tok.str("secret"), nil), 409, "last_owner")

	in := insights(t, e)
	for path, wantN := range map[string]float64{
		"users.total": 4, "users.active": 3, "users.deactivated": 1, "users.byRole.super_admin": 1, "users.byRole.editor": 1,
		"users.byRole.viewer": 2, "users.byRole.api_user": 0, "workspaces.total": 1, "memberships.total": 2,
		"invitations.pending": 1, "adminTokens.active": 1, "apiKeys.active": 2,
	} {
		if got := num(in, path); got != wantN {
			t.Errorf("%s = %v, want %v", path, got, wantN)
		}
	}
	days := in["requests"].(map[string]any)["last7Days"].([]any)
	if len(days) != 7 || num(in, "requests.today") < 10 || days[6].(map[string]any)["date"] != time.Now().UTC().Format("2006-01-02") {
		t.Errorf("requests: %v", in["requests"])
	}
}

func TestInsightsAfterConcurrentChanges(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace(t, "Busy", e.admin)
	var wg sync.WaitGroup
	ids := make([]string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			role := []string{"viewer", "editor", "operator"}[i%3]
			r := e.call("POST", "/v1/users", e.admin, map[string]any{"email": fmt.Sprintf("busy%d@example.com", i%40), "name": "Busy", "role": role})
			if r.Status == 201 {
				ids[i] = r.str("id")
				e.call("PUT", "/v1/workspaces/"+ws+"/members/"+ids[i], e.admin, map[string]any{"role": "member"})
			}
		}()
	}
	wg.Wait()
	for i := range 50 {
		if ids[i] == "" || i%3 != 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				e.call("DELETE", "/v1/users/"+ids[i], e.admin, nil)
			} else {
				e.call("POST", "/v1/users/"+ids[i]+"/deactivate", e.admin, nil)
			}
		}()
	}
	wg.Wait()
	in := insights(t, e)
	checks := map[string]string{
		"users.total": "/v1/users", "users.active": "/v1/users?status=active", "users.deactivated": "/v1/users?status=deactivated",
		"users.byRole.viewer": "/v1/users?role=viewer", "users.byRole.editor": "/v1/users?role=editor", "users.byRole.operator": "/v1/users?role=operator",
		"workspaces.total": "/v1/workspaces",
	}
	for path, list := range checks {
		if got, listed := num(in, path), listTotal(t, e, list); got != float64(listed) {
			t.Errorf("%s = %v but the listing has %d", path, got, listed)
		}
	}
	if got, listed := num(in, "memberships.total"), listTotal(t, e, "/v1/workspaces/"+ws+"/members"); got != float64(listed) {
		t.Errorf("memberships.total = %v but the members listing has %d", got, listed)
	}
	if got := e.memberCount(t, ws); got != num(in, "memberships.total") {
		t.Errorf("memberCount %v, memberships.total %v", got, num(in, "memberships.total"))
	}
}

func TestAuditTrail(t *testing.T) {
	e := newEnv(t)
	tok := e.call("POST", "/v1/admin-tokens", e.admin, map[string]any{"name": "auditor"})
	want(t, tok, 201)
	secret := tok.str("secret")
	tokID := tok.JSON()["adminToken"].(map[string]any)["id"].(string)
	e.secrets = append(e.secrets, secret)
	created := e.call("POST", "/v1/users", secret, map[string]any{"email": uniq(t, "made"), "name": "Made", "role": "viewer", "password": "a long enough secret"})
	want(t, created, 201)
	uid := created.str("id")
	want(t, e.call("PATCH", "/v1/users/"+uid, e.admin, map[string]any{"role": "editor", "name": "Made Again"}), 200)
	want(t, e.login(t, created.str("email"), "wrong password entirely"), 401, "invalid_credentials")
	inv := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "aud"), "name": "Aud", "sendEmail": false})
	want(t, inv, 201)
	acc := e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": linkToken(t, inv.str("inviteUrl")), "password": "a long enough secret"})
	want(t, acc, 201)
	e.secrets = append(e.secrets, acc.JSON()["session"].(map[string]any)["token"].(string), linkToken(t, inv.str("inviteUrl")))
	ws := e.call("POST", "/v1/workspaces", e.admin, map[string]any{"name": "Audited"})
	want(t, ws, 201)

	all := e.call("GET", "/v1/audit-events?limit=200", e.admin, nil)
	want(t, all, 200)
	for _, leak := range []string{"ushk_", "usha_", "ushs_", "ushi_", "$argon2id$", "a long enough secret", "wrong password"} {
		if strings.Contains(string(all.Body), leak) {
			t.Fatalf("the audit trail contains %q", leak)
		}
	}
	var actions []string
	prev := "9999"
	for _, ev := range items(all) {
		actions = append(actions, ev["action"].(string))
		if at := ev["at"].(string); at > prev {
			t.Fatalf("not newest first: %s after %s", at, prev)
		} else {
			prev = at
		}
	}
	for _, a := range []string{"user.created", "admin_token.created", "user.updated", "user.role_changed", "auth.login_failed", "invitation.created", "invitation.accepted", "workspace.created"} {
		if !strings.Contains(strings.Join(actions, " "), a) {
			t.Errorf("no %s event in %v", a, actions)
		}
	}
	byToken := items(e.call("GET", "/v1/audit-events?actorId="+tokID, e.admin, nil))
	if len(byToken) != 1 || byToken[0]["action"] != "user.created" {
		t.Fatalf("actorId=%s: %v", tokID, byToken)
	}
	actor := byToken[0]["actor"].(map[string]any)
	if actor["type"] != "admin_token" || actor["createdBy"].(map[string]any)["id"] != e.adminID {
		t.Fatalf("admin token actor: %v", actor)
	}
	if byToken[0]["requestId"] != created.Header.Get("X-Request-Id") {
		t.Fatalf("requestId %v, the response said %s", byToken[0]["requestId"], created.Header.Get("X-Request-Id"))
	}
	onUser := items(e.call("GET", "/v1/audit-events?targetId="+uid, e.admin, nil))
	if len(onUser) != 4 { // created, updated, role_changed, login_failed
		t.Fatalf("targetId: %d events: %v", len(onUser), onUser)
	}
	roles := items(e.call("GET", "/v1/audit-events?targetId="+uid+"&action=user.role_changed", e.admin, nil))
	if len(roles) != 1 || roles[0]["details"].(map[string]any)["to"] != "editor" {
		t.Fatalf("role change: %v", roles)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if n := len(items(e.call("GET", "/v1/audit-events?since="+future, e.admin, nil))); n != 0 {
		t.Fatalf("since the future: %d events", n)
	}
	want(t, e.call("GET", "/v1/audit-events?action=user.exploded", e.admin, nil), 400, "invalid_request")
	want(t, e.call("GET", "/v1/audit-events?since=yesterday", e.admin, nil), 400, "invalid_request")
	p1 := e.call("GET", "/v1/audit-events?limit=2", e.admin, nil)
	next, _ := p1.JSON()["nextCursor"].(string)
	p2 := e.call("GET", "/v1/audit-events?limit=2&cursor="+next, e.admin, nil)
	if len(items(p2)) != 2 || items(p2)[0]["id"] == items(p1)[0]["id"] {
		t.Fatalf("audit paging: %s", p2.Body)
	}
}

func TestSettings(t *testing.T) {
	e := newEnv(t)
	d := e.call("GET", "/v1/settings", e.admin, nil)
	want(t, d, 200)
	if num(d.JSON(), "inviteExpiryDays") != 7 || d.str("defaultInviteRole") != "viewer" || num(d.JSON(), "passwordPolicy.minLength") != 12 {
		t.Fatalf("defaults: %s", d.Body)
	}
	bad := e.call("PATCH", "/v1/settings", e.admin, map[string]any{"inviteExpiryDays": 0, "sessionTtlHours": 1000, "defaultInviteRole": "super_admin",
		"passwordPolicy": map[string]any{"minLength": 4}, "allowedEmailDomains": []any{"ok.example", "not a domain"}, "inviteUrlBase": "javascript:alert(1)"})
	want(t, bad, 400, "invalid_request")
	fields := map[string]bool{}
	for _, fe := range bad.JSON()["errors"].([]any) {
		fields[fe.(map[string]any)["field"].(string)] = true
	}
	for _, f := range []string{"inviteExpiryDays", "sessionTtlHours", "defaultInviteRole", "passwordPolicy.minLength", "allowedEmailDomains[1]", "inviteUrlBase"} {
		if !fields[f] {
			t.Errorf("errors do not name %s: %s", f, bad.Body)
		}
	}
	want(t, e.call("PATCH", "/v1/settings", e.admin, map[string]any{"inviteExpiryDays": 3, "colour": "blue"}), 400, "invalid_request")
	want(t, e.call("PATCH", "/v1/settings", e.admin, map[string]any{"inviteExpiryDays": nil}), 400, "invalid_request")
	want(t, e.call("PATCH", "/v1/settings", e.admin, map[string]any{"inviteExpiryDays": "3"}), 400, "invalid_request")
	if g := e.call("GET", "/v1/settings", e.admin, nil); num(g.JSON(), "inviteExpiryDays") != 7 {
		t.Fatal("a refused PATCH changed the settings")
	}

	up := e.call("PATCH", "/v1/settings", e.admin, map[string]any{"inviteExpiryDays": 3, "passwordPolicy": map[string]any{"requireSymbol": true}})
	want(t, up, 200)
	if num(up.JSON(), "inviteExpiryDays") != 3 || num(up.JSON(), "passwordPolicy.minLength") != 12 {
		t.Fatalf("after PATCH: %s", up.Body)
	}
	// In force on the next request.
	r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "s"), "sendEmail": false})
	want(t, r, 201)
	exp, _ := time.Parse(time.RFC3339, r.JSON()["invitation"].(map[string]any)["expiresAt"].(string))
	if d := time.Until(exp); d < 71*time.Hour || d > 73*time.Hour {
		t.Fatalf("with inviteExpiryDays 3 the invitation expires in %v", d)
	}
	want(t, e.call("POST", "/v1/password/validate", "", map[string]any{"password": "no symbols in here at all"}), 400, "weak_password")
	// Overrides accumulate; nested objects merge.
	want(t, e.call("PATCH", "/v1/settings", e.admin, map[string]any{"passwordPolicy": map[string]any{"minLength": 20}}), 200)
	g := e.call("GET", "/v1/settings", e.admin, nil)
	if num(g.JSON(), "inviteExpiryDays") != 3 || num(g.JSON(), "passwordPolicy.minLength") != 20 || g.JSON()["passwordPolicy"].(map[string]any)["requireSymbol"] != true {
		t.Fatalf("merged: %s", g.Body)
	}
	reset := e.call("POST", "/v1/settings/reset", e.admin, nil)
	want(t, reset, 200)
	if num(reset.JSON(), "inviteExpiryDays") != 7 || num(reset.JSON(), "passwordPolicy.minLength") != 12 {
		t.Fatalf("after reset: %s", reset.Body)
	}
	ev := items(e.call("GET", "/v1/audit-events?action=settings.updated", e.admin, nil))
	if len(ev) != 2 {
		t.Fatalf("settings.updated events: %v", ev)
	}
	if n := len(items(e.call("GET", "/v1/audit-events?action=settings.reset", e.admin, nil))); n != 1 {
		t.Fatalf("settings.reset events: %d", n)
	}
	_, viewerKey := e.userWithKey(uniq(t, "v"), "viewer")
	want(t, e.call("PATCH", "/v1/settings", viewerKey, map[string]any{"inviteExpiryDays": 30}), 403, "forbidden")
}

func TestSettingsAreNormalisedAndConditional(t *testing.T) {
	e := newEnv(t)
	g := e.call("GET", "/v1/settings", e.admin, nil)
	tag := g.Header.Get("ETag")
	up := e.call("PATCH", "/v1/settings", e.admin, map[string]any{"instanceName": "  Padded  ", "senderEmail": " Ops@Example.COM",
		"allowedEmailDomains": []any{"Example.com "}}, "If-Match", tag)
	want(t, up, 200)
	if up.str("instanceName") != "Padded" || up.str("senderEmail") != "ops@example.com" || up.JSON()["allowedEmailDomains"].([]any)[0] != "example.com" {
		t.Fatalf("not normalised: %s", up.Body)
	}
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": "someone@EXAMPLE.com", "sendEmail": false}), 201)
	want(t, e.call("PATCH", "/v1/settings", e.admin, map[string]any{"instanceName": "Stale"}, "If-Match", tag), 412, "precondition_failed")
	want(t, e.call("PATCH", "/v1/settings", e.admin, map[string]any{}), 400, "invalid_request")
	want(t, e.call("PATCH", "/v1/settings", e.admin, map[string]any{"passwordPolicy": map[string]any{}}), 400, "invalid_request")
	if n := len(items(e.call("GET", "/v1/audit-events?action=settings.updated", e.admin, nil))); n != 1 {
		t.Fatalf("%d settings.updated events, want 1", n)
	}
}
