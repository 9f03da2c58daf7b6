package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestBootstrapAdminListsItself(t *testing.T) {
	e := newEnv(t)
	r := e.call("GET", "/v1/users", e.admin, nil)
	want(t, r, 200)
	it := items(r)
	if len(it) != 1 || it[0]["email"] != "root@example.com" || it[0]["role"] != "super_admin" {
		t.Fatalf("users = %v, want the bootstrap super_admin", it)
	}
	if got := r.JSON()["total"]; got != float64(1) {
		t.Fatalf("total = %v, want 1", got)
	}
	if r.JSON()["nextCursor"] != nil {
		t.Fatalf("nextCursor = %v, want null", r.JSON()["nextCursor"])
	}
}

func TestCreateGetUpdateDeleteUser(t *testing.T) {
	e := newEnv(t)
	r := e.call("POST", "/v1/users", e.admin, map[string]any{"email": "  Ada.Lovelace@Example.COM ", "name": " Ada Lovelace ", "role": "editor"})
	want(t, r, 201)
	id := r.str("id")
	if got := r.str("email"); got != "ada.lovelace@example.com" {
		t.Errorf("email = %q, want trimmed and lowercased", got)
	}
	if got := r.str("name"); got != "Ada Lovelace" {
		t.Errorf("name = %q, want trimmed", got)
	}
	if r.Header.Get("Location") != "/v1/users/"+id || r.Header.Get("ETag") == "" {
		t.Errorf("Location %q, ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
	}
	if ib, _ := r.JSON()["invitedBy"].(map[string]any); ib["id"] != e.adminID || ib["type"] != "user" {
		t.Errorf("invitedBy = %v, want the creating admin", r.JSON()["invitedBy"])
	}
	if r.JSON()["lastLoginAt"] != nil || r.str("status") != "active" {
		t.Errorf("new user = %s", r.Body)
	}

	get := e.call("GET", "/v1/users/"+id, e.admin, nil)
	want(t, get, 200)
	etag := get.Header.Get("ETag")

	up := e.call("PATCH", "/v1/users/"+id, e.admin, map[string]any{"name": "Ada King", "role": "viewer"}, "If-Match", etag)
	want(t, up, 200)
	if up.str("name") != "Ada King" || up.str("role") != "viewer" || up.Header.Get("ETag") == etag {
		t.Fatalf("after PATCH: %s (ETag %s)", up.Body, up.Header.Get("ETag"))
	}
	stale := e.call("PATCH", "/v1/users/"+id, e.admin, map[string]any{"name": "Lost Update"}, "If-Match", etag)
	want(t, stale, 412, "precondition_failed")
	if g := e.call("GET", "/v1/users/"+id, e.admin, nil); g.str("name") != "Ada King" {
		t.Fatalf("a stale If-Match changed the user: %s", g.Body)
	}

	want(t, e.call("DELETE", "/v1/users/"+id, e.admin, nil, "If-Match", etag), 412, "precondition_failed")
	want(t, e.call("DELETE", "/v1/users/"+id, e.admin, nil), 204)
	want(t, e.call("GET", "/v1/users/"+id, e.admin, nil), 404, "not_found")
	want(t, e.call("DELETE", "/v1/users/"+id, e.admin, nil), 404, "not_found")
	// The address is free again.
	want(t, e.call("POST", "/v1/users", e.admin, map[string]any{"email": "ada.lovelace@example.com", "name": "Ada", "role": "viewer"}), 201)
}

func TestEmailIsUniqueCaseInsensitivelyAndAfterNFC(t *testing.T) {
	e := newEnv(t)
	e.user("rené@example.com", "René", "viewer")
	for _, email := range []string{"RENÉ@example.com", "rene\u0301@example.com", " René@Example.com"} {
		r := e.call("POST", "/v1/users", e.admin, map[string]any{"email": email, "name": "Other", "role": "viewer"})
		want(t, r, 409, "user_exists")
	}
	other := e.user("other@example.com", "Other", "viewer")
	want(t, e.call("PATCH", "/v1/users/"+other, e.admin, map[string]any{"email": "RENE\u0301@EXAMPLE.COM"}), 409, "user_exists")
}

func TestConcurrentCreatesOfOneAddress(t *testing.T) {
	e := newEnv(t)
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := e.call("POST", "/v1/users", e.admin, map[string]any{"email": "race@example.com", "name": fmt.Sprint("Racer ", i), "role": "viewer"})
			statuses[i] = r.Status
		}(i)
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[201] != 1 || count[409] != n-1 {
		t.Fatalf("statuses = %v, want one 201 and %d 409s", count, n-1)
	}
	r := e.call("GET", "/v1/users?limit=200", e.admin, nil)
	if len(items(r)) != 2 || r.JSON()["total"] != float64(2) {
		t.Fatalf("after the race: %d users listed, total %v; want 2 and 2", len(items(r)), r.JSON()["total"])
	}
}

func TestValidationListsEveryBadField(t *testing.T) {
	e := newEnv(t)
	r := e.call("POST", "/v1/users", e.admin, map[string]any{"email": "not an email", "name": "   ", "role": "emperor"})
	want(t, r, 400, "invalid_request")
	fields := map[string]bool{}
	for _, fe := range r.JSON()["errors"].([]any) {
		fields[fe.(map[string]any)["field"].(string)] = true
	}
	for _, f := range []string{"email", "name", "role"} {
		if !fields[f] {
			t.Errorf("errors %v do not name %q", r.JSON()["errors"], f)
		}
	}
	if e.call("GET", "/v1/users", e.admin, nil).JSON()["total"] != float64(1) {
		t.Error("a refused create changed the users")
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	id := e.user("target@example.com", "Target", "viewer")
	long := strings.Repeat("a", 64<<10)
	cases := []struct {
		name, method, path string
		body               any
		headers            []string
		status             int
		code, field        string
	}{
		{"mass assignment on create", "POST", "/v1/users", map[string]any{"email": "x@example.com", "name": "X", "role": "viewer", "status": "deactivated"}, nil, 400, "invalid_request", "status"},
		{"mass assignment on patch", "PATCH", "/v1/users/" + id, map[string]any{"role": "viewer", "passwordHash": "x"}, nil, 400, "invalid_request", "passwordHash"},
		{"mass assignment on me", "PATCH", "/v1/me", map[string]any{"name": "Me", "role": "super_admin"}, nil, 400, "invalid_request", "role"},
		{"wrong type", "POST", "/v1/users", map[string]any{"email": 5, "name": "X", "role": "viewer"}, nil, 400, "invalid_request", "email"},
		{"null required", "POST", "/v1/users", map[string]any{"email": nil, "name": "X", "role": "viewer"}, nil, 400, "invalid_request", "email"},
		{"array body", "POST", "/v1/users", "[]", nil, 400, "invalid_request", "body"},
		{"malformed json", "POST", "/v1/users", `{"email":`, nil, 400, "invalid_json", ""},
		{"trailing data", "POST", "/v1/users", `{"email":"a@b.co","name":"A","role":"viewer"} {}`, nil, 400, "invalid_json", ""},
		{"empty body", "POST", "/v1/users", nil, nil, 400, "invalid_request", "body"},
		{"wrong content type", "POST", "/v1/users", `{"email":"a@b.co"}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_media_type", ""},
		{"too large", "POST", "/v1/users", `{"name":"` + long + `"}`, nil, 413, "payload_too_large", ""},
		{"empty patch", "PATCH", "/v1/users/" + id, map[string]any{}, nil, 400, "invalid_request", "body"},
		{"display-name email", "POST", "/v1/users", map[string]any{"email": "Eve <eve@example.com>", "name": "Eve", "role": "viewer"}, nil, 400, "invalid_request", "email"},
		{"crlf in email", "POST", "/v1/users", map[string]any{"email": "eve@example.com\r\nBcc: x@y.z", "name": "Eve", "role": "viewer"}, nil, 400, "invalid_request", "email"},
		{"zero-width in name", "POST", "/v1/users", map[string]any{"email": "eve@example.com", "name": "E\u200bve", "role": "viewer"}, nil, 400, "invalid_request", "name"},
		{"name too long", "POST", "/v1/users", map[string]any{"email": "eve@example.com", "name": strings.Repeat("é", 101), "role": "viewer"}, nil, 400, "invalid_request", "name"},
		{"email too long", "POST", "/v1/users", map[string]any{"email": strings.Repeat("a", 250) + "@x.io", "name": "Eve", "role": "viewer"}, nil, 400, "invalid_request", "email"},
		{"limit zero", "GET", "/v1/users?limit=0", nil, nil, 400, "invalid_request", "limit"},
		{"limit huge", "GET", "/v1/users?limit=100000", nil, nil, 400, "invalid_request", "limit"},
		{"bad sort", "GET", "/v1/users?sort=password", nil, nil, 400, "invalid_request", "sort"},
		{"search with name sort", "GET", "/v1/users?q=ad&sort=name", nil, nil, 400, "invalid_request", "sort"},
		{"bad status filter", "GET", "/v1/users?status=gone", nil, nil, 400, "invalid_request", "status"},
		{"garbage cursor", "GET", "/v1/users?cursor=abc", nil, nil, 400, "invalid_cursor", ""},
		{"unknown id", "GET", "/v1/users/nope", nil, nil, 404, "not_found", ""},
		{"traversal id", "GET", "/v1/users/..%2f..%2fadmin-tokens", nil, nil, 404, "not_found", ""},
		{"body on deactivate", "POST", "/v1/users/" + id + "/deactivate", map[string]any{"role": "super_admin"}, nil, 400, "invalid_request", "role"},
		{"bad if-match", "PATCH", "/v1/users/" + id, map[string]any{"name": "N"}, []string{"If-Match", "garbage"}, 412, "precondition_failed", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.call(c.method, c.path, e.admin, c.body, c.headers...)
			want(t, r, c.status, c.code)
			if c.field != "" {
				found := false
				for _, fe := range r.JSON()["errors"].([]any) {
					found = found || fe.(map[string]any)["field"] == c.field
				}
				if !found {
					t.Fatalf("errors %v do not name %q", r.JSON()["errors"], c.field)
				}
			}
		})
	}
	// Nothing above changed anything.
	u := e.call("GET", "/v1/users/"+id, e.admin, nil)
	if u.str("status") != "active" || u.str("role") != "viewer" || u.str("name") != "Target" {
		t.Fatalf("bad requests changed the target: %s", u.Body)
	}
	if total := e.call("GET", "/v1/users", e.admin, nil).JSON()["total"]; total != float64(2) {
		t.Fatalf("total = %v, want 2", total)
	}
}

func TestPaginationSortAndFilters(t *testing.T) {
	e := newEnv(t)
	names := []string{"Mia Zed", "Ann Young", "Bob Xu", "Cy West", "Dee Vance", "Eve Ulm", "Fay Tor"}
	for i, n := range names {
		role := "viewer"
		if i%2 == 0 {
			role = "editor"
		}
		e.user(fmt.Sprintf("%c%d@example.com", 'z'-rune(i), i), n, role)
	}
	// Walk every page: each user once, total exact, last cursor null.
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		r := e.call("GET", "/v1/users?limit=3&cursor="+cursor, e.admin, nil)
		want(t, r, 200)
		if r.JSON()["total"] != float64(8) {
			t.Fatalf("total = %v, want 8", r.JSON()["total"])
		}
		for _, u := range items(r) {
			if seen[u["id"].(string)] {
				t.Fatalf("user %v on two pages", u["id"])
			}
			seen[u["id"].(string)] = true
		}
		pages++
		next, _ := r.JSON()["nextCursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 8 || pages != 3 {
		t.Fatalf("walked %d users in %d pages, want 8 in 3", len(seen), pages)
	}

	byName := items(e.call("GET", "/v1/users?sort=name&limit=200", e.admin, nil))
	if byName[0]["name"] != "Ann Young" || byName[len(byName)-1]["name"] != "Root Admin" {
		t.Errorf("sort=name: first %v, last %v", byName[0]["name"], byName[len(byName)-1]["name"])
	}
	byEmailDesc := items(e.call("GET", "/v1/users?sort=email&order=desc&limit=200", e.admin, nil))
	for i := 1; i < len(byEmailDesc); i++ {
		if byEmailDesc[i-1]["email"].(string) < byEmailDesc[i]["email"].(string) {
			t.Fatalf("sort=email&order=desc out of order at %d: %v", i, byEmailDesc)
		}
	}
	created := items(e.call("GET", "/v1/users?order=desc", e.admin, nil))
	if created[len(created)-1]["email"] != "root@example.com" {
		t.Errorf("order=desc by createdAt: last is %v, want the first user created", created[len(created)-1]["email"])
	}

	editors := e.call("GET", "/v1/users?role=editor", e.admin, nil)
	if len(items(editors)) != 4 || editors.JSON()["total"] != float64(4) {
		t.Errorf("role=editor: %d items, total %v; want 4, 4", len(items(editors)), editors.JSON()["total"])
	}
	victim := items(editors)[0]["id"].(string)
	want(t, e.call("POST", "/v1/users/"+victim+"/deactivate", e.admin, nil), 200)
	for q, n := range map[string]float64{"status=deactivated": 1, "status=active": 7, "role=editor&status=active": 3, "role=editor&status=deactivated": 1, "role=viewer&status=deactivated": 0} {
		r := e.call("GET", "/v1/users?"+q, e.admin, nil)
		if float64(len(items(r))) != n || r.JSON()["total"] != n {
			t.Errorf("%s: %d items, total %v; want %v", q, len(items(r)), r.JSON()["total"], n)
		}
	}

	// A cursor only works for the listing it came from, and not once altered.
	c := e.call("GET", "/v1/users?limit=2&sort=email", e.admin, nil).JSON()["nextCursor"].(string)
	want(t, e.call("GET", "/v1/users?limit=2&sort=email&cursor="+c, e.admin, nil), 200)
	want(t, e.call("GET", "/v1/users?limit=2&sort=name&cursor="+c, e.admin, nil), 400, "invalid_cursor")
	want(t, e.call("GET", "/v1/users?limit=2&sort=email&role=editor&cursor="+c, e.admin, nil), 400, "invalid_cursor")
	tampered := []byte(c)
	tampered[3] ^= 1
	want(t, e.call("GET", "/v1/users?limit=2&sort=email&cursor="+string(tampered), e.admin, nil), 400, "invalid_cursor")
}

func TestSearchMatchesWordPrefixes(t *testing.T) {
	e := newEnv(t)
	e.user("john.doe+test@mail.example.com", "John Doe", "viewer")
	e.user("jane@other.org", "Jane Smith-Jones", "editor")
	e.user("bob@example.com", "Bob Johnson", "viewer")
	cases := map[string][]string{
		"jo":             {"bob@example.com", "jane@other.org", "john.doe+test@mail.example.com"},
		"john":           {"bob@example.com", "john.doe+test@mail.example.com"},
		"JOHN DO":        {"john.doe+test@mail.example.com"},
		"do jo":          {"john.doe+test@mail.example.com"},
		"ohn":            {},
		"example.com":    {"bob@example.com", "root@example.com"}, // john's domain is mail.example.com
		"mail":           {"john.doe+test@mail.example.com"},
		"test":           {"john.doe+test@mail.example.com"},
		"jones":          {"jane@other.org"},
		"smith-j":        {"jane@other.org"},
		"jane@other.org": {"jane@other.org"},
		"zzz":            {},
	}
	for q, wantEmails := range cases {
		t.Run(q, func(t *testing.T) {
			r := e.call("GET", "/v1/users?q="+strings.ReplaceAll(q, " ", "+"), e.admin, nil)
			want(t, r, 200)
			var got []string
			for _, u := range items(r) {
				got = append(got, u["email"].(string))
			}
			if strings.Join(got, ",") != strings.Join(wantEmails, ",") {
				t.Fatalf("q=%q: got %v, want %v (by email)", q, got, wantEmails)
			}
			if r.JSON()["total"] != nil {
				t.Fatalf("total with q = %v, want null", r.JSON()["total"])
			}
		})
	}
	// Renaming re-indexes.
	jane := items(e.call("GET", "/v1/users?q=jane", e.admin, nil))[0]["id"].(string)
	want(t, e.call("PATCH", "/v1/users/"+jane, e.admin, map[string]any{"name": "Janet Brown"}), 200)
	if n := len(items(e.call("GET", "/v1/users?q=smith", e.admin, nil))); n != 0 {
		t.Errorf("old name still found: %d", n)
	}
	if n := len(items(e.call("GET", "/v1/users?q=brown", e.admin, nil))); n != 1 {
		t.Errorf("new name found %d times, want 1", n)
	}
	// Paging through search results.
	first := e.call("GET", "/v1/users?q=jo&limit=1", e.admin, nil)
	next, _ := first.JSON()["nextCursor"].(string)
	if len(items(first)) != 1 || next == "" {
		t.Fatalf("q=jo&limit=1: %s", first.Body)
	}
	second := e.call("GET", "/v1/users?q=jo&limit=1&cursor="+next, e.admin, nil)
	if len(items(second)) != 1 || items(second)[0]["email"] == items(first)[0]["email"] {
		t.Fatalf("second search page: %s", second.Body)
	}
	want(t, e.call("GET", "/v1/users?q=bo&limit=1&cursor="+next, e.admin, nil), 400, "invalid_cursor")
}

func TestSuperAdminInvariants(t *testing.T) {
	e := newEnv(t)
	_, adminKey := e.userWithKey("admin@example.com", "admin")
	want(t, e.call("PATCH", "/v1/users/"+e.adminID, e.admin, map[string]any{"role": "admin"}), 409, "self_modification")
	want(t, e.call("POST", "/v1/users/"+e.adminID+"/deactivate", e.admin, nil), 409, "self_modification")
	want(t, e.call("DELETE", "/v1/users/"+e.adminID, e.admin, nil), 409, "self_modification")
	// Admins never touch super_admins nor grant the role.
	want(t, e.call("PATCH", "/v1/users/"+e.adminID, adminKey, map[string]any{"name": "Pwned"}), 403, "forbidden")
	want(t, e.call("POST", "/v1/users/"+e.adminID+"/deactivate", adminKey, nil), 403, "forbidden")
	want(t, e.call("DELETE", "/v1/users/"+e.adminID, adminKey, nil), 403, "forbidden")
	want(t, e.call("POST", "/v1/users/"+e.adminID+"/api-keys", adminKey, map[string]any{"name": "backdoor"}), 403, "forbidden")
	want(t, e.call("POST", "/v1/users", adminKey, map[string]any{"email": "s@example.com", "name": "S", "role": "super_admin"}), 403, "forbidden")
	v := e.user("v@example.com", "V", "viewer")
	want(t, e.call("PATCH", "/v1/users/"+v, adminKey, map[string]any{"role": "super_admin"}), 403, "forbidden")
	want(t, e.call("PATCH", "/v1/users/"+v, adminKey, map[string]any{"role": "editor"}), 200)
	if e.call("GET", "/v1/users/"+e.adminID, e.admin, nil).str("name") != "Root Admin" {
		t.Fatal("an admin changed a super_admin")
	}
}

func TestTwoSuperAdminsDemotingEachOther(t *testing.T) {
	e := newEnv(t)
	for round := 0; round < 3; round++ {
		b, bKey := e.userWithKey(fmt.Sprintf("super%d@example.com", round), "super_admin")
		var wg sync.WaitGroup
		var ra, rb resp
		wg.Add(2)
		go func() {
			defer wg.Done()
			ra = e.call("PATCH", "/v1/users/"+b, e.admin, map[string]any{"role": "admin"})
		}()
		go func() {
			defer wg.Done()
			rb = e.call("PATCH", "/v1/users/"+e.adminID, bKey, map[string]any{"role": "admin"})
		}()
		wg.Wait()
		supers := e.call("GET", "/v1/users?role=super_admin&status=active", e.admin, nil)
		if supers.Status != 200 {
			// The root admin was demoted; read as B.
			supers = e.call("GET", "/v1/users?role=super_admin&status=active", bKey, nil)
		}
		if n := supers.JSON()["total"]; n != float64(1) || len(items(supers)) != 1 {
			t.Fatalf("round %d: statuses %d/%d, %v active super_admins remain, want exactly 1", round, ra.Status, rb.Status, n)
		}
		if ra.Status == 200 && rb.Status == 200 {
			t.Fatalf("round %d: both demotions succeeded", round)
		}
		if rb.Status == 200 {
			return // root was demoted: the rest of the rounds need root; done
		}
	}
}

func TestLastSuperAdminCannotGo(t *testing.T) {
	e := newEnv(t)
	b, bKey := e.userWithKey("second@example.com", "super_admin")
	// Root deactivates b; b's key stops working; b cannot be reactivated by itself.
	want(t, e.call("POST", "/v1/users/"+b+"/deactivate", e.admin, nil), 200)
	if r := e.call("GET", "/v1/me", bKey, nil); r.Status != 403 || string(r.Body) != `{"message":"Forbidden"}` {
		t.Fatalf("deactivated super_admin's key: %d %s", r.Status, r.Body)
	}
	// Root is the last active one: b, reactivated, cannot remove root... but
	// root can remove b, and nobody can remove the last one.
	want(t, e.call("POST", "/v1/users/"+b+"/reactivate", e.admin, nil), 200)
	want(t, e.call("GET", "/v1/me", bKey, nil), 200)
	want(t, e.call("DELETE", "/v1/users/"+e.adminID, bKey, nil), 204)
	r := e.call("PATCH", "/v1/users/"+b, bKey, map[string]any{"role": "admin"})
	want(t, r, 409, "self_modification")
	// A new admin-token holder cannot remove the last super_admin either.
	tok := e.call("POST", "/v1/admin-tokens", bKey, map[string]any{"name": "ops"})
	want(t, tok, 201)
	secret := tok.JSON()["secret"].(string)
	e.secrets = append(e.secrets, secret)
	want(t, e.call("DELETE", "/v1/users/"+b, secret, nil), 403, "forbidden")
	_ = http.StatusOK
}
