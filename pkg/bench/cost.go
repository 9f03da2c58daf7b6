package bench

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/token"
)

// Budget classes (DESIGN.md, Budgets).
const (
	BudgetNone  = "none"  // no storage work at all
	BudgetRead  = "read"  // a single-item read: one round trip
	BudgetList  = "list"  // a page: at most 2 calls, issued together
	BudgetWrite = "write" // ≤ 1 round of reads, one TransactWriteItems (plus the mail and its outcome)
	BudgetAuth  = "auth"  // the authorizer: at most one read; none for a malformed token
)

// Cost is what one request cost in AWS calls.
type Cost struct {
	Name    string `json:"name"` // route name, or route name and variant
	Route   string `json:"route"`
	Request string `json:"request"`
	Status  int    `json:"status"`
	Budget  string `json:"budget"`

	AuthCalls   int     `json:"authorizerCalls"`  // the authorizer's reads (lastUsedAt writes apart)
	Calls       int     `json:"calls"`            // the function's own DynamoDB calls
	Rounds      int     `json:"rounds"`           // sequential round trips among them
	ReadsBefore int     `json:"readRoundsBefore"` // rounds that only read, before the first write
	ReadsAfter  int     `json:"readRoundsAfter"`  // and after it
	Reads       int     `json:"reads"`
	Writes      int     `json:"writes"`
	Tx          int     `json:"transactWrites"`
	RCU         float64 `json:"rcu"`
	WCU         float64 `json:"wcu"`
	Ops         string  `json:"ops"` // e.g. "Query+Query | TransactWriteItems"
	Counter     int     `json:"requestCounter"`
	Settings    int     `json:"settingsReads"` // cached 3 s per instance
	Touch       int     `json:"lastUsedWrites"`
	Mail        int     `json:"mails"`
	Scans       int     `json:"scans"`
	OK          bool    `json:"meetsBudget"`
	Why         string  `json:"why,omitempty"`
	Note        string  `json:"note,omitempty"`
}

// scenario prepares what a route needs (unmetered) and returns the request to
// measure; expected is the status a successful call answers.
type scenario struct {
	name, route string
	budget      string // "" derives it from the route
	expected    int
	perItems    int // a batch: the budget scales with this many items
	note        string
	prepare     func(ctx context.Context, f *fixture) (Req, error)
}

// joinNote explains the second round of the list pages that join.
const joinNote = "a join: the page, then the items it names in one eventually consistent BatchGet; " +
	"copying names onto memberships and search entries would make every rename rewrite all of them"

// fixture creates what scenarios need through the API itself.
type fixture struct {
	c     *Client
	in    *Instance
	admin string
	n     atomic.Int64
}

const benchPassword = "correct-horse-battery-staple-42"

func (f *fixture) email(stem string) string {
	return fmt.Sprintf("%s%d@bench.example.com", stem, f.n.Add(1))
}

func (f *fixture) call(ctx context.Context, method, path, token string, body any, want int) (Resp, error) {
	return f.c.Must(ctx, Req{Method: method, Path: path, Token: token, Body: body}, want)
}

// user creates a user (with a password when pw) and returns its id.
func (f *fixture) user(ctx context.Context, role string, pw bool) (id, email string, err error) {
	email = f.email(role)
	body := map[string]any{"email": email, "name": "Bench " + role, "role": role}
	if pw {
		body["password"] = benchPassword
	}
	r, err := f.call(ctx, "POST", "/v1/users", f.admin, body, 201)
	return r.Str("id"), email, err
}

// apiKey creates an API key for a user: its id and secret.
func (f *fixture) apiKey(ctx context.Context, userID string) (string, string, error) {
	r, err := f.call(ctx, "POST", "/v1/users/"+userID+"/api-keys", f.admin, map[string]any{"name": "bench"}, 201)
	if err != nil {
		return "", "", err
	}
	k, _ := r.JSON()["apiKey"].(map[string]any)
	id, _ := k["id"].(string)
	return id, r.Str("secret"), nil
}

// session logs a user in and returns the session token.
func (f *fixture) session(ctx context.Context, email string) (string, error) {
	r, err := f.call(ctx, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": benchPassword}, 200)
	return r.Str("token"), err
}

func (f *fixture) workspace(ctx context.Context) (string, error) {
	r, err := f.call(ctx, "POST", "/v1/workspaces", f.admin, map[string]any{"name": fmt.Sprintf("Bench Space %d", f.n.Add(1))}, 201)
	return r.Str("id"), err
}

// invitation creates a pending invitation: its id and token.
func (f *fixture) invitation(ctx context.Context) (string, string, error) {
	r, err := f.call(ctx, "POST", "/v1/invitations", f.admin, map[string]any{"email": f.email("invitee"), "sendEmail": false}, 201)
	if err != nil {
		return "", "", err
	}
	inv, _ := r.JSON()["invitation"].(map[string]any)
	id, _ := inv["id"].(string)
	return id, tokenOf(r.Str("inviteUrl")), nil
}

func tokenOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return u.Query().Get("token")
}

func get(path, tok string) Req { return Req{Method: "GET", Path: path, Token: tok} }

// scenarios covers every route of the table, plus the variants whose cost
// differs (search, idempotency, a password to hash).
func scenarios() []scenario {
	fixed := func(q Req) func(context.Context, *fixture) (Req, error) {
		return func(context.Context, *fixture) (Req, error) { return q, nil }
	}
	withAdmin := func(method, path string, body any) func(context.Context, *fixture) (Req, error) {
		return func(_ context.Context, f *fixture) (Req, error) {
			return Req{Method: method, Path: path, Token: f.admin, Body: body}, nil
		}
	}
	onUser := func(method, suffix string, body any, setup func(context.Context, *fixture, string) error) func(context.Context, *fixture) (Req, error) {
		return func(ctx context.Context, f *fixture) (Req, error) {
			id, _, err := f.user(ctx, "viewer", false)
			if err == nil && setup != nil {
				err = setup(ctx, f, id)
			}
			return Req{Method: method, Path: "/v1/users/" + id + suffix, Token: f.admin, Body: body}, err
		}
	}
	onWorkspace := func(method, suffix string, body any) func(context.Context, *fixture) (Req, error) {
		return func(ctx context.Context, f *fixture) (Req, error) {
			id, err := f.workspace(ctx)
			return Req{Method: method, Path: "/v1/workspaces/" + id + suffix, Token: f.admin, Body: body}, err
		}
	}
	onInvitation := func(method, suffix string) func(context.Context, *fixture) (Req, error) {
		return func(ctx context.Context, f *fixture) (Req, error) {
			id, _, err := f.invitation(ctx)
			return Req{Method: method, Path: "/v1/invitations/" + id + suffix, Token: f.admin}, err
		}
	}
	withSession := func(method, path string, body any) func(context.Context, *fixture) (Req, error) {
		return func(ctx context.Context, f *fixture) (Req, error) {
			_, email, err := f.user(ctx, "viewer", true)
			if err != nil {
				return Req{}, err
			}
			tok, err := f.session(ctx, email)
			return Req{Method: method, Path: path, Token: tok, Body: body}, err
		}
	}
	ownKey := func(method, suffix string) func(context.Context, *fixture) (Req, error) {
		return func(ctx context.Context, f *fixture) (Req, error) {
			id, secret, err := f.apiKeyForNewUser(ctx)
			if err != nil {
				return Req{}, err
			}
			return Req{Method: method, Path: "/v1/me/api-keys/" + id + suffix, Token: secret}, nil
		}
	}
	s := []scenario{
		{name: "health", expected: 200, prepare: fixed(get("/v1/health", ""))},
		{name: "openapi", expected: 200, budget: BudgetNone, prepare: fixed(get("/v1/openapi.json", ""))},
		{name: "roles-list", expected: 200, budget: BudgetNone, prepare: withAdmin("GET", "/v1/roles", nil)},

		{name: "users-list", expected: 200, prepare: withAdmin("GET", "/v1/users?limit=50", nil)},
		{name: "users-list", route: "search q=bench", note: joinNote, expected: 200, prepare: withAdmin("GET", "/v1/users?limit=50&q=bench", nil)},
		{name: "users-list", route: "role+status filter", expected: 200, prepare: withAdmin("GET", "/v1/users?limit=50&role=viewer&status=active&sort=email", nil)},
		{name: "users-list", route: "workspaceId", note: joinNote, expected: 200, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			id, err := f.workspace(ctx)
			return get("/v1/users?workspaceId="+id, f.admin), err
		}},
		{name: "users-create", expected: 201, prepare: func(_ context.Context, f *fixture) (Req, error) {
			return Req{Method: "POST", Path: "/v1/users", Token: f.admin, Body: map[string]any{"email": f.email("new"), "name": "New User", "role": "viewer"}}, nil
		}},
		{name: "users-create", route: "with password", expected: 201, prepare: func(_ context.Context, f *fixture) (Req, error) {
			return Req{Method: "POST", Path: "/v1/users", Token: f.admin, Body: map[string]any{"email": f.email("new"), "name": "New User", "role": "viewer", "password": benchPassword}}, nil
		}},
		{name: "users-get", expected: 200, prepare: onUser("GET", "", nil, nil)},
		{name: "users-update", expected: 200, prepare: onUser("PATCH", "", map[string]any{"name": "Renamed User"}, nil)},
		{name: "users-update", route: "role change, user has a key", expected: 200, prepare: onUser("PATCH", "", map[string]any{"role": "editor"}, func(ctx context.Context, f *fixture, id string) error {
			_, _, err := f.apiKey(ctx, id)
			return err
		})},
		{name: "users-delete", expected: 204, prepare: onUser("DELETE", "", nil, nil)},
		{name: "users-deactivate", expected: 200, prepare: onUser("POST", "/deactivate", nil, nil)},
		{name: "users-reactivate", expected: 200, prepare: onUser("POST", "/reactivate", nil, func(ctx context.Context, f *fixture, id string) error {
			_, err := f.call(ctx, "POST", "/v1/users/"+id+"/deactivate", f.admin, nil, 200)
			return err
		})},

		{name: "user-api-keys-list", expected: 200, prepare: onUser("GET", "/api-keys", nil, nil)},
		{name: "user-api-keys-create", expected: 201, prepare: onUser("POST", "/api-keys", map[string]any{"name": "ci"}, nil)},
		{name: "user-api-keys-rotate", expected: 200, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			id, _, err := f.user(ctx, "viewer", false)
			if err != nil {
				return Req{}, err
			}
			kid, _, err := f.apiKey(ctx, id)
			return Req{Method: "POST", Path: "/v1/users/" + id + "/api-keys/" + kid + "/rotate", Token: f.admin}, err
		}},
		{name: "user-api-keys-delete", expected: 204, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			id, _, err := f.user(ctx, "viewer", false)
			if err != nil {
				return Req{}, err
			}
			kid, _, err := f.apiKey(ctx, id)
			return Req{Method: "DELETE", Path: "/v1/users/" + id + "/api-keys/" + kid, Token: f.admin}, err
		}},

		{name: "invitations-create", expected: 201, prepare: func(_ context.Context, f *fixture) (Req, error) {
			return Req{Method: "POST", Path: "/v1/invitations", Token: f.admin, Body: map[string]any{"email": f.email("invite")}}, nil
		}},
		{name: "invitations-create", route: "sendEmail false", expected: 201, prepare: func(_ context.Context, f *fixture) (Req, error) {
			return Req{Method: "POST", Path: "/v1/invitations", Token: f.admin, Body: map[string]any{"email": f.email("invite"), "sendEmail": false}}, nil
		}},
		{name: "invitations-create", route: "Idempotency-Key", expected: 201, prepare: func(_ context.Context, f *fixture) (Req, error) {
			return Req{Method: "POST", Path: "/v1/invitations", Token: f.admin, Body: map[string]any{"email": f.email("invite")},
				Header: map[string]string{"Idempotency-Key": fmt.Sprintf("bench-%d", f.n.Add(1))}}, nil
		}},
		{name: "invitations-batch", route: "2 invitations", expected: 200, perItems: 2, prepare: func(_ context.Context, f *fixture) (Req, error) {
			return Req{Method: "POST", Path: "/v1/invitations/batch", Token: f.admin, Body: map[string]any{"invitations": []any{
				map[string]any{"email": f.email("batch")}, map[string]any{"email": f.email("batch")}}}}, nil
		}},
		{name: "invitations-list", expected: 200, prepare: withAdmin("GET", "/v1/invitations?limit=50", nil)},
		{name: "invitations-list", route: "status=pending", expected: 200, prepare: withAdmin("GET", "/v1/invitations?limit=50&status=pending", nil)},
		{name: "invitations-get", expected: 200, prepare: onInvitation("GET", "")},
		{name: "invitations-revoke", expected: 204, prepare: onInvitation("DELETE", "")},
		{name: "invitations-resend", expected: 200, prepare: onInvitation("POST", "/resend")},
		{name: "invitations-preview", budget: BudgetRead, expected: 200, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			_, tok, err := f.invitation(ctx)
			return Req{Method: "POST", Path: "/v1/invitations/preview", Body: map[string]any{"token": tok}}, err
		}},
		{name: "invitations-accept", expected: 201, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			_, tok, err := f.invitation(ctx)
			return Req{Method: "POST", Path: "/v1/invitations/accept", Body: map[string]any{"token": tok, "name": "Invited User", "password": benchPassword}}, err
		}},

		{name: "users-set-password", expected: 204, prepare: onUser("PUT", "/password", map[string]any{"password": benchPassword}, nil)},
		{name: "users-password-reset", expected: 202, prepare: onUser("POST", "/password-reset", nil, nil)},
		{name: "password-reset-complete", expected: 204, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			id, _, err := f.user(ctx, "viewer", false)
			if err != nil {
				return Req{}, err
			}
			r, err := f.call(ctx, "POST", "/v1/users/"+id+"/password-reset", f.admin, nil, 202)
			return Req{Method: "POST", Path: "/v1/password-reset/complete", Body: map[string]any{"token": tokenOf(r.Str("resetUrl")), "password": benchPassword + "!"}}, err
		}},
		{name: "password-validate", budget: BudgetNone, expected: 200, note: "reads only the cached settings", prepare: fixed(Req{Method: "POST", Path: "/v1/password/validate", Body: map[string]any{"password": benchPassword}})},
		{name: "auth-login", expected: 200, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			_, email, err := f.user(ctx, "viewer", true)
			return Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": email, "password": benchPassword}}, err
		}},
		{name: "auth-logout", expected: 204, prepare: withSession("POST", "/v1/auth/logout", nil)},
		{name: "me-password", expected: 204, prepare: withSession("PUT", "/v1/me/password", map[string]any{"currentPassword": benchPassword, "password": benchPassword + "!"})},

		{name: "workspaces-create", expected: 201, prepare: withAdmin("POST", "/v1/workspaces", map[string]any{"name": "Bench Created"})},
		{name: "workspaces-create", route: "Idempotency-Key", expected: 201, prepare: func(_ context.Context, f *fixture) (Req, error) {
			return Req{Method: "POST", Path: "/v1/workspaces", Token: f.admin, Body: map[string]any{"name": "Bench Idem"},
				Header: map[string]string{"Idempotency-Key": fmt.Sprintf("bench-%d", f.n.Add(1))}}, nil
		}},
		{name: "workspaces-list", expected: 200, prepare: withAdmin("GET", "/v1/workspaces?limit=50", nil)},
		{name: "workspaces-list", route: "search q=bench", note: joinNote, expected: 200, prepare: withAdmin("GET", "/v1/workspaces?limit=50&q=bench", nil)},
		{name: "workspaces-get", expected: 200, prepare: onWorkspace("GET", "", nil)},
		{name: "workspaces-update", expected: 200, prepare: onWorkspace("PATCH", "", map[string]any{"name": "Bench Renamed"})},
		{name: "workspaces-delete", expected: 204, prepare: onWorkspace("DELETE", "", nil)},
		{name: "workspace-members-list", note: joinNote, expected: 200, prepare: onWorkspace("GET", "/members?limit=50", nil)},
		{name: "workspace-members-put", expected: 201, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			ws, err := f.workspace(ctx)
			if err != nil {
				return Req{}, err
			}
			uid, _, err := f.user(ctx, "viewer", false)
			return Req{Method: "PUT", Path: "/v1/workspaces/" + ws + "/members/" + uid, Token: f.admin, Body: map[string]any{"role": "member"}}, err
		}},
		{name: "workspace-members-delete", expected: 204, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			ws, err := f.workspace(ctx)
			if err != nil {
				return Req{}, err
			}
			uid, _, err := f.user(ctx, "viewer", false)
			if err != nil {
				return Req{}, err
			}
			_, err = f.call(ctx, "PUT", "/v1/workspaces/"+ws+"/members/"+uid, f.admin, map[string]any{"role": "member"}, 201)
			return Req{Method: "DELETE", Path: "/v1/workspaces/" + ws + "/members/" + uid, Token: f.admin}, err
		}},
		{name: "user-workspaces-list", note: joinNote, expected: 200, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			return get("/v1/users/"+f.in.AdminID+"/workspaces", f.admin), nil
		}},

		{name: "me-get", note: joinNote, budget: BudgetList, expected: 200, prepare: withAdmin("GET", "/v1/me", nil)},
		{name: "me-update", expected: 200, prepare: withSession("PATCH", "/v1/me", map[string]any{"name": "Me Renamed"})},
		{name: "me-api-keys-list", expected: 200, prepare: withAdmin("GET", "/v1/me/api-keys", nil)},
		{name: "me-api-keys-create", expected: 201, prepare: withSession("POST", "/v1/me/api-keys", map[string]any{"name": "mine"})},
		{name: "me-api-keys-rotate", expected: 200, prepare: ownKey("POST", "/rotate")},
		{name: "me-api-keys-delete", expected: 204, prepare: ownKey("DELETE", "")},

		{name: "insights-get", budget: BudgetList, expected: 200, prepare: withAdmin("GET", "/v1/insights", nil)},
		{name: "audit-events-list", expected: 200, prepare: withAdmin("GET", "/v1/audit-events?limit=50", nil)},
		{name: "settings-get", budget: BudgetRead, expected: 200, prepare: withAdmin("GET", "/v1/settings", nil)},
		{name: "settings-update", expected: 200, prepare: withAdmin("PATCH", "/v1/settings", map[string]any{"instanceName": "Bench"})},
		{name: "settings-reset", expected: 200, prepare: withAdmin("POST", "/v1/settings/reset", nil)},
		{name: "admin-tokens-create", expected: 201, prepare: withAdmin("POST", "/v1/admin-tokens", map[string]any{"name": "bench", "expiresInDays": 7})},
		{name: "admin-tokens-list", expected: 200, prepare: withAdmin("GET", "/v1/admin-tokens?limit=50", nil)},
		{name: "admin-tokens-delete", expected: 204, prepare: func(ctx context.Context, f *fixture) (Req, error) {
			r, err := f.call(ctx, "POST", "/v1/admin-tokens", f.admin, map[string]any{"name": "gone", "expiresInDays": 7}, 201)
			t, _ := r.JSON()["adminToken"].(map[string]any)
			id, _ := t["id"].(string)
			return Req{Method: "DELETE", Path: "/v1/admin-tokens/" + id, Token: f.admin}, err
		}},
	}
	for i := range s {
		if s[i].route != "" { // a variant: route holds its label until here
			s[i].name, s[i].route = s[i].name+" ("+s[i].route+")", s[i].name
		} else {
			s[i].route = s[i].name
		}
	}
	return s
}

// apiKeyForNewUser creates a user with a key of its own: the key's id and
// secret (so /v1/me/api-keys/{id} acts on the caller's own key).
func (f *fixture) apiKeyForNewUser(ctx context.Context) (string, string, error) {
	id, _, err := f.user(ctx, "viewer", false)
	if err != nil {
		return "", "", err
	}
	return f.apiKey(ctx, id)
}

// authScenarios measure the authorizer alone, on a route whose function
// makes no storage call.
func authScenarios() []scenario {
	roles := func(tok func(context.Context, *fixture) (string, error)) func(context.Context, *fixture) (Req, error) {
		return func(ctx context.Context, f *fixture) (Req, error) {
			t, err := tok(ctx, f)
			return get("/v1/roles", t), err
		}
	}
	freshKey := func(ctx context.Context, f *fixture) (string, error) {
		id, _, err := f.user(ctx, "viewer", false)
		if err != nil {
			return "", err
		}
		_, secret, err := f.apiKey(ctx, id)
		return secret, err
	}
	usedKey := func(ctx context.Context, f *fixture) (string, error) {
		secret, err := freshKey(ctx, f)
		if err == nil {
			_, err = f.call(ctx, "GET", "/v1/roles", secret, nil, 200)
		}
		return secret, err
	}
	return []scenario{
		{name: "authorizer (API key, used in the last 5 min)", expected: 200, prepare: roles(usedKey)},
		{name: "authorizer (API key, first use: lastUsedAt write)", expected: 200, note: "the lastUsedAt write happens at most once per 5 minutes per token", prepare: roles(freshKey)},
		{name: "authorizer (session)", expected: 200, prepare: roles(func(ctx context.Context, f *fixture) (string, error) {
			_, email, err := f.user(ctx, "viewer", true)
			if err != nil {
				return "", err
			}
			tok, err := f.session(ctx, email)
			if err == nil {
				_, err = f.call(ctx, "GET", "/v1/roles", tok, nil, 200)
			}
			return tok, err
		})},
		{name: "authorizer (admin token)", expected: 200, prepare: roles(func(ctx context.Context, f *fixture) (string, error) {
			r, err := f.call(ctx, "POST", "/v1/admin-tokens", f.admin, map[string]any{"name": "authz", "expiresInDays": 7}, 201)
			if err == nil {
				_, err = f.call(ctx, "GET", "/v1/roles", r.Str("secret"), nil, 200)
			}
			return r.Str("secret"), err
		})},
		{name: "authorizer (unknown well-formed key)", expected: 403, prepare: roles(func(ctx context.Context, f *fixture) (string, error) {
			return token.New(token.APIKey), nil // well-formed, checksum right, in no table
		})},
		{name: "authorizer (malformed token)", expected: 403, prepare: roles(func(context.Context, *fixture) (string, error) {
			return "ushk_not-a-token", nil
		})},
	}
}

// RunCost measures every scenario once on a fresh table.
func RunCost(ctx context.Context, st *Stack, progress func(string, ...any)) ([]Cost, error) {
	table, err := st.NewTable(ctx, "cost")
	if err != nil {
		return nil, err
	}
	defer st.DropTable(context.WithoutCancel(ctx), table)
	in, err := st.NewInstance(ctx, table, discardLogger())
	if err != nil {
		return nil, err
	}
	defer in.Close()
	f := &fixture{c: NewClient(in.URL, 2), in: in, admin: in.Admin}
	// Some data to list, and the admin's key used once (its lastUsedAt set).
	for range 3 {
		if _, _, err := f.user(ctx, "viewer", false); err != nil {
			return nil, err
		}
		if _, err := f.workspace(ctx); err != nil {
			return nil, err
		}
		if _, _, err := f.invitation(ctx); err != nil {
			return nil, err
		}
	}
	all := append(authScenarios(), scenarios()...)
	covered := map[string]bool{}
	var out []Cost
	for _, sc := range all {
		q, err := sc.prepare(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("%s: preparing: %w", sc.name, err)
		}
		t := NewTally()
		r, err := f.c.Do(ctx, q, t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.name, err)
		}
		c := summarize(sc, q, r.Status, t)
		if r.Status != sc.expected {
			c.OK, c.Why = false, fmt.Sprintf("answered %d, want %d: %.200s", r.Status, sc.expected, r.Body)
		}
		covered[sc.route] = true
		out = append(out, c)
	}
	var missing []string
	for _, rt := range routes.All {
		if !covered[rt.Name] {
			missing = append(missing, rt.Name)
		}
	}
	if len(missing) > 0 {
		return out, fmt.Errorf("no cost scenario for route(s) %s", strings.Join(missing, ", "))
	}
	progress("cost: %d requests measured", len(out))
	return out, nil
}

// budgetOf derives a route's budget class from the route table.
func budgetOf(sc scenario) string {
	if sc.budget != "" {
		return sc.budget
	}
	if strings.HasPrefix(sc.name, "authorizer") {
		return BudgetAuth
	}
	rt, _ := routes.ByName(sc.route)
	switch {
	case rt.Method != "GET":
		return BudgetWrite
	case strings.HasSuffix(rt.Path, "}"):
		return BudgetRead
	case rt.Name == "health":
		return BudgetRead
	}
	return BudgetList
}

var writeOps = map[string]bool{"PutItem": true, "UpdateItem": true, "DeleteItem": true, "BatchWriteItem": true, "TransactWriteItems": true}

// summarize turns a request's tally into its cost and verdict.
func summarize(sc scenario, q Req, status int, t *Tally) Cost {
	c := Cost{Name: sc.name, Route: sc.route, Request: q.Method + " " + strings.SplitN(q.Path, "?", 2)[0], Status: status, Budget: budgetOf(sc), Note: sc.note}
	if i := strings.IndexByte(q.Path, '?'); i >= 0 {
		c.Request += "?" + q.Path[i+1:]
	}
	for _, o := range t.Ops(PhaseAuthorizer) {
		switch {
		case o.Kind == KindTouch:
			c.Touch++
		case o.Service == "DynamoDB":
			c.AuthCalls++
		}
		if c.Budget == BudgetAuth {
			c.RCU += o.RCU
			c.WCU += o.WCU
		}
	}
	var own []Op
	for _, o := range t.Ops(PhaseHandler) {
		switch {
		case o.Service != "DynamoDB":
			if o.Name == "SendEmail" {
				c.Mail++
			}
			continue
		case o.Kind == KindCounter:
			c.Counter++
			continue
		case o.Kind == KindSettings:
			c.Settings++
			continue
		}
		own = append(own, o)
		if o.Name == "Scan" {
			c.Scans++
		}
		if writeOps[o.Name] {
			c.Writes++
			if o.Name == "TransactWriteItems" {
				c.Tx++
			}
		} else {
			c.Reads++
		}
		c.RCU += o.RCU
		c.WCU += o.WCU
	}
	c.Calls, c.Rounds = len(own), Rounds(own)
	c.ReadsBefore, c.ReadsAfter = readRounds(own)
	c.Ops = opsString(own)
	if c.Budget == BudgetAuth {
		c.Ops = opsString(t.Ops(PhaseAuthorizer))
	}
	c.OK, c.Why = verdict(c, max(sc.perItems, 1))
	return c
}

// opsString writes calls in order, "+" joining calls issued together and
// " > " separating sequential rounds.
func opsString(ops []Op) string {
	var b strings.Builder
	for i, o := range ops {
		if i > 0 {
			if o.Start < ops[i-1].End {
				b.WriteString("+")
			} else {
				b.WriteString(" > ")
			}
		}
		b.WriteString(shortOp(o.Name))
		switch {
		case o.Kind == KindTouch:
			b.WriteString("(lastUsedAt)")
		case o.On != "":
			b.WriteString("(" + o.On + ")")
		}
	}
	return b.String()
}

func shortOp(name string) string {
	switch name {
	case "TransactWriteItems":
		return "TxWrite"
	case "BatchGetItem":
		return "BatchGet"
	case "BatchWriteItem":
		return "BatchWrite"
	}
	return name
}

// verdict checks a cost against its budget class; n scales it for batches.
func verdict(c Cost, n int) (bool, string) {
	var why []string
	if c.Scans > 0 {
		why = append(why, "uses Scan")
	}
	switch c.Budget {
	case BudgetAuth:
		malformed := strings.Contains(c.Name, "malformed")
		switch {
		case malformed && c.AuthCalls > 0:
			why = append(why, fmt.Sprintf("%d reads for a malformed token (want 0)", c.AuthCalls))
		case c.AuthCalls > 1:
			why = append(why, fmt.Sprintf("%d reads (want ≤ 1)", c.AuthCalls))
		}
	case BudgetNone:
		if c.Calls > 0 {
			why = append(why, fmt.Sprintf("%d DynamoDB calls (want 0)", c.Calls))
		}
	case BudgetRead:
		if c.Calls > 1 {
			why = append(why, fmt.Sprintf("%d calls in %d rounds (want 1)", c.Calls, c.Rounds))
		}
	case BudgetList:
		if c.Calls > 2 || c.Rounds > 1 {
			why = append(why, fmt.Sprintf("%d calls in %d sequential rounds (want ≤ 2, issued together)", c.Calls, c.Rounds))
		}
	case BudgetWrite:
		// A change may read what it rewrites first (one round, its calls
		// issued together: the version its transaction is conditioned on),
		// then writes in one TransactWriteItems. A route that mails records
		// the send's outcome afterwards with one more write per mail.
		if c.ReadsBefore > 1 {
			why = append(why, fmt.Sprintf("reads in %d rounds before writing (want ≤ 1)", c.ReadsBefore))
		}
		if c.ReadsAfter > 0 {
			why = append(why, fmt.Sprintf("reads again after writing (%d rounds)", c.ReadsAfter))
		}
		if allowed := n + min(c.Mail, n); c.Writes > allowed || c.Tx < min(c.Writes, n) {
			why = append(why, fmt.Sprintf("%d writes (%d TransactWriteItems; want %d, plus one per mail sent)", c.Writes, c.Tx, n))
		}
		if c.Writes == 0 {
			why = append(why, "no write")
		}
		if c.Mail > n {
			why = append(why, fmt.Sprintf("%d mails", c.Mail))
		}
	}
	sort.Strings(why)
	return len(why) == 0, strings.Join(why, "; ")
}

// readRounds counts the rounds of ops (grouped as opsString shows them:
// a call starting before the previous one ended joins its round) that only
// read, before the first write and after it.
func readRounds(ops []Op) (before, after int) {
	wrote := false
	for i := 0; i < len(ops); {
		writes := false
		j := i
		for ; j < len(ops) && (j == i || ops[j].Start < ops[j-1].End); j++ {
			writes = writes || writeOps[ops[j].Name]
		}
		switch {
		case writes:
			wrote = true
		case wrote:
			after++
		default:
			before++
		}
		i = j
	}
	return before, after
}
