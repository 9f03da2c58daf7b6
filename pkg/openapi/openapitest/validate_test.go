package openapitest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/usherhq/usher/pkg/openapi"
	"github.com/usherhq/usher/pkg/routes"
)

func newValidator(t *testing.T) *Validator {
	t.Helper()
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDocumentLoadsAndValidates(t *testing.T) {
	doc, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Error("kin-openapi does not treat the document as OpenAPI 3.1")
	}
	if doc.Info.Title != "Usher" || doc.Info.Version != "0.1.0" {
		t.Errorf("info = %q %q", doc.Info.Title, doc.Info.Version)
	}
	// The JSON form must load and validate as well: it is what clients get.
	loader := openapi3.NewLoader()
	fromJSON, err := loader.LoadFromData(openapi.JSON())
	if err != nil {
		t.Fatalf("loading openapi.JSON(): %v", err)
	}
	if err := fromJSON.Validate(loader.Context); err != nil {
		t.Fatalf("validating openapi.JSON(): %v", err)
	}
}

func TestSecurity(t *testing.T) {
	doc, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Fatalf("global security = %v, want [{bearer: []}]", doc.Security)
	}
	for _, r := range routes.All {
		item := doc.Paths.Find(r.Path)
		if item == nil || item.GetOperation(r.Method) == nil {
			continue // reported by TestRoutesMatchDocument
		}
		op := item.GetOperation(r.Method)
		public := op.Security != nil && len(*op.Security) == 0
		if public != r.Public() {
			t.Errorf("%s: public in document = %v, in routes.All = %v", r.Name, public, r.Public())
		}
		if !r.Public() {
			for _, code := range []int{401, 403} {
				if op.Responses.Status(code) == nil {
					t.Errorf("%s: no %d response", r.Name, code)
				}
			}
		}
		for code, resp := range op.Responses.Map() {
			if resp.Value.Headers["X-Request-Id"] == nil || resp.Value.Headers["Cache-Control"] == nil {
				t.Errorf("%s %s: X-Request-Id or Cache-Control not documented", r.Name, code)
			}
		}
	}
}

// --- Validator ---------------------------------------------------------------

func stdHeader(contentType string) http.Header {
	h := http.Header{}
	h.Set("X-Request-Id", "req-1")
	h.Set("Cache-Control", "no-store")
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return h
}

func withETag(h http.Header) http.Header {
	h.Set("ETag", `"v1"`)
	return h
}

const validUser = `{"id":"u_1","email":"ada@example.com","name":"Ada","role":"admin","status":"active",
"createdAt":"2026-11-22T10:00:00.000Z","updatedAt":"2026-11-22T10:00:00.000Z",
"lastLoginAt":null,"invitedBy":{"type":"user","id":"u_0"}}`

func withField(t *testing.T, doc, field string, value any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	m[field] = value
	b, _ := json.Marshal(m)
	return string(b)
}

func withoutField(t *testing.T, doc, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, field)
	b, _ := json.Marshal(m)
	return string(b)
}

func TestValidateResponse(t *testing.T) {
	v := newValidator(t)
	key := `{"id":"k_1","name":"ci","prefix":"ushk_AbCd","createdAt":"2026-11-22T10:00:00.000Z","expiresAt":null,"lastUsedAt":null}`
	keySecret := `{"apiKey":` + key + `,"secret":"ushk_` + strings.Repeat("a", 38) + `"}`
	token := `{"id":"t_1","name":"ops","createdBy":{"type":"user","id":"u_1","email":"ada@example.com"},"createdAt":"2026-11-22T10:00:00.000Z","expiresAt":"2026-12-22T10:00:00.000Z","lastUsedAt":null}`
	problem := func(status int, code string) string {
		return `{"type":"about:blank","title":"` + http.StatusText(status) + `","status":` + itoa(status) + `,"code":"` + code + `","detail":"x"}`
	}
	inv := `{"id":"i_1","email":"bo@example.com","name":null,"role":"viewer","workspaces":[],"status":"pending",` +
		`"createdAt":"2026-11-22T10:00:00.000Z","expiresAt":"2026-11-29T10:00:00.000Z","invitedBy":{"type":"admin_token","id":"t_1"},` +
		`"acceptedAt":null,"userId":null,"emailStatus":"sent","sendCount":1,"lastSentAt":"2026-11-22T10:00:00.000Z"}`
	inviteURL := "https://app.example.com/invite?token=ushi_" + strings.Repeat("b", 38)
	sent := `{"invitation":` + inv + `,"inviteUrl":"` + inviteURL + `","emailSent":true}`
	session := "ushs_" + strings.Repeat("c", 38)
	withRetry := func(h http.Header) http.Header {
		h.Set("Retry-After", "60")
		return h
	}
	ws := `{"id":"w_1","name":"Ops","description":"","memberCount":1,"createdAt":"2026-11-22T10:00:00.000Z",` +
		`"updatedAt":"2026-11-22T10:00:00.000Z","createdBy":{"type":"user","id":"u_1"}}`
	member := `{"user":{"id":"u_2","email":"bo@example.com","name":"Bo"},"role":"member","addedAt":"2026-11-22T10:00:00.000Z"}`
	membership := `{"workspace":{"id":"w_1","name":"Ops"},"role":"owner","addedAt":"2026-11-22T10:00:00.000Z"}`
	me := withField(t, validUser, "workspaces", []any{
		map[string]any{"workspace": map[string]any{"id": "w_1", "name": "Ops"}, "role": "owner", "addedAt": "2026-11-22T10:00:00.000Z"},
	})
	replayed := func(h http.Header, v string) http.Header {
		h.Set("Idempotent-Replayed", v)
		return h
	}
	days := `[{"date":"2026-11-16","count":0},{"date":"2026-11-17","count":3},{"date":"2026-11-18","count":0},{"date":"2026-11-19","count":0},` +
		`{"date":"2026-11-20","count":12},{"date":"2026-11-21","count":0},{"date":"2026-11-22","count":5}]`
	insights := func(byRole, last7Days string) string {
		return `{"users":{"total":3,"active":2,"deactivated":1,"byRole":` + byRole + `},"workspaces":{"total":1},"memberships":{"total":2},` +
			`"invitations":{"pending":0},"adminTokens":{"active":1},"apiKeys":{"active":4},"requests":{"today":5,"last7Days":` + last7Days + `}}`
	}
	roles := `{"super_admin":1,"admin":1,"editor":0,"operator":0,"viewer":1,"api_user":0}`
	event := func(action, actor string) string {
		return `{"id":"e_1","at":"2026-11-22T10:00:00.000Z","action":"` + action + `","actor":` + actor +
			`,"target":{"type":"user","id":"u_2"},"details":{"role":"viewer"},"requestId":"req-1"}`
	}
	auditPage := func(items ...string) string {
		return `{"items":[` + strings.Join(items, ",") + `],"nextCursor":null,"total":null}`
	}
	settings := `{"instanceName":"Usher","senderEmail":"usher@example.com","inviteUrlBase":"https://console.example.com/accept",` +
		`"passwordResetUrlBase":"https://console.example.com/reset","inviteExpiryDays":7,"defaultInviteRole":"viewer","allowedEmailDomains":[],` +
		`"sessionTtlHours":12,"passwordPolicy":{"minLength":12,"requireUppercase":false,"requireLowercase":false,"requireNumber":false,` +
		`"requireSymbol":false,"rejectCommon":true},"invitesPerHourPerActor":100,"loginLockout":{"maxAttempts":10,"lockMinutes":15}}`

	tests := []struct {
		name   string
		method string
		path   string
		status int
		header http.Header
		body   string
		ok     bool
	}{
		// Successes.
		{"health", "GET", "/v1/health", 200, stdHeader("application/json"), `{"status":"ok","version":"0.1.0"}`, true},
		{"health wrong const", "GET", "/v1/health", 200, stdHeader("application/json"), `{"status":"degraded","version":"0.1.0"}`, false},
		{"health 503", "GET", "/v1/health", 503, func() http.Header {
			h := stdHeader("application/problem+json")
			h.Set("Retry-After", "5")
			return h
		}(), problem(503, "unavailable"), true},
		{"503 without Retry-After", "GET", "/v1/health", 503, stdHeader("application/problem+json"), problem(503, "unavailable"), false},
		{"openapi", "GET", "/v1/openapi.json", 200, stdHeader("application/json"), string(openapi.JSON()), true},
		{"roles", "GET", "/v1/roles", 200, stdHeader("application/json"),
			`{"instanceRoles":[{"name":"admin","description":"Admin","permissions":["users:read"]}],"workspaceRoles":[]}`, true},
		{"user", "GET", "/v1/users/u_1", 200, withETag(stdHeader("application/json")), validUser, true},
		{"user absolute URL and charset", "GET", "http://127.0.0.1:3000/v1/users/u_1", 200,
			withETag(stdHeader("application/json; charset=utf-8")), validUser, true},
		{"user lastLoginAt set, invitedBy null", "GET", "/v1/users/u_1", 200, withETag(stdHeader("application/json")),
			withField(t, withField(t, validUser, "lastLoginAt", "2026-11-22T11:00:00.000Z"), "invitedBy", nil), true},
		{"user created", "POST", "/v1/users", 201, withETag(stdHeader("application/json")), validUser, true},
		{"user created with Location", "POST", "/v1/users", 201, func() http.Header {
			h := withETag(stdHeader("application/json"))
			h.Set("Location", "/v1/users/u_1")
			return h
		}(), validUser, true},
		{"user updated", "PATCH", "/v1/users/u_1", 200, withETag(stdHeader("application/json")), validUser, true},
		{"user deactivated", "POST", "/v1/users/u_1/deactivate", 200, withETag(stdHeader("application/json")),
			withField(t, validUser, "status", "deactivated"), true},
		{"user reactivated", "POST", "/v1/users/u_1/reactivate", 200, withETag(stdHeader("application/json")), validUser, true},
		{"user deleted", "DELETE", "/v1/users/u_1", 204, stdHeader(""), ``, true},
		{"users page", "GET", "/v1/users?limit=10", 200, stdHeader("application/json"),
			`{"items":[` + validUser + `],"nextCursor":"abc","total":null}`, true},
		{"users last page", "GET", "/v1/users", 200, stdHeader("application/json"), `{"items":[],"nextCursor":null,"total":0}`, true},
		{"me", "GET", "/v1/me", 200, stdHeader("application/json"), me, true},
		{"me updated", "PATCH", "/v1/me", 200, stdHeader("application/json"), me, true},
		{"api keys page", "GET", "/v1/users/u_1/api-keys", 200, stdHeader("application/json"),
			`{"items":[` + key + `],"nextCursor":null,"total":1}`, true},
		{"api key created", "POST", "/v1/users/u_1/api-keys", 201, stdHeader("application/json"), keySecret, true},
		{"api key rotated", "POST", "/v1/me/api-keys/k_1/rotate", 200, stdHeader("application/json"), keySecret, true},
		{"api key deleted", "DELETE", "/v1/me/api-keys/k_1", 204, stdHeader(""), ``, true},
		{"admin token created", "POST", "/v1/admin-tokens", 201, stdHeader("application/json"),
			`{"adminToken":` + token + `,"secret":"usha_` + strings.Repeat("Z", 38) + `"}`, true},
		{"admin tokens page", "GET", "/v1/admin-tokens", 200, stdHeader("application/json"),
			`{"items":[` + token + `],"nextCursor":null,"total":1}`, true},
		{"admin token deleted", "DELETE", "/v1/admin-tokens/t_1", 204, stdHeader(""), ``, true},

		{"invitation created", "POST", "/v1/invitations", 201, func() http.Header {
			h := stdHeader("application/json")
			h.Set("Location", "/v1/invitations/i_1")
			return h
		}(), sent, true},
		{"invitation created, email failed", "POST", "/v1/invitations", 201, stdHeader("application/json"),
			`{"invitation":` + withField(t, inv, "emailStatus", "failed") + `,"inviteUrl":"` + inviteURL + `","emailSent":false,"emailError":"x"}`, true},
		{"invitation created, bad link", "POST", "/v1/invitations", 201, stdHeader("application/json"),
			`{"invitation":` + inv + `,"inviteUrl":"https://app.example.com/invite","emailSent":true}`, false},
		{"invitation with a token hash", "GET", "/v1/invitations/i_1", 200, stdHeader("application/json"), withField(t, inv, "tokenHash", "x"), false},
		{"invitation accepted", "GET", "/v1/invitations/i_1", 200, stdHeader("application/json"),
			withField(t, withField(t, withField(t, inv, "status", "accepted"), "acceptedAt", "2026-11-23T10:00:00.000Z"), "userId", "u_2"), true},
		{"invitation bad inviter", "GET", "/v1/invitations/i_1", 200, stdHeader("application/json"),
			withField(t, inv, "invitedBy", map[string]any{"type": "system", "id": "x"}), false},
		{"invitation without sendCount", "GET", "/v1/invitations/i_1", 200, stdHeader("application/json"), withoutField(t, inv, "sendCount"), false},
		{"invitations page", "GET", "/v1/invitations?status=pending", 200, stdHeader("application/json"),
			`{"items":[` + inv + `],"nextCursor":null,"total":1}`, true},
		{"invitations page null total", "GET", "/v1/invitations", 200, stdHeader("application/json"),
			`{"items":[],"nextCursor":null,"total":null}`, false},
		{"invitation revoked", "DELETE", "/v1/invitations/i_1", 204, stdHeader(""), ``, true},
		{"invitation resent", "POST", "/v1/invitations/i_1/resend", 200, stdHeader("application/json"), sent, true},
		{"batch", "POST", "/v1/invitations/batch", 200, stdHeader("application/json"),
			`{"results":[{"email":"bo@example.com","status":201,"invitation":` + inv + `,"inviteUrl":"` + inviteURL + `","emailSent":true},` +
				`{"email":"","status":400,"error":{"code":"invalid_request","detail":"x","errors":[{"field":"email","message":"is required"}]}},` +
				`{"email":"cy@example.com","status":409,"error":{"code":"invitation_exists","detail":"x"}}]}`, true},
		{"batch failure with an invitation", "POST", "/v1/invitations/batch", 200, stdHeader("application/json"),
			`{"results":[{"email":"bo@example.com","status":409,"invitation":` + inv + `,"error":{"code":"user_exists","detail":"x"}}]}`, false},
		{"preview", "POST", "/v1/invitations/preview", 200, stdHeader("application/json"),
			`{"email":"bo@example.com","name":"Bo","role":"viewer","workspaces":[{"id":"w_1","name":"Ops","role":"member"}],` +
				`"expiresAt":"2026-11-29T10:00:00.000Z","invitedBy":{"type":"user","id":"u_1"}}`, true},
		{"accepted", "POST", "/v1/invitations/accept", 201, stdHeader("application/json"),
			`{"user":` + validUser + `,"session":{"token":"` + session + `","expiresAt":"2026-11-22T22:00:00.000Z"}}`, true},
		{"accepted, bad session token", "POST", "/v1/invitations/accept", 201, stdHeader("application/json"),
			`{"user":` + validUser + `,"session":{"token":"ushk_` + strings.Repeat("c", 38) + `","expiresAt":"2026-11-22T22:00:00.000Z"}}`, false},
		{"login", "POST", "/v1/auth/login", 200, stdHeader("application/json"),
			`{"token":"` + session + `","expiresAt":"2026-11-22T22:00:00.000Z","user":` + validUser + `}`, true},
		{"logout", "POST", "/v1/auth/logout", 204, stdHeader(""), ``, true},
		{"password valid", "POST", "/v1/password/validate", 200, stdHeader("application/json"), `{"valid":true}`, true},
		{"password invalid as 200", "POST", "/v1/password/validate", 200, stdHeader("application/json"), `{"valid":false}`, false},
		{"password set", "PUT", "/v1/users/u_1/password", 204, stdHeader(""), ``, true},
		{"own password set", "PUT", "/v1/me/password", 204, stdHeader(""), ``, true},
		{"reset requested", "POST", "/v1/users/u_1/password-reset", 202, stdHeader("application/json"),
			`{"emailSent":false,"resetUrl":"https://app.example.com/reset?token=ushr_` + strings.Repeat("d", 38) + `"}`, true},
		{"reset completed", "POST", "/v1/password-reset/complete", 204, stdHeader(""), ``, true},

		// Workspaces.
		{"workspace created", "POST", "/v1/workspaces", 201, func() http.Header {
			h := withETag(stdHeader("application/json"))
			h.Set("Location", "/v1/workspaces/w_1")
			return h
		}(), ws, true},
		{"workspace created without ETag", "POST", "/v1/workspaces", 201, stdHeader("application/json"), ws, false},
		{"workspace", "GET", "/v1/workspaces/w_1", 200, withETag(stdHeader("application/json")), ws, true},
		{"workspace by an admin token, described", "GET", "/v1/workspaces/w_1", 200, withETag(stdHeader("application/json")),
			withField(t, withField(t, ws, "createdBy", map[string]any{"type": "admin_token", "id": "t_1"}), "description", "The ops team"), true},
		{"workspace with a version", "GET", "/v1/workspaces/w_1", 200, withETag(stdHeader("application/json")), withField(t, ws, "version", 1), false},
		{"workspace null description", "GET", "/v1/workspaces/w_1", 200, withETag(stdHeader("application/json")), withField(t, ws, "description", nil), false},
		{"workspace negative memberCount", "GET", "/v1/workspaces/w_1", 200, withETag(stdHeader("application/json")), withField(t, ws, "memberCount", -1), false},
		{"workspace bad creator", "GET", "/v1/workspaces/w_1", 200, withETag(stdHeader("application/json")),
			withField(t, ws, "createdBy", map[string]any{"type": "system", "id": "x"}), false},
		{"workspace without memberCount", "GET", "/v1/workspaces/w_1", 200, withETag(stdHeader("application/json")), withoutField(t, ws, "memberCount"), false},
		{"workspace updated", "PATCH", "/v1/workspaces/w_1", 200, withETag(stdHeader("application/json")), ws, true},
		{"workspace deleted", "DELETE", "/v1/workspaces/w_1", 204, stdHeader(""), ``, true},
		{"workspace 412", "DELETE", "/v1/workspaces/w_1", 412, stdHeader("application/problem+json"), problem(412, "precondition_failed"), true},
		{"workspaces page", "GET", "/v1/workspaces", 200, stdHeader("application/json"), `{"items":[` + ws + `],"nextCursor":null,"total":1}`, true},
		{"workspaces search page", "GET", "/v1/workspaces?q=ops", 200, stdHeader("application/json"), `{"items":[` + ws + `],"nextCursor":"c","total":null}`, true},
		{"members page", "GET", "/v1/workspaces/w_1/members?role=member", 200, stdHeader("application/json"),
			`{"items":[` + member + `],"nextCursor":null,"total":null}`, true},
		{"members page with a membership", "GET", "/v1/workspaces/w_1/members", 200, stdHeader("application/json"),
			`{"items":[` + membership + `],"nextCursor":null,"total":null}`, false},
		{"member added", "PUT", "/v1/workspaces/w_1/members/u_2", 201, stdHeader("application/json"), member, true},
		{"member changed", "PUT", "/v1/workspaces/w_1/members/u_2", 200, stdHeader("application/json"), withField(t, member, "role", "admin"), true},
		{"member bad role", "PUT", "/v1/workspaces/w_1/members/u_2", 200, stdHeader("application/json"), withField(t, member, "role", "viewer"), false},
		{"member removed", "DELETE", "/v1/workspaces/w_1/members/u_2", 204, stdHeader(""), ``, true},
		{"user workspaces page", "GET", "/v1/users/u_1/workspaces", 200, stdHeader("application/json"),
			`{"items":[` + membership + `],"nextCursor":null,"total":null}`, true},
		{"user workspaces page of workspaces", "GET", "/v1/users/u_1/workspaces", 200, stdHeader("application/json"),
			`{"items":[` + ws + `],"nextCursor":null,"total":null}`, false},
		{"users of a workspace", "GET", "/v1/users?workspaceId=w_1", 200, stdHeader("application/json"),
			`{"items":[` + validUser + `],"nextCursor":null,"total":null}`, true},

		{"workspace replayed", "POST", "/v1/workspaces", 201, replayed(withETag(stdHeader("application/json")), "true"), ws, true},
		{"workspace replayed, bad header", "POST", "/v1/workspaces", 201, replayed(withETag(stdHeader("application/json")), "yes"), ws, false},
		{"invitation replayed", "POST", "/v1/invitations", 201, replayed(stdHeader("application/json"), "true"), sent, true},

		// Insights, audit trail and settings.
		{"insights", "GET", "/v1/insights", 200, stdHeader("application/json"), insights(roles, days), true},
		{"insights, six days", "GET", "/v1/insights", 200, stdHeader("application/json"),
			insights(roles, strings.Replace(days, `{"date":"2026-11-16","count":0},`, "", 1)), false},
		{"insights, a role missing", "GET", "/v1/insights", 200, stdHeader("application/json"),
			insights(`{"super_admin":1,"admin":1,"editor":0,"operator":0,"viewer":1}`, days), false},
		{"insights, an unknown role", "GET", "/v1/insights", 200, stdHeader("application/json"),
			insights(`{"super_admin":1,"admin":1,"editor":0,"operator":0,"viewer":1,"api_user":0,"root":0}`, days), false},
		{"insights, a date-time for a day", "GET", "/v1/insights", 200, stdHeader("application/json"),
			insights(roles, strings.Replace(days, `"2026-11-22"`, `"2026-11-22T00:00:00.000Z"`, 1)), false},
		{"insights, a negative count", "GET", "/v1/insights", 200, stdHeader("application/json"),
			strings.Replace(insights(roles, days), `"pending":0`, `"pending":-1`, 1), false},
		{"audit page", "GET", "/v1/audit-events?action=user.created&limit=20", 200, stdHeader("application/json"), auditPage(
			event("user.created", `{"type":"system","id":"bootstrap"}`),
			event("user.role_changed", `{"type":"admin_token","id":"t_1","createdBy":{"type":"user","id":"u_1"}}`),
			event("auth.login_failed", `{"type":"anonymous","id":"anonymous","email":"bo@example.com"}`),
			strings.Replace(event("settings.reset", `{"type":"user","id":"u_1"}`), `"requestId":"req-1"`, `"requestId":""`, 1)), true},
		{"audit page with a total", "GET", "/v1/audit-events", 200, stdHeader("application/json"),
			`{"items":[],"nextCursor":null,"total":0}`, false},
		{"audit event, unknown action", "GET", "/v1/audit-events", 200, stdHeader("application/json"),
			auditPage(event("user.exploded", `{"type":"user","id":"u_1"}`)), false},
		{"audit event, unknown actor type", "GET", "/v1/audit-events", 200, stdHeader("application/json"),
			auditPage(event("user.created", `{"type":"robot","id":"r_1"}`)), false},
		{"audit event without details", "GET", "/v1/audit-events", 200, stdHeader("application/json"),
			auditPage(withoutField(t, event("user.created", `{"type":"user","id":"u_1"}`), "details")), false},
		{"audit event, target with a name", "GET", "/v1/audit-events", 200, stdHeader("application/json"),
			auditPage(withField(t, event("user.created", `{"type":"user","id":"u_1"}`), "target", map[string]any{"type": "user", "id": "u_2", "name": "Bo"})), false},
		{"settings", "GET", "/v1/settings", 200, withETag(stdHeader("application/json")), settings, true},
		{"settings, limited domains, no sender", "GET", "/v1/settings", 200, withETag(stdHeader("application/json")),
			withField(t, withField(t, settings, "allowedEmailDomains", []string{"example.com", "example.org"}), "senderEmail", ""), true},
		{"settings updated", "PATCH", "/v1/settings", 200, withETag(stdHeader("application/json")), withField(t, settings, "inviteExpiryDays", 3), true},
		{"settings reset", "POST", "/v1/settings/reset", 200, stdHeader("application/json"), settings, true},
		{"settings without loginLockout", "GET", "/v1/settings", 200, stdHeader("application/json"), withoutField(t, settings, "loginLockout"), false},
		{"settings, partial password policy", "GET", "/v1/settings", 200, stdHeader("application/json"),
			withField(t, settings, "passwordPolicy", map[string]any{"minLength": 12}), false},
		{"settings, super_admin by default", "GET", "/v1/settings", 200, stdHeader("application/json"),
			withField(t, settings, "defaultInviteRole", "super_admin"), false},
		{"settings, null domains", "GET", "/v1/settings", 200, stdHeader("application/json"), withField(t, settings, "allowedEmailDomains", nil), false},
		{"settings, link with a fragment", "GET", "/v1/settings", 200, stdHeader("application/json"),
			withField(t, settings, "inviteUrlBase", "https://console.example.com/#/accept"), false},
		{"settings with a version", "GET", "/v1/settings", 200, stdHeader("application/json"), withField(t, settings, "version", 2), false},

		// Errors.
		{"400 on the audit trail", "GET", "/v1/audit-events?since=yesterday", 400, stdHeader("application/problem+json"),
			`{"type":"about:blank","title":"Bad Request","status":400,"code":"invalid_request","detail":"x","errors":[{"field":"since","message":"x"}]}`, true},
		{"400 invalid_cursor on the audit trail", "GET", "/v1/audit-events?cursor=x", 400, stdHeader("application/problem+json"), problem(400, "invalid_cursor"), true},
		{"400 invalid_json on the audit trail", "GET", "/v1/audit-events", 400, stdHeader("application/problem+json"), problem(400, "invalid_json"), false},
		{"400 on settings", "PATCH", "/v1/settings", 400, stdHeader("application/problem+json"),
			`{"type":"about:blank","title":"Bad Request","status":400,"code":"invalid_request","detail":"x",` +
				`"errors":[{"field":"passwordPolicy.minLength","message":"must be from 8 to 128"},{"field":"allowedEmailDomains[2]","message":"must be a domain name"}]}`, true},
		{"400 invalid_cursor on settings", "PATCH", "/v1/settings", 400, stdHeader("application/problem+json"), problem(400, "invalid_cursor"), false},
		{"409 settings_changed", "PATCH", "/v1/settings", 409, stdHeader("application/problem+json"), problem(409, "settings_changed"), true},
		{"409 on a reset", "POST", "/v1/settings/reset", 409, stdHeader("application/problem+json"), problem(409, "settings_changed"), false},
		{"413 on settings", "PATCH", "/v1/settings", 413, stdHeader("application/problem+json"), problem(413, "payload_too_large"), true},
		{"415 on a reset", "POST", "/v1/settings/reset", 415, stdHeader("application/problem+json"), problem(415, "unsupported_media_type"), true},
		{"403 on settings", "PATCH", "/v1/settings", 403, stdHeader("application/problem+json"), problem(403, "forbidden"), true},
		{"403 on insights", "GET", "/v1/insights", 403, http.Header{"Content-Type": {"application/json"}}, `{"message":"Forbidden"}`, true},
		{"400 on insights", "GET", "/v1/insights", 400, stdHeader("application/problem+json"), problem(400, "invalid_request"), false},

		// Errors.
		{"409 last_owner on a member", "PUT", "/v1/workspaces/w_1/members/u_2", 409, stdHeader("application/problem+json"), problem(409, "last_owner"), true},
		{"409 self_modification on a member", "DELETE", "/v1/workspaces/w_1/members/u_1", 409, stdHeader("application/problem+json"), problem(409, "self_modification"), true},
		{"409 user_exists on a member", "PUT", "/v1/workspaces/w_1/members/u_2", 409, stdHeader("application/problem+json"), problem(409, "user_exists"), false},
		{"404 on a member", "PUT", "/v1/workspaces/w_1/members/u_2", 404, stdHeader("application/problem+json"), problem(404, "not_found"), true},
		{"403 on a member", "DELETE", "/v1/workspaces/w_1/members/u_2", 403, stdHeader("application/problem+json"), problem(403, "forbidden"), true},
		{"400 on a workspace", "POST", "/v1/workspaces", 400, stdHeader("application/problem+json"),
			`{"type":"about:blank","title":"Bad Request","status":400,"code":"invalid_request","detail":"x","errors":[{"field":"ownerId","message":"no such user"}]}`, true},
		{"409 on a workspace", "POST", "/v1/workspaces", 409, stdHeader("application/problem+json"), problem(409, "user_exists"), false},
		{"422 idempotency_key_reused on a workspace", "POST", "/v1/workspaces", 422, stdHeader("application/problem+json"), problem(422, "idempotency_key_reused"), true},
		{"422 idempotency_key_reused", "POST", "/v1/invitations", 422, stdHeader("application/problem+json"), problem(422, "idempotency_key_reused"), true},
		{"422 on a batch", "POST", "/v1/invitations/batch", 422, stdHeader("application/problem+json"), problem(422, "idempotency_key_reused"), false},
		{"404 delegated invitation", "POST", "/v1/invitations", 404, stdHeader("application/problem+json"), problem(404, "not_found"), true},
		{"409 grant_withdrawn", "POST", "/v1/invitations/accept", 409, stdHeader("application/problem+json"), problem(409, "grant_withdrawn"), true},
		{"409 last_owner on accept", "POST", "/v1/invitations/accept", 409, stdHeader("application/problem+json"), problem(409, "last_owner"), false},
		{"409 last_owner on user delete", "DELETE", "/v1/users/u_1", 409, stdHeader("application/problem+json"), problem(409, "last_owner"), true},
		{"400 email_domain_not_allowed", "POST", "/v1/invitations", 400, stdHeader("application/problem+json"), problem(400, "email_domain_not_allowed"), true},
		{"409 invitation_exists", "POST", "/v1/invitations", 409, stdHeader("application/problem+json"), problem(409, "invitation_exists"), true},
		{"409 invitation_not_pending on create", "POST", "/v1/invitations", 409, stdHeader("application/problem+json"), problem(409, "invitation_not_pending"), false},
		{"409 invitation_not_pending", "DELETE", "/v1/invitations/i_1", 409, stdHeader("application/problem+json"), problem(409, "invitation_not_pending"), true},
		{"429 rate_limited", "POST", "/v1/invitations/i_1/resend", 429, withRetry(stdHeader("application/problem+json")), problem(429, "rate_limited"), true},
		{"429 without Retry-After", "POST", "/v1/invitations", 429, stdHeader("application/problem+json"), problem(429, "rate_limited"), false},
		{"410 invitation_used", "POST", "/v1/invitations/accept", 410, stdHeader("application/problem+json"), problem(410, "invitation_used"), true},
		{"410 reset_token_invalid on accept", "POST", "/v1/invitations/accept", 410, stdHeader("application/problem+json"), problem(410, "reset_token_invalid"), false},
		{"410 reset_token_invalid", "POST", "/v1/password-reset/complete", 410, stdHeader("application/problem+json"), problem(410, "reset_token_invalid"), true},
		{"404 unknown invitation token", "POST", "/v1/invitations/preview", 404, stdHeader("application/problem+json"), problem(404, "not_found"), true},
		{"401 invalid_credentials", "POST", "/v1/auth/login", 401, stdHeader("application/problem+json"), problem(401, "invalid_credentials"), true},
		{"401 gateway on login", "POST", "/v1/auth/login", 401, http.Header{"Content-Type": {"application/json"}}, `{"message":"Unauthorized"}`, false},
		{"429 too_many_attempts", "POST", "/v1/auth/login", 429, withRetry(stdHeader("application/problem+json")), problem(429, "too_many_attempts"), true},
		{"400 not_a_session", "POST", "/v1/auth/logout", 400, stdHeader("application/problem+json"), problem(400, "not_a_session"), true},
		{"400 weak_password on validate", "POST", "/v1/password/validate", 400, stdHeader("application/problem+json"), problem(400, "weak_password"), true},
		{"409 user_not_active", "POST", "/v1/users/u_1/password-reset", 409, stdHeader("application/problem+json"), problem(409, "user_not_active"), true},
		{"401 gateway", "GET", "/v1/users", 401, http.Header{"Content-Type": {"application/json"}}, `{"message":"Unauthorized"}`, true},
		{"403 gateway", "GET", "/v1/users", 403, http.Header{"Content-Type": {"application/json"}}, `{"message":"Forbidden"}`, true},
		{"403 problem", "GET", "/v1/users", 403, stdHeader("application/problem+json"), problem(403, "forbidden"), true},
		{"403 problem as plain JSON", "GET", "/v1/users", 403, stdHeader("application/json"), problem(403, "forbidden"), false},
		{"403 gateway as problem", "GET", "/v1/users", 403, stdHeader("application/problem+json"), `{"message":"Forbidden"}`, false},
		{"404", "GET", "/v1/users/nope", 404, stdHeader("application/problem+json"), problem(404, "not_found"), true},
		{"404 wrong code", "GET", "/v1/users/nope", 404, stdHeader("application/problem+json"), problem(404, "missing"), false},
		{"404 as application/json", "GET", "/v1/users/nope", 404, stdHeader("application/json"), problem(404, "not_found"), false},
		{"409 user_exists", "POST", "/v1/users", 409, stdHeader("application/problem+json"), problem(409, "user_exists"), true},
		{"409 last_super_admin", "DELETE", "/v1/users/u_1", 409, stdHeader("application/problem+json"), problem(409, "last_super_admin"), true},
		{"412", "PATCH", "/v1/users/u_1", 412, stdHeader("application/problem+json"), problem(412, "precondition_failed"), true},
		{"413", "POST", "/v1/users", 413, stdHeader("application/problem+json"), problem(413, "payload_too_large"), true},
		{"415", "PATCH", "/v1/me", 415, stdHeader("application/problem+json"), problem(415, "unsupported_media_type"), true},
		{"400 with errors", "POST", "/v1/users", 400, stdHeader("application/problem+json"),
			`{"type":"about:blank","title":"Bad Request","status":400,"code":"invalid_request","detail":"invalid fields",` +
				`"errors":[{"field":"email","message":"must be a valid email address"}]}`, true},
		{"400 weak_password on create", "POST", "/v1/users", 400, stdHeader("application/problem+json"),
			`{"type":"about:blank","title":"Bad Request","status":400,"code":"weak_password","detail":"x",` +
				`"errors":[{"field":"password","message":"must be at least 12 characters"}]}`, true},
		{"400 weak_password elsewhere", "PATCH", "/v1/me", 400, stdHeader("application/problem+json"), problem(400, "weak_password"), false},
		{"409 too_many_api_keys", "POST", "/v1/me/api-keys", 409, stdHeader("application/problem+json"), problem(409, "too_many_api_keys"), true},
		{"409 user_exists on an API key", "POST", "/v1/users/u_1/api-keys", 409, stdHeader("application/problem+json"), problem(409, "user_exists"), false},
		{"415 on deactivate", "POST", "/v1/users/u_1/deactivate", 415, stdHeader("application/problem+json"), problem(415, "unsupported_media_type"), true},
		{"400 invalid_cursor", "GET", "/v1/admin-tokens?cursor=x", 400, stdHeader("application/problem+json"), problem(400, "invalid_cursor"), true},
		{"problem without code", "POST", "/v1/users", 400, stdHeader("application/problem+json"),
			`{"type":"about:blank","title":"Bad Request","status":400}`, false},
		{"problem status disagrees", "POST", "/v1/users", 400, stdHeader("application/problem+json"), problem(409, "invalid_json"), false},
		{"problem with a stack trace", "POST", "/v1/users", 400, stdHeader("application/problem+json"),
			withField(t, problem(400, "invalid_json"), "stack", "main.go:1"), false},

		// Contract violations.
		{"user with an extra field", "GET", "/v1/users/u_1", 200, withETag(stdHeader("application/json")),
			withField(t, validUser, "passwordHash", "x"), false},
		{"user without lastLoginAt", "GET", "/v1/users/u_1", 200, withETag(stdHeader("application/json")),
			withoutField(t, validUser, "lastLoginAt"), false},
		{"user lastLoginAt wrong type", "GET", "/v1/users/u_1", 200, withETag(stdHeader("application/json")),
			withField(t, validUser, "lastLoginAt", 5), false},
		{"user lastLoginAt not a date-time", "GET", "/v1/users/u_1", 200, withETag(stdHeader("application/json")),
			withField(t, validUser, "lastLoginAt", "yesterday"), false},
		{"user email with display name", "GET", "/v1/users/u_1", 200, withETag(stdHeader("application/json")),
			withField(t, validUser, "email", "Ada <ada@example.com>"), false},
		{"user email not an address", "GET", "/v1/users/u_1", 200, withETag(stdHeader("application/json")),
			withField(t, validUser, "email", "ada"), false},
		{"user unknown role", "GET", "/v1/users/u_1", 200, withETag(stdHeader("application/json")),
			withField(t, validUser, "role", "root"), false},
		{"user invitedBy wrong shape", "GET", "/v1/users/u_1", 200, withETag(stdHeader("application/json")),
			withField(t, validUser, "invitedBy", "u_0"), false},
		{"user without ETag", "GET", "/v1/users/u_1", 200, stdHeader("application/json"), validUser, false},
		{"user without X-Request-Id", "GET", "/v1/users/u_1", 200, http.Header{"Content-Type": {"application/json"}, "Etag": {`"v"`}, "Cache-Control": {"no-store"}}, validUser, false},
		{"cacheable", "GET", "/v1/health", 200, func() http.Header {
			h := stdHeader("application/json")
			h.Set("Cache-Control", "max-age=60")
			return h
		}(), `{"status":"ok","version":"0.1.0"}`, false},
		{"me without workspaces", "GET", "/v1/me", 200, stdHeader("application/json"), validUser, false},
		{"page without total", "GET", "/v1/users", 200, stdHeader("application/json"), `{"items":[],"nextCursor":null}`, false},
		{"secret of the wrong kind", "POST", "/v1/me/api-keys", 201, stdHeader("application/json"),
			`{"apiKey":` + key + `,"secret":"usha_` + strings.Repeat("a", 38) + `"}`, false},
		{"undocumented status", "GET", "/v1/users/u_1", 418, stdHeader("application/problem+json"), problem(418, "teapot"), false},
		{"500 is never documented", "GET", "/v1/users/u_1", 500, stdHeader("application/problem+json"), problem(500, "internal"), false},
		{"201 where 200 is documented", "POST", "/v1/me/api-keys/k_1/rotate", 201, stdHeader("application/json"), keySecret, false},
		{"body on a 204", "DELETE", "/v1/users/u_1", 204, stdHeader("application/json"), `{}`, false},
		{"text body", "GET", "/v1/health", 200, stdHeader("text/plain"), `ok`, false},
		{"unknown route", "GET", "/v1/nope", 200, stdHeader("application/json"), `{}`, false},
		{"wrong method", "PUT", "/v1/users/u_1", 200, stdHeader("application/json"), `{}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			err := v.ValidateResponse(req, tc.status, tc.header, []byte(tc.body))
			if tc.ok && err != nil {
				t.Errorf("valid response refused: %v", err)
			}
			if !tc.ok && err == nil {
				t.Error("invalid response accepted")
			}
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestOpenAPI31Keywords pins how kin-openapi handles the OpenAPI 3.1 features
// the document relies on: type arrays with "null", const and enum with null.
func TestOpenAPI31Keywords(t *testing.T) {
	doc, err := load()
	if err != nil {
		t.Fatal(err)
	}
	schema := func(name string) *openapi3.Schema { return doc.Components.Schemas[name].Value }
	visit := func(s *openapi3.Schema, value any) error {
		return s.VisitJSON(value, openapi3.EnableJSONSchema2020())
	}
	tests := []struct {
		schema string
		value  any
		ok     bool
	}{
		{"NullableTimestamp", nil, true},
		{"NullableTimestamp", "2026-11-22T10:00:00.000Z", true},
		{"NullableTimestamp", 12.0, false},
		{"NullableTimestamp", "not a date", false},
		{"NextCursor", nil, true},
		{"NextCursor", "c", true},
		{"NextCursor", true, false},
		{"Total", nil, true},
		{"Total", 3.0, true},
		{"Total", 1.5, false},
		{"Total", -1.0, false},
		{"Total", "3", false},
		{"Health", map[string]any{"status": "ok", "version": "1"}, true},
		{"Health", map[string]any{"status": "down", "version": "1"}, false},
		{"CreateAdminToken", map[string]any{"name": "ci", "expiresInDays": nil}, true},
		{"CreateAdminToken", map[string]any{"name": "ci", "expiresInDays": 30.0}, true},
		{"CreateAdminToken", map[string]any{"name": "ci"}, true},
		{"CreateAdminToken", map[string]any{"name": "ci", "expiresInDays": 31.0}, false},
		{"CreateAdminToken", map[string]any{"name": "ci", "expiresInDays": "30"}, false},
		{"CreateApiKey", map[string]any{"name": "ci", "expiresInDays": nil}, true},
		{"CreateApiKey", map[string]any{"name": "ci", "expiresInDays": 365.0}, true},
		{"CreateApiKey", map[string]any{"name": "ci", "expiresInDays": 366.0}, false},
		{"CreateApiKey", map[string]any{"name": "ci", "expiresInDays": 0.0}, false},
		{"CreateApiKey", map[string]any{"name": "ci", "role": "super_admin"}, false},
		{"UpdateUser", map[string]any{}, false},
		{"UpdateUser", map[string]any{"role": "viewer"}, true},
		{"UpdateUser", map[string]any{"status": "active"}, false},
		{"CreateWorkspace", map[string]any{"name": "Ops", "description": nil, "ownerId": nil}, true},
		{"CreateWorkspace", map[string]any{"name": "Ops", "ownerId": ""}, false},
		{"UpdateWorkspace", map[string]any{"description": nil}, true},
		{"UpdateWorkspace", map[string]any{}, false},
		{"SettingsPatch", map[string]any{}, true},
		{"SettingsPatch", map[string]any{"passwordPolicy": map[string]any{}}, true},
		{"SettingsPatch", map[string]any{"loginLockout": nil}, false},
		{"SettingsPatch", map[string]any{"allowedEmailDomains": []any{}}, true},
		{"SettingsPatch", map[string]any{"allowedEmailDomains": []any{nil}}, false},
		{"SettingsPatch", map[string]any{"senderEmail": ""}, true},
		{"SettingsPatch", map[string]any{"inviteUrlBase": ""}, true},
		{"SettingsPatch", map[string]any{"inviteExpiryDays": 3.5}, false},
		{"DayCount", map[string]any{"date": "2026-11-22", "count": 0.0}, true},
		{"DayCount", map[string]any{"date": "22/11/2026", "count": 0.0}, false},
		{"AuditAction", "settings.updated", true},
		{"AuditAction", "settings.deleted", false},
		{"Workspace", map[string]any{"id": "w_1", "name": "Ops", "description": "", "memberCount": 0.0, "createdAt": "2026-11-22T10:00:00.000Z",
			"updatedAt": "2026-11-22T10:00:00.000Z", "createdBy": map[string]any{"type": "user", "id": "u_1"}}, true},
	}
	for _, tc := range tests {
		err := visit(schema(tc.schema), tc.value)
		if tc.ok && err != nil {
			t.Errorf("%s %#v refused: %v", tc.schema, tc.value, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s %#v accepted", tc.schema, tc.value)
		}
	}
}

func TestValidateRequest(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		name   string
		method string
		path   string
		ctype  string
		body   string
		ok     bool
	}{
		{"create user", "POST", "/v1/users", "application/json", `{"email":"a@example.com","name":"A","role":"api_user"}`, true},
		{"create user with password", "POST", "/v1/users", "application/json", `{"email":"a@example.com","name":"A","role":"viewer","password":"correct horse battery"}`, true},
		{"create user mass assignment", "POST", "/v1/users", "application/json", `{"email":"a@example.com","name":"A","role":"viewer","status":"active"}`, false},
		{"create user without role", "POST", "/v1/users", "application/json", `{"email":"a@example.com","name":"A"}`, false},
		{"create user bad email", "POST", "/v1/users", "application/json", `{"email":"Ada <a@example.com>","name":"A","role":"viewer"}`, false},
		{"create user long email", "POST", "/v1/users", "application/json", `{"email":"` + strings.Repeat("a", 250) + `@x.io","name":"A","role":"viewer"}`, false},
		{"update me with role", "PATCH", "/v1/me", "application/json", `{"name":"A","role":"super_admin"}`, false},
		{"update me", "PATCH", "/v1/me", "application/json", `{"name":"A"}`, true},
		{"update me empty name", "PATCH", "/v1/me", "application/json", `{"name":""}`, false},
		{"update user empty", "PATCH", "/v1/users/u_1", "application/json", `{}`, false},
		{"admin token no expiry", "POST", "/v1/admin-tokens", "application/json", `{"name":"ci","expiresInDays":null}`, true},
		{"admin token bad expiry", "POST", "/v1/admin-tokens", "application/json", `{"name":"ci","expiresInDays":45}`, false},
		{"text body", "POST", "/v1/me/api-keys", "text/plain", `name=ci`, false},
		{"list", "GET", "/v1/users?limit=200&sort=email&order=desc&role=viewer&status=active", "", ``, true},
		{"limit too big", "GET", "/v1/users?limit=201", "", ``, false},
		{"limit zero", "GET", "/v1/admin-tokens?limit=0", "", ``, false},
		{"bad sort", "GET", "/v1/users?sort=role", "", ``, false},
		{"q too long", "GET", "/v1/users?q=" + strings.Repeat("a", 101), "", ``, false},
		{"unknown route", "GET", "/v1/nope", "", ``, false},
		{"create workspace", "POST", "/v1/workspaces", "application/json", `{"name":"Ops"}`, true},
		{"create workspace with everything", "POST", "/v1/workspaces", "application/json", `{"name":"Ops","description":null,"ownerId":"u_1"}`, true},
		{"create workspace mass assignment", "POST", "/v1/workspaces", "application/json", `{"name":"Ops","memberCount":0}`, false},
		{"create workspace without name", "POST", "/v1/workspaces", "application/json", `{"description":"x"}`, false},
		{"create workspace long description", "POST", "/v1/workspaces", "application/json", `{"name":"Ops","description":"` + strings.Repeat("a", 501) + `"}`, false},
		{"update workspace", "PATCH", "/v1/workspaces/w_1", "application/json", `{"description":"x"}`, true},
		{"update workspace empty", "PATCH", "/v1/workspaces/w_1", "application/json", `{}`, false},
		{"update workspace null name", "PATCH", "/v1/workspaces/w_1", "application/json", `{"name":null}`, false},
		{"list workspaces", "GET", "/v1/workspaces?q=ops&limit=10", "", ``, true},
		{"list workspaces q too long", "GET", "/v1/workspaces?q=" + strings.Repeat("a", 101), "", ``, false},
		{"list members", "GET", "/v1/workspaces/w_1/members?role=guest", "", ``, true},
		{"list members bad role", "GET", "/v1/workspaces/w_1/members?role=viewer", "", ``, false},
		{"put member", "PUT", "/v1/workspaces/w_1/members/u_2", "application/json", `{"role":"admin"}`, true},
		{"put member bad role", "PUT", "/v1/workspaces/w_1/members/u_2", "application/json", `{"role":"super_admin"}`, false},
		{"put member extra field", "PUT", "/v1/workspaces/w_1/members/u_2", "application/json", `{"role":"admin","addedAt":"x"}`, false},
		{"user workspaces", "GET", "/v1/users/u_1/workspaces?limit=5", "", ``, true},
		{"users of a workspace", "GET", "/v1/users?workspaceId=w_1", "", ``, true},
		{"invite", "POST", "/v1/invitations", "application/json", `{"email":"a@example.com"}`, true},
		{"invite everything", "POST", "/v1/invitations", "application/json",
			`{"email":"a@example.com","name":"A","role":"viewer","workspaces":[{"workspaceId":"w_1","role":"member"}],"expiresInDays":null,"sendEmail":false}`, true},
		{"invite mass assignment", "POST", "/v1/invitations", "application/json", `{"email":"a@example.com","status":"accepted"}`, false},
		{"invite into 11 workspaces", "POST", "/v1/invitations", "application/json",
			`{"email":"a@example.com","workspaces":[` + strings.Repeat(`{"workspaceId":"w_1","role":"member"},`, 10) + `{"workspaceId":"w_1","role":"member"}]}`, false},
		{"invite grant with an extra field", "POST", "/v1/invitations", "application/json",
			`{"email":"a@example.com","workspaces":[{"workspaceId":"w_1","role":"member","name":"Ops"}]}`, false},
		{"invite grant with a bad role", "POST", "/v1/invitations", "application/json",
			`{"email":"a@example.com","workspaces":[{"workspaceId":"w_1","role":"viewer"}]}`, false},
		{"invite too long", "POST", "/v1/invitations", "application/json", `{"email":"a@example.com","expiresInDays":31}`, false},
		{"batch empty", "POST", "/v1/invitations/batch", "application/json", `{"invitations":[]}`, false},
		{"batch", "POST", "/v1/invitations/batch", "application/json", `{"invitations":[{"email":"a@example.com"}]}`, true},
		{"resend without body", "POST", "/v1/invitations/i_1/resend", "", ``, true},
		{"resend", "POST", "/v1/invitations/i_1/resend", "application/json", `{"expiresInDays":3}`, true},
		{"list invitations", "GET", "/v1/invitations?status=pending&email=a@example.com&limit=10", "", ``, true},
		{"list invitations bad status", "GET", "/v1/invitations?status=gone", "", ``, false},
		{"accept", "POST", "/v1/invitations/accept", "application/json", `{"token":"ushi_x","password":"correct horse battery"}`, true},
		{"accept without password", "POST", "/v1/invitations/accept", "application/json", `{"token":"ushi_x"}`, false},
		{"login", "POST", "/v1/auth/login", "application/json", `{"email":"a@example.com","password":"x"}`, true},
		{"login extra field", "POST", "/v1/auth/login", "application/json", `{"email":"a@example.com","password":"x","role":"admin"}`, false},
		{"logout", "POST", "/v1/auth/logout", "", ``, true},
		{"password reset without body", "POST", "/v1/users/u_1/password-reset", "", ``, true},
		{"password reset with a field", "POST", "/v1/users/u_1/password-reset", "application/json", `{"email":"a@example.com"}`, false},
		{"change own password", "PUT", "/v1/me/password", "application/json", `{"currentPassword":"a","password":"b"}`, true},
		{"change own password without current", "PUT", "/v1/me/password", "application/json", `{"password":"b"}`, false},
		{"set password too long", "PUT", "/v1/users/u_1/password", "application/json", `{"password":"` + strings.Repeat("a", 257) + `"}`, false},

		{"insights", "GET", "/v1/insights", "", ``, true},
		{"audit trail", "GET", "/v1/audit-events?actorId=u_1&targetId=w_1&action=membership.added&since=2026-11-22T00:00:00.000Z&until=2026-11-23T00:00:00Z&limit=200", "", ``, true},
		{"audit trail unknown action", "GET", "/v1/audit-events?action=user.exploded", "", ``, false},
		{"audit trail since not a date-time", "GET", "/v1/audit-events?since=yesterday", "", ``, false},
		{"audit trail limit too big", "GET", "/v1/audit-events?limit=201", "", ``, false},
		{"update settings", "PATCH", "/v1/settings", "application/json", `{"inviteExpiryDays":3,"passwordPolicy":{"minLength":14}}`, true},
		{"update every setting", "PATCH", "/v1/settings", "application/json",
			`{"instanceName":"Acme","senderEmail":"ops@acme.example","inviteUrlBase":"https://acme.example/accept","passwordResetUrlBase":"http://localhost:5173/reset",` +
				`"inviteExpiryDays":30,"defaultInviteRole":"editor","allowedEmailDomains":["acme.example"],"sessionTtlHours":720,` +
				`"passwordPolicy":{"minLength":8,"requireUppercase":true,"requireLowercase":true,"requireNumber":true,"requireSymbol":true,"rejectCommon":false},` +
				`"invitesPerHourPerActor":10000,"loginLockout":{"maxAttempts":1,"lockMinutes":1440}}`, true},
		{"update settings, lockout in part", "PATCH", "/v1/settings", "application/json", `{"loginLockout":{"lockMinutes":30}}`, true},
		{"update settings, null", "PATCH", "/v1/settings", "application/json", `{"inviteExpiryDays":null}`, false},
		{"update settings, nested null", "PATCH", "/v1/settings", "application/json", `{"passwordPolicy":{"minLength":null}}`, false},
		{"update settings, unknown field", "PATCH", "/v1/settings", "application/json", `{"inviteExpiryDays":3,"colour":"blue"}`, false},
		{"update settings, unknown nested field", "PATCH", "/v1/settings", "application/json", `{"passwordPolicy":{"maxLength":300}}`, false},
		{"update settings, out of range", "PATCH", "/v1/settings", "application/json", `{"passwordPolicy":{"minLength":7}}`, false},
		{"update settings, string number", "PATCH", "/v1/settings", "application/json", `{"sessionTtlHours":"12"}`, false},
		{"update settings, super_admin by default", "PATCH", "/v1/settings", "application/json", `{"defaultInviteRole":"super_admin"}`, false},
		{"update settings, 101 domains", "PATCH", "/v1/settings", "application/json",
			`{"allowedEmailDomains":[` + strings.Repeat(`"example.com",`, 100) + `"example.com"]}`, false},
		{"update settings, sender with a display name", "PATCH", "/v1/settings", "application/json", `{"senderEmail":"Usher <usher@example.com>"}`, false},
		{"update settings, no sender", "PATCH", "/v1/settings", "application/json", `{"senderEmail":""}`, true},
		{"update settings, ftp link", "PATCH", "/v1/settings", "application/json", `{"inviteUrlBase":"ftp://acme.example/accept"}`, false},
		{"reset settings", "POST", "/v1/settings/reset", "", ``, true},
		{"reset settings with {}", "POST", "/v1/settings/reset", "application/json", `{}`, true},
		{"reset settings with a field", "POST", "/v1/settings/reset", "application/json", `{"inviteExpiryDays":7}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body *strings.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			var req *http.Request
			if body != nil {
				req = httptest.NewRequest(tc.method, tc.path, body)
			} else {
				req = httptest.NewRequest(tc.method, tc.path, nil)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			err := v.ValidateRequest(req)
			if tc.ok && err != nil {
				t.Errorf("valid request refused: %v", err)
			}
			if !tc.ok && err == nil {
				t.Error("invalid request accepted")
			}
			if tc.body != "" {
				var buf bytes.Buffer
				if _, err := buf.ReadFrom(req.Body); err != nil || buf.String() != tc.body {
					t.Errorf("request body not restored: %q, %v", buf.String(), err)
				}
			}
		})
	}
}

// TestIdempotencyKey checks the Idempotency-Key header of the two routes
// that honour it.
func TestIdempotencyKey(t *testing.T) {
	v := newValidator(t)
	for _, tc := range []struct {
		path, body, key string
		ok              bool
	}{
		{"/v1/workspaces", `{"name":"Ops"}`, "k-1", true},
		{"/v1/workspaces", `{"name":"Ops"}`, strings.Repeat("k", 255), true},
		{"/v1/workspaces", `{"name":"Ops"}`, strings.Repeat("k", 256), false},
		{"/v1/invitations", `{"email":"a@example.com"}`, "3f9c0a52-8f1e-4c3b-9a57-2b1d6f0e7c11", true},
		{"/v1/invitations", `{"email":"a@example.com"}`, strings.Repeat("k", 256), false},
		{"/v1/invitations", `{"email":"a@example.com"}`, "clé-1", false},
	} {
		req := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", tc.key)
		err := v.ValidateRequest(req)
		if tc.ok && err != nil {
			t.Errorf("%s with a %d-character key refused: %v", tc.path, len(tc.key), err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s with a %d-character key accepted", tc.path, len(tc.key))
		}
	}
}

func TestValidatorConcurrentUse(t *testing.T) {
	v := newValidator(t)
	done := make(chan error)
	for i := range 8 {
		go func() {
			req := httptest.NewRequest("GET", "/v1/users/u_"+itoa(i), nil)
			err := v.ValidateResponse(req, 200, withETag(stdHeader("application/json")), []byte(validUser))
			if err == nil {
				err = v.ValidateResponse(httptest.NewRequest("GET", "/v1/health", nil), 200, stdHeader("application/json"), []byte(`{"status":"ok","version":"1"}`))
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestRoutesMatchDocument checks that the route table and the document list
// the same operations, each once, with operationId equal to the route name.
func TestRoutesMatchDocument(t *testing.T) {
	doc, err := load()
	if err != nil {
		t.Fatal(err)
	}
	type op struct{ method, path, id string }
	var ops []op
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			ops = append(ops, op{method, path, o.OperationID})
		}
	}

	byName := map[string]routes.Route{}
	for _, r := range routes.All {
		if _, dup := byName[r.Name]; dup {
			t.Errorf("route name %q twice in routes.All", r.Name)
		}
		byName[r.Name] = r
	}
	seen := map[string]int{}
	for _, o := range ops {
		if o.id == "" {
			t.Errorf("%s %s has no operationId", o.method, o.path)
			continue
		}
		seen[o.id]++
		r, ok := byName[o.id]
		if !ok {
			t.Errorf("%s %s: operationId %q is not a route of routes.All", o.method, o.path, o.id)
			continue
		}
		if r.Method != o.method || r.Path != o.path {
			t.Errorf("operationId %q is %s %s in the document but %s in routes.All", o.id, o.method, o.path, r.Pattern())
		}
	}
	for _, r := range routes.All {
		if seen[r.Name] != 1 {
			t.Errorf("route %s (%s) has %d operations in the document, want 1", r.Name, r.Pattern(), seen[r.Name])
		}
	}

	var want []string
	for _, r := range routes.All {
		want = append(want, r.Pattern())
	}
	slices.Sort(want)
	if got := openapi.Paths(); !slices.Equal(got, want) {
		t.Errorf("openapi.Paths() = %q\nroutes.All = %q", got, want)
	}
}

// TestSecurity checks that exactly the public routes opt out of the global
// bearer requirement, and that every protected operation documents 401 and 403.
