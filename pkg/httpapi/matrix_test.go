package httpapi_test

import (
	"context"
	"slices"
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

// asViewer are principals whose instance role is viewer and who hold one
// workspace role in one workspace. On every route they are viewers (the
// "viewer" column above), except on the member routes of a workspace, where
// delegated administration decides (below).
var asViewer = map[string]string{"ws_owner": "owner", "ws_admin": "admin", "ws_member": "member", "ws_guest": "guest"}

// delegated is API.md §3's delegated administration written out by hand: what
// each workspace role gets on the member routes of its own workspace, and
// anyone on the member routes of a workspace they are not in.
var delegated = map[string]map[string]int{
	"workspace-members-put":    {"owner": 200, "admin": 200, "member": 403, "guest": 403, "outsider": 404},
	"workspace-members-delete": {"owner": 204, "admin": 204, "member": 403, "guest": 403, "outsider": 404},
}

// refused are principals whose token the gateway turns away on every
// protected route: API.md §2, 403 {"message":"Forbidden"}.
var refused = []string{"deactivated", "revoked_key", "revoked_admin_token"}

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

	// Tokens that once worked, held by principals strong enough for anything.
	goneID, goneKey := e.userWithKey("gone@example.com", "admin")
	want(t, e.call("POST", "/v1/users/"+goneID+"/deactivate", e.admin, nil), 200)
	principals["deactivated"] = goneKey
	revokedID, revokedKey := e.userWithKey("revoked@example.com", "admin")
	keys := items(e.call("GET", "/v1/users/"+revokedID+"/api-keys", e.admin, nil))
	want(t, e.call("DELETE", "/v1/users/"+revokedID+"/api-keys/"+keys[0]["id"].(string), e.admin, nil), 204)
	principals["revoked_key"] = revokedKey
	dead := e.call("POST", "/v1/admin-tokens", e.admin, map[string]any{"name": "revoked"})
	want(t, dead, 201)
	e.secrets = append(e.secrets, dead.str("secret"))
	want(t, e.call("DELETE", "/v1/admin-tokens/"+dead.JSON()["adminToken"].(map[string]any)["id"].(string), e.admin, nil), 204)
	principals["revoked_admin_token"] = dead.str("secret")

	// Workspace roles: each principal has its own target, a guest of both
	// workspaces, to add, change and remove.
	mine := e.workspace(t, "Matrix Mine", e.admin)
	theirs := e.workspace(t, "Matrix Theirs", e.admin)
	targets := map[string]string{}
	for name, wsRole := range asViewer {
		id, key := e.userWithKey(strings.ReplaceAll(name, "_", "-")+"@example.com", "viewer")
		want(t, e.call("PUT", "/v1/workspaces/"+mine+"/members/"+id, e.admin, map[string]any{"role": wsRole}), 201)
		principals[name] = key
		targets[name] = e.user("target-"+strings.ReplaceAll(name, "_", "-")+"@example.com", "Target", "viewer")
		for _, ws := range []string{mine, theirs} {
			want(t, e.call("PUT", "/v1/workspaces/"+ws+"/members/"+targets[name], e.admin, map[string]any{"role": "guest"}), 201)
		}
	}

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
			wsRole, inWorkspace := asViewer[name]
			if d, ok := delegated[rt.Name]; ok && inWorkspace {
				for _, where := range []struct{ name, ws, expect string }{{"own-workspace", mine, wsRole}, {"other-workspace", theirs, "outsider"}} {
					t.Run(rt.Name+"/"+name+"/"+where.name, func(t *testing.T) {
						p := "/v1/workspaces/" + where.ws + "/members/" + targets[name]
						var b any
						if rt.Method == "PUT" {
							b = map[string]any{"role": "member"}
						}
						r := e.call(rt.Method, p, secret, b)
						switch status := d[where.expect]; status {
						case 403:
							want(t, r, 403, "forbidden")
						case 404:
							want(t, r, 404, "not_found")
						default:
							if r.Status != status && !(rt.Method == "PUT" && r.Status == 201) {
								t.Fatalf("%s %s as %s: %d, want %d: %s", rt.Method, p, name, r.Status, status, r.Body)
							}
						}
					})
				}
				continue
			}
			t.Run(rt.Name+"/"+name, func(t *testing.T) {
				r := e.call(rt.Method, path, secret, body)
				public := who == "*"
				if slices.Contains(refused, name) {
					if public {
						if r.Status == 401 || r.Status == 403 {
							t.Fatalf("public %s %s refused a stale token: %d %s", rt.Method, path, r.Status, r.Body)
						}
						return
					}
					gateway(t, r, 403, "Forbidden")
					return
				}
				role := name
				if inWorkspace {
					role = "viewer"
				}
				may := public || strings.Contains(" "+who+" ", " "+role+" ")
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
	for name := range delegated {
		if _, ok := allowed[name]; !ok {
			t.Errorf("delegated names route %s, which the matrix lacks", name)
		}
	}

	// What the refused attempts left: the member and guest's targets are
	// still guests of both workspaces; the owner and admin's were changed
	// and then removed from their own workspace only.
	for name, wsRole := range asViewer {
		roles := map[string]string{}
		for _, m := range items(e.call("GET", "/v1/users/"+targets[name]+"/workspaces", e.admin, nil)) {
			roles[m["workspace"].(map[string]any)["id"].(string)] = m["role"].(string)
		}
		wantMine := "guest"
		if d := delegated["workspace-members-delete"]; d[wsRole] != 403 {
			wantMine = ""
		}
		if roles[mine] != wantMine || roles[theirs] != "guest" || len(roles) != map[bool]int{true: 2, false: 1}[wantMine != ""] {
			t.Errorf("%s's target: memberships %v, want %q in their own workspace and guest in the other", name, roles, wantMine)
		}
	}
	for ws, n := range map[string]float64{mine: 1 + 4 + 2, theirs: 1 + 4} {
		if got := e.memberCount(t, ws); got != n {
			t.Errorf("workspace %s: memberCount %v, want %v", ws, got, n)
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
