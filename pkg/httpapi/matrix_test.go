package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/testenv"
)

// allowed is API.md §3 written out by hand, route by route: who may call it.
// It is deliberately not derived from the code it checks.
var allowed = map[string]string{
	"health":                   "*",
	"openapi":                  "*",
	"roles-list":               "super_admin admin editor operator viewer admin_token",
	"users-list":               "super_admin admin editor operator viewer admin_token",
	"users-get":                "super_admin admin editor operator viewer admin_token",
	"users-create":             "super_admin admin admin_token",
	"users-update":             "super_admin admin admin_token",
	"users-delete":             "super_admin admin admin_token",
	"users-deactivate":         "super_admin admin admin_token",
	"users-reactivate":         "super_admin admin admin_token",
	"user-api-keys-list":       "super_admin admin admin_token",
	"user-api-keys-create":     "super_admin admin admin_token",
	"user-api-keys-rotate":     "super_admin admin admin_token",
	"user-api-keys-delete":     "super_admin admin admin_token",
	"me-get":                   "super_admin admin editor operator viewer api_user",
	"me-update":                "super_admin admin editor operator viewer api_user",
	"me-api-keys-list":         "super_admin admin editor operator viewer api_user",
	"me-api-keys-create":       "super_admin admin editor operator viewer api_user",
	"me-api-keys-rotate":       "super_admin admin editor operator viewer api_user",
	"me-api-keys-delete":       "super_admin admin editor operator viewer api_user",
	"invitations-create":       "super_admin admin editor operator viewer admin_token", // delegated: decided per workspace
	"invitations-batch":        "super_admin admin editor operator viewer admin_token",
	"invitations-list":         "super_admin admin editor operator viewer admin_token",
	"invitations-get":          "super_admin admin editor operator viewer admin_token",
	"invitations-revoke":       "super_admin admin admin_token",
	"invitations-resend":       "super_admin admin admin_token",
	"invitations-preview":      "*",
	"invitations-accept":       "*",
	"users-set-password":       "super_admin admin admin_token",
	"users-password-reset":     "super_admin admin admin_token",
	"password-reset-complete":  "*",
	"password-validate":        "*",
	"auth-login":               "*",
	"auth-logout":              "super_admin admin editor operator viewer api_user",
	"me-password":              "super_admin admin editor operator viewer api_user",
	"workspaces-create":        "super_admin admin editor admin_token",
	"workspaces-list":          "super_admin admin editor operator viewer admin_token",
	"workspaces-get":           "super_admin admin editor operator viewer admin_token",
	"workspaces-update":        "super_admin admin editor admin_token",
	"workspaces-delete":        "super_admin admin editor admin_token",
	"workspace-members-list":   "super_admin admin editor operator viewer admin_token",
	"workspace-members-put":    "super_admin admin editor operator viewer admin_token", // delegated: decided per workspace
	"workspace-members-delete": "super_admin admin editor operator viewer admin_token",
	"user-workspaces-list":     "super_admin admin editor operator viewer admin_token",
	"insights-get":             "super_admin admin editor operator viewer admin_token",
	"audit-events-list":        "super_admin admin admin_token",
	"settings-get":             "super_admin admin admin_token",
	"settings-update":          "super_admin admin admin_token",
	"settings-reset":           "super_admin admin admin_token",
	"admin-tokens-create":      "super_admin admin admin_token",
	"admin-tokens-list":        "super_admin admin admin_token",
	"admin-tokens-delete":      "super_admin admin admin_token",
}

func TestRoleRouteMatrix(t *testing.T) {
	e := newEnv(t)
	principals := map[string]string{"super_admin": e.admin}
	for _, role := range []string{"admin", "editor", "operator", "viewer", "api_user"} {
		_, principals[role] = e.userWithKey(role+"@example.com", role)
	}
	tok := e.call("POST", "/v1/admin-tokens", e.admin, map[string]any{"name": "matrix"})
	want(t, tok, 201)
	principals["admin_token"] = tok.str("secret")
	e.secrets = append(e.secrets, tok.str("secret"))

	for _, rt := range routes.All {
		who, ok := allowed[rt.Name]
		if !ok {
			t.Errorf("route %s has no expectation in the matrix", rt.Name)
			continue
		}
		// Ids that do not exist: an allowed caller gets 4xx other than 403,
		// a refused one gets 403 before anything is looked up or changed.
		path := strings.NewReplacer("{id}", "00000000-0000-7000-8000-000000000000", "{keyId}", "00000000-0000-7000-8000-000000000001",
			"{userId}", "00000000-0000-7000-8000-000000000002").Replace(rt.Path)
		var body any
		if rt.Method != "GET" && rt.Method != "DELETE" && !strings.HasSuffix(rt.Path, "/rotate") && !strings.HasSuffix(rt.Path, "activate") {
			body = map[string]any{}
		}
		for name, secret := range principals {
			t.Run(rt.Name+"/"+name, func(t *testing.T) {
				r := e.call(rt.Method, path, secret, body)
				may := who == "*" || strings.Contains(" "+who+" ", " "+name+" ")
				if may && r.Status == 403 {
					t.Fatalf("%s %s as %s: 403, want allowed: %s", rt.Method, path, name, r.Body)
				}
				if !may {
					want(t, r, 403, "forbidden")
				}
			})
		}
	}
	for name := range allowed {
		if _, ok := routes.ByName(name); !ok {
			t.Errorf("matrix names route %s, which the route table lacks", name)
		}
	}
}

func TestStorageOutageAnswers503(t *testing.T) {
	t.Parallel()
	ddb, err := testenv.StartDynamo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ddb.Stop()
	table := "outage"
	if err := testenv.CreateTable(context.Background(), testenv.NewClient(ddb.Endpoint), table); err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, ddb.Endpoint, testenv.SESEndpoint(), table)
	id := e.user("kept@example.com", "Kept", "viewer")
	if err := ddb.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/health"},
		{"GET", "/v1/users"},
		{"POST", "/v1/users"},
		{"PATCH", "/v1/users/" + id},
		{"GET", "/v1/me"},
	} {
		r := e.call(c.method, c.path, e.admin, map[string]any{"email": "new@example.com", "name": "New", "role": "viewer"})
		if c.method == "GET" {
			r = e.call(c.method, c.path, e.admin, nil)
		}
		want(t, r, 503, "unavailable")
		if strings.Contains(string(r.Body), "connect") || strings.Contains(string(r.Body), "127.0.0.1") {
			t.Fatalf("%s %s leaks the cause: %s", c.method, c.path, r.Body)
		}
	}
	if !strings.Contains(e.logs.String(), "storage unavailable") {
		t.Error("the outage is not in the logs")
	}
}
