package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usherhq/usher/pkg/settings"
	"github.com/usherhq/usher/pkg/testenv"
)

// uniq gives each test its own addresses in the shared SES emulator.
func uniq(t *testing.T, local string) string {
	return fmt.Sprintf("%s.%d@example.com", local, time.Now().UnixNano())
}

// linkToken takes the token out of an invite or reset URL.
func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	return u.Query().Get("token")
}

// mailedToken reads the newest mail to an address and follows its link.
func mailedToken(t *testing.T, to string, n int) string {
	t.Helper()
	mails := testenv.MailsTo(t, to, n)
	if len(mails) < n {
		t.Fatalf("%d mails to %s, want %d", len(mails), to, n)
	}
	m := mails[len(mails)-1]
	i := strings.Index(m.Text, "https://console.example.com/")
	if i < 0 {
		t.Fatalf("no link in the mail text:\n%s", m.Text)
	}
	link := strings.Fields(m.Text[i:])[0]
	if !strings.Contains(m.HTML, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
		t.Fatalf("the HTML body does not link to %s", link)
	}
	return linkToken(t, link)
}

func (e *env) setSettings(change func(*settings.Settings)) {
	s, _ := e.app.HTTP.Settings.Get(context.Background())
	change(&s)
	e.app.HTTP.Settings = settings.Static(s)
}

func TestInviteMailAcceptLogin(t *testing.T) {
	e := newEnv(t)
	email := uniq(t, "grace")
	r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": strings.ToUpper(email), "name": "Grace <script>alert(1)</script>", "role": "editor"})
	want(t, r, 201)
	inv := r.JSON()["invitation"].(map[string]any)
	if inv["status"] != "pending" || inv["emailStatus"] != "sent" || inv["sendCount"] != float64(1) || r.JSON()["emailSent"] != true {
		t.Fatalf("created: %s", r.Body)
	}
	if inv["email"] != email {
		t.Fatalf("email %v, want lowercased %s", inv["email"], email)
	}
	mails := testenv.MailsTo(t, email, 1)
	if len(mails) != 1 || mails[0].From != "usher@example.com" || !strings.Contains(mails[0].Subject, "invited") {
		t.Fatalf("mails: %+v", mails)
	}
	if strings.Contains(mails[0].HTML, "<script>") || !strings.Contains(mails[0].HTML, "&lt;script&gt;") {
		t.Fatalf("the invitee's name is not escaped in HTML:\n%s", mails[0].HTML)
	}
	tok := mailedToken(t, email, 1)
	if tok != linkToken(t, r.str("inviteUrl")) || !strings.HasPrefix(tok, "ushi_") {
		t.Fatalf("mailed token %q differs from inviteUrl %s", tok, r.str("inviteUrl"))
	}

	pv := e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": tok})
	want(t, pv, 200)
	if pv.str("email") != email || pv.str("role") != "editor" {
		t.Fatalf("preview: %s", pv.Body)
	}
	// An invitation token is never a bearer.
	gateway(t, e.call("GET", "/v1/me", tok, nil), 403, "Forbidden")
	// The role comes from the invitation only.
	want(t, e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "a long enough secret", "role": "super_admin"}), 400, "invalid_request")
	want(t, e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "short"}), 400, "weak_password")

	acc := e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "name": "Grace Hopper", "password": "a long enough secret"})
	want(t, acc, 201)
	user := acc.JSON()["user"].(map[string]any)
	session := acc.JSON()["session"].(map[string]any)["token"].(string)
	e.secrets = append(e.secrets, session, tok)
	if user["role"] != "editor" || user["email"] != email || user["name"] != "Grace Hopper" {
		t.Fatalf("accepted user: %v", user)
	}
	if ib := user["invitedBy"].(map[string]any); ib["id"] != e.adminID {
		t.Fatalf("invitedBy = %v", ib)
	}
	me := e.call("GET", "/v1/me", session, nil)
	want(t, me, 200)
	if me.str("id") != user["id"] {
		t.Fatalf("/v1/me with the session: %s", me.Body)
	}
	want(t, e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "a long enough secret"}), 410, "invitation_used")
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": tok}), 410, "invitation_used")
	got := e.call("GET", "/v1/invitations/"+inv["id"].(string), e.admin, nil)
	if got.str("status") != "accepted" || got.str("userId") != user["id"] || got.JSON()["acceptedAt"] == nil {
		t.Fatalf("after accept: %s", got.Body)
	}

	login := e.call("POST", "/v1/auth/login", "", map[string]any{"email": " " + strings.ToUpper(email), "password": "a long enough secret"})
	want(t, login, 200)
	e.secrets = append(e.secrets, login.str("token"))
	if login.JSON()["user"].(map[string]any)["lastLoginAt"] == nil {
		t.Fatalf("login does not record lastLoginAt: %s", login.Body)
	}
	want(t, e.call("GET", "/v1/me", login.str("token"), nil), 200)
}

func TestInvitationRules(t *testing.T) {
	e := newEnv(t)
	email := uniq(t, "dup")
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": email, "sendEmail": false}), 201)
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": strings.ToUpper(email)}), 409, "invitation_exists")
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": "ROOT@example.com"}), 409, "user_exists")
	_, adminKey := e.userWithKey(uniq(t, "admin"), "admin")
	want(t, e.call("POST", "/v1/invitations", adminKey, map[string]any{"email": uniq(t, "boss"), "role": "super_admin"}), 403, "forbidden")
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "x"), "role": "pope"}), 400, "invalid_request")
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "x"), "expiresInDays": 31}), 400, "invalid_request")
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "x"), "workspaces": []any{map[string]any{"workspaceId": "w1", "role": "member"}}}), 400, "invalid_request")

	// Settings: default role and expiry, allowed domains.
	e.setSettings(func(s *settings.Settings) { s.InviteExpiryDays = 3; s.DefaultInviteRole = "operator" })
	r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "settings"), "sendEmail": false})
	want(t, r, 201)
	inv := r.JSON()["invitation"].(map[string]any)
	exp, _ := time.Parse(time.RFC3339, inv["expiresAt"].(string))
	if d := time.Until(exp); d < 71*time.Hour || d > 73*time.Hour || inv["role"] != "operator" || inv["emailStatus"] != "not_sent" {
		t.Fatalf("with inviteExpiryDays 3 and defaultInviteRole operator: %v", inv)
	}
	if n := len(testenv.MailsTo(t, inv["email"].(string), 0)); n != 0 {
		t.Fatalf("sendEmail false sent %d mails", n)
	}
	e.setSettings(func(s *settings.Settings) { s.AllowedEmailDomains = []string{"Corp.example"} })
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "outsider")}), 400, "email_domain_not_allowed")
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": "insider@corp.example", "sendEmail": false}), 201)

	// The hourly limit per caller.
	e.setSettings(func(s *settings.Settings) { s.AllowedEmailDomains = nil; s.InvitesPerHourPerActor = 2 })
	_, limited := e.userWithKey(uniq(t, "limited"), "admin")
	want(t, e.call("POST", "/v1/invitations", limited, map[string]any{"email": uniq(t, "a"), "sendEmail": false}), 201)
	want(t, e.call("POST", "/v1/invitations", limited, map[string]any{"email": uniq(t, "b"), "sendEmail": false}), 201)
	rl := e.call("POST", "/v1/invitations", limited, map[string]any{"email": uniq(t, "c"), "sendEmail": false})
	want(t, rl, 429, "rate_limited")
	if rl.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	_, other := e.userWithKey(uniq(t, "other"), "admin")
	want(t, e.call("POST", "/v1/invitations", other, map[string]any{"email": uniq(t, "d"), "sendEmail": false}), 201) // per caller
}

func TestRevokeResendExpire(t *testing.T) {
	e := newEnv(t)
	email := uniq(t, "cycle")
	r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": email, "name": "Cy Cle"})
	want(t, r, 201)
	id := r.JSON()["invitation"].(map[string]any)["id"].(string)
	first := mailedToken(t, email, 1)

	rs := e.call("POST", "/v1/invitations/"+id+"/resend", e.admin, nil)
	want(t, rs, 200)
	second := mailedToken(t, email, 2)
	if second == first || second != linkToken(t, rs.str("inviteUrl")) {
		t.Fatalf("resend did not mail a new link")
	}
	if rs.JSON()["invitation"].(map[string]any)["sendCount"] != float64(2) {
		t.Fatalf("sendCount after resend: %s", rs.Body)
	}
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": first}), 404, "not_found")
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": second}), 200)

	want(t, e.call("DELETE", "/v1/invitations/"+id, e.admin, nil), 204)
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": second}), 410, "invitation_revoked")
	want(t, e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": second, "password": "a long enough secret"}), 410, "invitation_revoked")
	want(t, e.call("DELETE", "/v1/invitations/"+id, e.admin, nil), 409, "invitation_not_pending")
	want(t, e.call("POST", "/v1/invitations/"+id+"/resend", e.admin, nil), 409, "invitation_not_pending")
	want(t, e.call("DELETE", "/v1/invitations/nope", e.admin, nil), 404, "not_found")

	// A revoked invitation frees the address; an expired one too.
	r2 := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": email, "expiresInDays": 1, "sendEmail": false})
	want(t, r2, 201)
	tok := linkToken(t, r2.str("inviteUrl"))
	e.setClock(time.Now().Add(25 * time.Hour))
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": tok}), 410, "invitation_expired")
	want(t, e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "a long enough secret"}), 410, "invitation_expired")
	if g := e.call("GET", "/v1/invitations/"+r2.JSON()["invitation"].(map[string]any)["id"].(string), e.admin, nil); g.str("status") != "expired" {
		t.Fatalf("past its expiry the invitation shows %q", g.str("status"))
	}
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": email, "sendEmail": false}), 201)
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": "ushi_nonsense"}), 404, "not_found")
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{}), 400, "invalid_request")
}

func TestConcurrentAcceptsOfOneInvitation(t *testing.T) {
	e := newEnv(t)
	r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, "twice"), "name": "Twice", "sendEmail": false})
	want(t, r, 201)
	tok := linkToken(t, r.str("inviteUrl"))
	const n = 4
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "a long enough secret"}).Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[201] != 1 || count[410] != n-1 {
		t.Fatalf("statuses %v, want one 201 and %d 410s", count, n-1)
	}
	if total := e.call("GET", "/v1/users", e.admin, nil).JSON()["total"]; total != float64(2) {
		t.Fatalf("users total %v, want 2", total)
	}
}

func TestFailedSendKeepsTheInvitation(t *testing.T) {
	t.Parallel()
	ses, err := testenv.StartSES(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, testenv.Endpoint(), ses.Endpoint, testenv.NewTable(t))
	if err := ses.Stop(); err != nil {
		t.Fatal(err)
	}
	email := uniq(t, "offline")
	r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": email})
	want(t, r, 201)
	inv := r.JSON()["invitation"].(map[string]any)
	if r.JSON()["emailSent"] != false || inv["emailStatus"] != "failed" || r.str("inviteUrl") == "" || r.str("emailError") == "" {
		t.Fatalf("with SES down: %s", r.Body)
	}
	if strings.Contains(r.str("emailError"), "127.0.0.1") || strings.Contains(r.str("emailError"), "connect") {
		t.Fatalf("emailError leaks the cause: %s", r.str("emailError"))
	}
	if g := e.call("GET", "/v1/invitations/"+inv["id"].(string), e.admin, nil); g.str("emailStatus") != "failed" || g.str("status") != "pending" {
		t.Fatalf("stored: %s", g.Body)
	}
	// The link handed back works although no mail went out.
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": linkToken(t, r.str("inviteUrl"))}), 200)
	// SES is back: resend delivers.
	e.app.HTTP.Mail = sharedMailer(t)
	rs := e.call("POST", "/v1/invitations/"+inv["id"].(string)+"/resend", e.admin, nil)
	want(t, rs, 200)
	if rs.JSON()["emailSent"] != true || rs.JSON()["invitation"].(map[string]any)["emailStatus"] != "sent" {
		t.Fatalf("resend after recovery: %s", rs.Body)
	}
	if len(testenv.MailsTo(t, email, 1)) != 1 {
		t.Fatal("the resent mail did not arrive")
	}
}

func TestBatchInvitations(t *testing.T) {
	e := newEnv(t)
	good1, good2 := uniq(t, "b1"), uniq(t, "b2")
	r := e.call("POST", "/v1/invitations/batch", e.admin, map[string]any{"invitations": []any{
		map[string]any{"email": good1},
		map[string]any{"email": "not an email"},
		map[string]any{"email": "root@example.com"},
		map[string]any{"email": good2, "role": "editor", "sendEmail": false},
		map[string]any{"email": good1},
	}})
	want(t, r, 200)
	results := r.JSON()["results"].([]any)
	statuses := []float64{}
	for _, x := range results {
		statuses = append(statuses, x.(map[string]any)["status"].(float64))
	}
	// Items 0 and 4 race for one address: exactly one wins.
	if statuses[1] != 400 || statuses[2] != 409 || statuses[3] != 201 || statuses[0]+statuses[4] != 201+409 {
		t.Fatalf("statuses %v", statuses)
	}
	if e := results[1].(map[string]any)["error"].(map[string]any); e["code"] != "invalid_request" {
		t.Fatalf("bad item error: %v", e)
	}
	if results[2].(map[string]any)["error"].(map[string]any)["code"] != "user_exists" {
		t.Fatalf("existing user: %v", results[2])
	}
	list := e.call("GET", "/v1/invitations?status=pending", e.admin, nil)
	if list.JSON()["total"] != float64(2) || len(items(list)) != 2 {
		t.Fatalf("pending after batch: %s", list.Body)
	}
	want(t, e.call("POST", "/v1/invitations/batch", e.admin, map[string]any{"invitations": []any{}}), 400, "invalid_request")
	many := make([]any, 101)
	for i := range many {
		many[i] = map[string]any{"email": fmt.Sprintf("m%d@example.com", i)}
	}
	want(t, e.call("POST", "/v1/invitations/batch", e.admin, map[string]any{"invitations": many}), 400, "invalid_request")
}

func TestListInvitations(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := 0; i < 5; i++ {
		r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": fmt.Sprintf("list%d@example.com", i), "sendEmail": false})
		want(t, r, 201)
		ids = append(ids, r.JSON()["invitation"].(map[string]any)["id"].(string))
	}
	want(t, e.call("DELETE", "/v1/invitations/"+ids[0], e.admin, nil), 204)
	all := e.call("GET", "/v1/invitations?limit=2", e.admin, nil)
	if all.JSON()["total"] != float64(5) || len(items(all)) != 2 || items(all)[0]["id"] != ids[4] {
		t.Fatalf("newest first, total 5: %s", all.Body)
	}
	seen := 0
	for cur := ""; ; {
		p := e.call("GET", "/v1/invitations?limit=2&cursor="+cur, e.admin, nil)
		want(t, p, 200)
		seen += len(items(p))
		next, _ := p.JSON()["nextCursor"].(string)
		if next == "" {
			break
		}
		cur = next
	}
	if seen != 5 {
		t.Fatalf("paged through %d invitations, want 5", seen)
	}
	for q, n := range map[string]float64{"status=pending": 4, "status=revoked": 1, "status=accepted": 0, "email=LIST3@example.com": 1, "email=list0@example.com&status=pending": 0} {
		r := e.call("GET", "/v1/invitations?"+q, e.admin, nil)
		if r.JSON()["total"] != n || float64(len(items(r))) != n {
			t.Errorf("%s: total %v, %d items; want %v", q, r.JSON()["total"], len(items(r)), n)
		}
	}
	want(t, e.call("GET", "/v1/invitations?status=gone", e.admin, nil), 400, "invalid_request")
	want(t, e.call("GET", "/v1/invitations?email=nope", e.admin, nil), 400, "invalid_request")
}

// With no link base configured (the deployed default), links open the
// console's pages on the host the API was called on.
func TestLinksDefaultToTheConsole(t *testing.T) {
	e := newEnv(t)
	e.setSettings(func(s *settings.Settings) { s.InviteURLBase, s.PasswordResetURLBase = "", "" })
	host := strings.TrimPrefix(e.url, "http://")
	email := uniq(t, "ada")
	r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": email, "role": "viewer"})
	want(t, r, 201)
	if got, prefix := r.str("inviteUrl"), "https://"+host+"/console/accept?token=ushi_"; !strings.HasPrefix(got, prefix) {
		t.Errorf("inviteUrl = %q, want it to start with %q", got, prefix)
	}
	u := e.call("POST", "/v1/users", e.admin, map[string]any{"email": uniq(t, "bob"), "name": "Bob", "role": "viewer", "password": "a long enough passphrase 1"})
	want(t, u, 201)
	want(t, e.call("POST", "/v1/users/"+u.str("id")+"/password-reset", e.admin, nil), 202)
	mails := testenv.MailsTo(t, u.str("email"), 1)
	if len(mails) != 1 || !strings.Contains(mails[0].Text, "https://"+host+"/console/reset?token=ushr_") {
		t.Errorf("the reset mail does not link to the console's reset page: %+v", mails)
	}
}
