package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/usherhq/usher/pkg/app"
	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/config"
	"github.com/usherhq/usher/pkg/password"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/settings"
	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/testenv"
	"github.com/usherhq/usher/pkg/token"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// authorizerEvent and cleanupEvent are the files in events/ that are not a
// route's event: the authorizer's request and the cleanup schedule's event
// (which cleanup_event_test.go feeds to its function).
const (
	authorizerEvent = "authorizer"
	cleanupEvent    = routes.CleanupFunction
)

// Links and sender of the test instance's settings.
const (
	senderEmail   = "usher@example.com"
	inviteURLBase = "https://console.example.com/accept"
	resetURLBase  = "https://console.example.com/reset"
)

// outcome is what a client observes when a sample event reaches its function
// on a table holding only the bootstrap super_admin, who is the caller and,
// for /v1/users/{id}…, also the target, plus what the route's setup adds.
type outcome struct {
	status int
	code   string                    // problem code of an error answer
	setup  func(*testing.T, *result) // before the call: adds to the table, edits r.ev
	check  func(*testing.T, result)  // more about the answer and its effects
}

// result is one sample event's run.
type result struct {
	app     *app.App
	self    store.User                     // the bootstrap super_admin
	ev      events.APIGatewayV2HTTPRequest // as sent, after the test's substitutions
	headers map[string]string              // of the answer
	body    map[string]any                 // the answer; nil for 204
	ws      store.Workspace                // the setup's workspace, owned by self
	other   store.User                     // the setup's second user
}

// wantOutcome lists every route. {keyId}, the admin token {id} and the
// invitation {id} of the samples name nothing in a fresh table: 404; so do
// the samples' well-formed invitation link token and the session the logout
// sample ends. A super_admin acting on itself through the admin routes may
// not deactivate, reactivate or delete itself. The bootstrap super_admin has
// no password: logging in as it fails, and so does changing its password.
var wantOutcome = map[string]outcome{
	"health":               {status: 200, check: field("status", "ok")},
	"openapi":              {status: 200, check: hasKey("openapi")},
	"roles-list":           {status: 200, check: hasKey("instanceRoles")},
	"users-list":           {status: 200, check: listsSelf},
	"users-create":         {status: 201, check: field("email", "grace.hopper@example.com")},
	"users-get":            {status: 200, check: isSelf},
	"users-update":         {status: 200, check: both(isSelf, field("name", "Ada King"))},
	"users-delete":         {status: 409, code: "self_modification"},
	"users-deactivate":     {status: 409, code: "self_modification"},
	"users-reactivate":     {status: 409, code: "self_modification"},
	"user-api-keys-list":   {status: 200, check: hasKey("items")},
	"user-api-keys-create": {status: 201, check: hasKey("secret")},
	"user-api-keys-rotate": {status: 404, code: "not_found"},
	"user-api-keys-delete": {status: 404, code: "not_found"},

	"invitations-create":  {status: 201, check: invitedWithoutEmail},
	"invitations-batch":   {status: 200, check: batchInvitedAndMailed},
	"invitations-list":    {status: 200, check: both(is("total", 0.0), is("nextCursor", nil), emptyItems)},
	"invitations-get":     {status: 404, code: "not_found"},
	"invitations-revoke":  {status: 404, code: "not_found"},
	"invitations-resend":  {status: 404, code: "not_found"},
	"invitations-preview": {status: 404, code: "not_found", check: wellFormed("token", token.Invite)},
	"invitations-accept":  {status: 404, code: "not_found", check: wellFormed("token", token.Invite)},

	"users-set-password":      {status: 204, check: passwordIsSamples("password")},
	"users-password-reset":    {status: 202, check: resetMailed},
	"password-reset-complete": {status: 410, code: "reset_token_invalid", check: wellFormed("token", token.Reset)},
	"password-validate":       {status: 200, check: is("valid", true)},
	"auth-login":              {status: 401, code: "invalid_credentials", check: logsInAsSelf},
	"auth-logout":             {status: 404, code: "not_found"},

	"me-get":              {status: 200, check: isSelf},
	"me-update":           {status: 200, check: both(isSelf, field("name", "Margaret Hamilton"))},
	"me-password":         {status: 400, code: "invalid_request", check: fieldError("currentPassword")},
	"me-api-keys-list":    {status: 200, check: hasKey("items")},
	"me-api-keys-create":  {status: 201, check: hasKey("secret")},
	"me-api-keys-rotate":  {status: 404, code: "not_found"},
	"me-api-keys-delete":  {status: 404, code: "not_found"},
	"admin-tokens-create": {status: 201, check: hasKey("secret")},
	"admin-tokens-list":   {status: 200, check: hasKey("items")},
	"admin-tokens-delete": {status: 404, code: "not_found"},

	// The workspace routes act on a workspace the setup creates, owned by the
	// bootstrap super_admin, and on a second user it creates, who is a
	// member only where the sample removes them.
	"workspaces-create":        {status: 201, check: createdOwnedWorkspace},
	"workspaces-list":          {status: 200, setup: givenWorkspaces("Analytical Engines", "Harvard Mark I"), check: listsOnlyWorkspace},
	"workspaces-get":           {status: 200, setup: givenWorkspace, check: isWorkspace(1)},
	"workspaces-update":        {status: 200, setup: givenWorkspace, check: workspaceUpdated},
	"workspaces-delete":        {status: 204, setup: givenWorkspace, check: workspaceGone},
	"workspace-members-list":   {status: 200, setup: givenWorkspace, check: listsOwnerOnly},
	"workspace-members-put":    {status: 201, setup: givenOther(""), check: memberAdded},
	"workspace-members-delete": {status: 204, setup: givenOther(store.WorkspaceMember), check: memberRemoved},
	"user-workspaces-list":     {status: 200, setup: givenWorkspace, check: listsOwnMembership},

	// The instance routes: the bootstrap counted and audited its
	// super_admin; the settings start at the test instance's defaults.
	"insights-get":      {status: 200, check: countsSelf},
	"audit-events-list": {status: 200, check: listsBootstrapEvent},
	"settings-get":      {status: 200, check: isSettings(defaultSettings)},
	"settings-update":   {status: 200, check: settingsUpdated},
	"settings-reset":    {status: 200, setup: givenOverrides, check: settingsReset},
}

func field(key, want string) func(*testing.T, result) {
	return func(t *testing.T, r result) {
		t.Helper()
		if got, _ := r.body[key].(string); got != want {
			t.Errorf("body %s = %v, want %q", key, r.body[key], want)
		}
	}
}

// is compares a body field with a JSON value: a string, float64, bool or nil.
func is(key string, want any) func(*testing.T, result) {
	return func(t *testing.T, r result) {
		t.Helper()
		if got, ok := r.body[key]; !ok || got != want {
			t.Errorf("body %s = %#v, want %#v", key, got, want)
		}
	}
}

func hasKey(key string) func(*testing.T, result) {
	return func(t *testing.T, r result) {
		t.Helper()
		if _, ok := r.body[key]; !ok {
			t.Errorf("body has no %q", key)
		}
	}
}

func isSelf(t *testing.T, r result) {
	t.Helper()
	if r.body["id"] != r.self.ID {
		t.Errorf("body id = %v, want the bootstrap super_admin %s", r.body["id"], r.self.ID)
	}
}

func listsSelf(t *testing.T, r result) {
	t.Helper()
	items, _ := r.body["items"].([]any)
	for _, it := range items {
		if m, _ := it.(map[string]any); m["id"] == r.self.ID {
			return
		}
	}
	t.Errorf("items = %v, want the bootstrap super_admin %s among them", r.body["items"], r.self.ID)
}

func emptyItems(t *testing.T, r result) {
	t.Helper()
	if items, ok := r.body["items"].([]any); !ok || len(items) != 0 {
		t.Errorf("items = %#v, want []", r.body["items"])
	}
}

func both(fs ...func(*testing.T, result)) func(*testing.T, result) {
	return func(t *testing.T, r result) {
		t.Helper()
		for _, f := range fs {
			f(t, r)
		}
	}
}

// sampleBody decodes the JSON body of the event as sent.
func sampleBody(t *testing.T, ev events.APIGatewayV2HTTPRequest) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(ev.Body), &m); err != nil {
		t.Fatalf("the sample's body: %v", err)
	}
	return m
}

// wellFormed checks that a link token of the sample passes the format check,
// so that its refusal comes from the table lookup.
func wellFormed(key string, kind token.Kind) func(*testing.T, result) {
	return func(t *testing.T, r result) {
		t.Helper()
		s, _ := sampleBody(t, r.ev)[key].(string)
		if k, err := token.Parse(s); err != nil || k != kind {
			t.Errorf("the sample's %s %q is not a well-formed %s token (%v)", key, s, kind, err)
		}
	}
}

// fieldError checks that an invalid_request names the field.
func fieldError(name string) func(*testing.T, result) {
	return func(t *testing.T, r result) {
		t.Helper()
		errs, _ := r.body["errors"].([]any)
		for _, e := range errs {
			if m, _ := e.(map[string]any); m["field"] == name {
				return
			}
		}
		t.Errorf("errors = %v, want one for %s", r.body["errors"], name)
	}
}

// mailed checks that the shared SES emulator got a mail to the address
// holding the link.
func mailed(t *testing.T, to, link string) {
	t.Helper()
	for _, m := range testenv.MailsTo(t, to, 1) {
		if m.From == senderEmail && strings.Contains(m.Text, link) {
			return
		}
	}
	t.Errorf("no mail from %s to %s with %s", senderEmail, to, link)
}

// invitedWithoutEmail: the sample asks for no email; the link is returned,
// the invitation is stored pending and nothing is mailed.
func invitedWithoutEmail(t *testing.T, r result) {
	t.Helper()
	inv, _ := r.body["invitation"].(map[string]any)
	if inv["email"] != "katherine.johnson@example.com" || inv["status"] != "pending" || inv["emailStatus"] != "not_sent" || inv["sendCount"] != 0.0 {
		t.Errorf("invitation = %v, want a pending one to katherine.johnson@example.com, not sent", inv)
	}
	if r.body["emailSent"] != false || r.body["emailError"] != nil {
		t.Errorf("emailSent = %v, emailError = %v, want false and none", r.body["emailSent"], r.body["emailError"])
	}
	if url, _ := r.body["inviteUrl"].(string); !strings.HasPrefix(url, inviteURLBase+"?token=ushi_") {
		t.Errorf("inviteUrl = %q, want %s?token=ushi_…", url, inviteURLBase)
	}
	id, _ := inv["id"].(string)
	if _, err := r.app.Store.GetInvitation(context.Background(), id); err != nil {
		t.Errorf("invitation %s not stored: %v", id, err)
	}
	if mails := testenv.MailsTo(t, "katherine.johnson@example.com", 0); len(mails) > 0 {
		t.Errorf("%d mails sent though sendEmail was false", len(mails))
	}
}

// batchInvitedAndMailed: every entry of the sample is invited and mailed its
// own link.
func batchInvitedAndMailed(t *testing.T, r result) {
	t.Helper()
	asked, _ := sampleBody(t, r.ev)["invitations"].([]any)
	results, _ := r.body["results"].([]any)
	if len(results) != len(asked) || len(asked) == 0 {
		t.Fatalf("%d results for %d invitations", len(results), len(asked))
	}
	for i, x := range results {
		res, _ := x.(map[string]any)
		email, _ := asked[i].(map[string]any)["email"].(string)
		url, _ := res["inviteUrl"].(string)
		if res["status"] != 201.0 || res["email"] != email || res["emailSent"] != true || !strings.HasPrefix(url, inviteURLBase+"?token=ushi_") {
			t.Errorf("results[%d] = %v, want %s invited and mailed", i, res, email)
			continue
		}
		mailed(t, email, url)
	}
}

// resetMailed: the reset link is returned and mailed to the target.
func resetMailed(t *testing.T, r result) {
	t.Helper()
	url, _ := r.body["resetUrl"].(string)
	if r.body["emailSent"] != true || !strings.HasPrefix(url, resetURLBase+"?token=ushr_") {
		t.Fatalf("body = %v, want emailSent and %s?token=ushr_…", r.body, resetURLBase)
	}
	mailed(t, r.self.Email, url)
}

// passwordIsSamples: the password in the sample's body is now the target's.
func passwordIsSamples(key string) func(*testing.T, result) {
	return func(t *testing.T, r result) {
		t.Helper()
		pw, _ := sampleBody(t, r.ev)[key].(string)
		hash, err := r.app.Store.PasswordHash(context.Background(), r.self.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := password.Verify(pw, hash); !ok {
			t.Errorf("the sample's password does not verify against the stored hash (%v)", err)
		}
	}
}

// logsInAsSelf: the sample logs in as the bootstrap super_admin, so that its
// refusal is for a user without a password rather than an unknown address.
func logsInAsSelf(t *testing.T, r result) {
	t.Helper()
	if email := sampleBody(t, r.ev)["email"]; email != r.self.Email {
		t.Errorf("the sample logs in as %v, want the bootstrap super_admin %s", email, r.self.Email)
	}
}

// setPathParam gives a path parameter of the event a value of the test's
// table, in pathParameters and in the raw path.
func setPathParam(ev *events.APIGatewayV2HTTPRequest, name, value string) {
	old := ev.PathParameters[name]
	ev.PathParameters[name] = value
	ev.RawPath = strings.Replace(ev.RawPath, old, value, 1)
	ev.RequestContext.HTTP.Path = ev.RawPath
}

// newWorkspace creates a workspace owned by the bootstrap super_admin.
func newWorkspace(t *testing.T, r *result, name string) store.Workspace {
	t.Helper()
	ws, err := r.app.Store.CreateWorkspace(context.Background(), nil, store.NewWorkspace{Name: name, Description: "Set up by the test",
		OwnerID: r.self.ID, CreatedBy: store.Ref{Type: auth.KindUser, ID: r.self.ID}}, nil, nil)
	if err != nil {
		t.Fatalf("creating workspace %q: %v", name, err)
	}
	return ws
}

// givenWorkspaces creates workspaces; the first is the result's.
func givenWorkspaces(names ...string) func(*testing.T, *result) {
	return func(t *testing.T, r *result) {
		t.Helper()
		for i, name := range names {
			if ws := newWorkspace(t, r, name); i == 0 {
				r.ws = ws
			}
		}
		if _, ok := r.ev.PathParameters["id"]; ok && strings.HasPrefix(r.ev.RouteKey, r.ev.RequestContext.HTTP.Method+" /v1/workspaces/{id}") {
			setPathParam(&r.ev, "id", r.ws.ID)
		}
	}
}

// givenWorkspace creates a workspace and names it in the sample's path.
func givenWorkspace(t *testing.T, r *result) {
	t.Helper()
	givenWorkspaces("Analytical Engines")(t, r)
}

// givenOther creates the workspace and a second user, named as {userId},
// who gets the role in the workspace unless it is "".
func givenOther(role string) func(*testing.T, *result) {
	return func(t *testing.T, r *result) {
		t.Helper()
		givenWorkspace(t, r)
		ctx := context.Background()
		u, err := r.app.Store.CreateUser(ctx, nil, store.NewUser{Email: "ada.lovelace@example.com", Name: "Ada Lovelace", Role: "editor"})
		if err != nil {
			t.Fatalf("creating the second user: %v", err)
		}
		r.other = u
		setPathParam(&r.ev, "userId", u.ID)
		if role == "" {
			return
		}
		if _, err := r.app.Store.SetMember(ctx, nil, nil, r.ws.ID, u.ID, role, func(string) error { return nil }); err != nil {
			t.Fatalf("adding the second user as %s: %v", role, err)
		}
		if got := membership(t, r, r.ws.ID, u.ID); got != role {
			t.Fatalf("the second user's role = %q, want %q", got, role)
		}
	}
}

func membership(t *testing.T, r *result, wsID, userID string) string {
	t.Helper()
	role, err := r.app.Store.Membership(context.Background(), wsID, userID)
	if err != nil {
		t.Fatal(err)
	}
	return role
}

// storedWorkspace reads the workspace as stored now.
func storedWorkspace(t *testing.T, r result, id string) store.Workspace {
	t.Helper()
	ws, err := r.app.Store.GetWorkspace(context.Background(), id)
	if err != nil {
		t.Fatalf("workspace %s: %v", id, err)
	}
	return ws
}

// userMemberships lists a user's workspaces as stored now.
func userMemberships(t *testing.T, r result, userID string) []store.UserMembership {
	t.Helper()
	p, err := r.app.Store.UserMemberships(context.Background(), userID, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

// items returns the body's items as objects.
func items(t *testing.T, r result) []map[string]any {
	t.Helper()
	raw, ok := r.body["items"].([]any)
	if !ok {
		t.Fatalf("body items = %#v, want a list", r.body["items"])
	}
	var out []map[string]any
	for _, it := range raw {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

func wantETag(t *testing.T, r result, version int) {
	t.Helper()
	if got, want := header(r.headers, "ETag"), `"`+strconv.Itoa(version)+`"`; got != want {
		t.Errorf("ETag = %q, want %q", got, want)
	}
}

// createdOwnedWorkspace: the sample's workspace exists, created by the
// caller, who is its only member and owner.
func createdOwnedWorkspace(t *testing.T, r result) {
	t.Helper()
	asked := sampleBody(t, r.ev)
	id, _ := r.body["id"].(string)
	if r.body["name"] != asked["name"] || r.body["description"] != asked["description"] || r.body["memberCount"] != 1.0 {
		t.Errorf("body = %v, want the sample's workspace with one member", r.body)
	}
	if by, _ := r.body["createdBy"].(map[string]any); by["type"] != auth.KindUser || by["id"] != r.self.ID {
		t.Errorf("createdBy = %v, want the bootstrap super_admin", r.body["createdBy"])
	}
	if loc := header(r.headers, "Location"); loc != "/v1/workspaces/"+id {
		t.Errorf("Location = %q, want /v1/workspaces/%s", loc, id)
	}
	wantETag(t, r, 1)
	if ws := storedWorkspace(t, r, id); ws.Name != asked["name"] || ws.MemberCount != 1 {
		t.Errorf("stored workspace = %+v", ws)
	}
	if role := membership(t, &r, id, r.self.ID); role != store.WorkspaceOwner {
		t.Errorf("the bootstrap super_admin's role = %q, want owner", role)
	}
	if ms := userMemberships(t, r, r.self.ID); len(ms) != 1 || ms[0].Workspace.ID != id || ms[0].Role != store.WorkspaceOwner {
		t.Errorf("the bootstrap super_admin's workspaces = %+v, want it as owner of %s", ms, id)
	}
}

// listsOnlyWorkspace: the sample's search finds the setup's first workspace
// and not the second.
func listsOnlyWorkspace(t *testing.T, r result) {
	t.Helper()
	its := items(t, r)
	if len(its) != 1 || its[0]["id"] != r.ws.ID || its[0]["name"] != r.ws.Name {
		t.Errorf("items = %v, want only %s (%s)", its, r.ws.ID, r.ws.Name)
	}
	if r.body["nextCursor"] != nil {
		t.Errorf("nextCursor = %v, want none", r.body["nextCursor"])
	}
}

func isWorkspace(version int) func(*testing.T, result) {
	return func(t *testing.T, r result) {
		t.Helper()
		if r.body["id"] != r.ws.ID || r.body["name"] != r.ws.Name || r.body["memberCount"] != 1.0 {
			t.Errorf("body = %v, want workspace %s (%s) with one member", r.body, r.ws.ID, r.ws.Name)
		}
		wantETag(t, r, version)
	}
}

// workspaceUpdated: the sample's name and description are the workspace's
// now, at its second version (the sample's If-Match names the first).
func workspaceUpdated(t *testing.T, r result) {
	t.Helper()
	asked := sampleBody(t, r.ev)
	if r.body["id"] != r.ws.ID || r.body["name"] != asked["name"] || r.body["description"] != asked["description"] {
		t.Errorf("body = %v, want workspace %s with the sample's name and description", r.body, r.ws.ID)
	}
	wantETag(t, r, 2)
	if ws := storedWorkspace(t, r, r.ws.ID); ws.Name != asked["name"] || ws.Description != asked["description"] {
		t.Errorf("stored workspace = %+v, want the sample's name and description", ws)
	}
}

// workspaceGone: the workspace and its owner's membership are deleted.
func workspaceGone(t *testing.T, r result) {
	t.Helper()
	if _, err := r.app.Store.GetWorkspace(context.Background(), r.ws.ID); !errors.Is(err, problem.ErrNotFound) {
		t.Errorf("workspace %s after its deletion: %v, want not_found", r.ws.ID, err)
	}
	if role := membership(t, &r, r.ws.ID, r.self.ID); role != "" {
		t.Errorf("the owner's membership survived as %q", role)
	}
	if ms := userMemberships(t, r, r.self.ID); len(ms) != 0 {
		t.Errorf("the owner's workspaces = %+v, want none", ms)
	}
}

// listsOwnerOnly: the new workspace's one member is its owner.
func listsOwnerOnly(t *testing.T, r result) {
	t.Helper()
	its := items(t, r)
	if len(its) != 1 {
		t.Fatalf("items = %v, want the owner alone", its)
	}
	if u, _ := its[0]["user"].(map[string]any); u["id"] != r.self.ID || u["email"] != r.self.Email || its[0]["role"] != store.WorkspaceOwner {
		t.Errorf("items[0] = %v, want the bootstrap super_admin %s as owner", its[0], r.self.ID)
	}
}

// memberAdded: the second user is a member with the sample's role.
func memberAdded(t *testing.T, r result) {
	t.Helper()
	role, _ := sampleBody(t, r.ev)["role"].(string)
	if u, _ := r.body["user"].(map[string]any); u["id"] != r.other.ID || u["email"] != r.other.Email || r.body["role"] != role {
		t.Errorf("body = %v, want %s as %s", r.body, r.other.ID, role)
	}
	if got := membership(t, &r, r.ws.ID, r.other.ID); got != role {
		t.Errorf("stored role = %q, want %q", got, role)
	}
	if ws := storedWorkspace(t, r, r.ws.ID); ws.MemberCount != 2 {
		t.Errorf("memberCount = %d, want 2", ws.MemberCount)
	}
}

// memberRemoved: the second user is no member any more; the owner stays.
func memberRemoved(t *testing.T, r result) {
	t.Helper()
	if got := membership(t, &r, r.ws.ID, r.other.ID); got != "" {
		t.Errorf("the removed member's role = %q, want none", got)
	}
	if ms := userMemberships(t, r, r.other.ID); len(ms) != 0 {
		t.Errorf("the removed member's workspaces = %+v, want none", ms)
	}
	if ws := storedWorkspace(t, r, r.ws.ID); ws.MemberCount != 1 {
		t.Errorf("memberCount = %d, want 1", ws.MemberCount)
	}
	if got := membership(t, &r, r.ws.ID, r.self.ID); got != store.WorkspaceOwner {
		t.Errorf("the owner's role = %q, want owner", got)
	}
}

// listsOwnMembership: the bootstrap super_admin owns the setup's workspace.
func listsOwnMembership(t *testing.T, r result) {
	t.Helper()
	its := items(t, r)
	if len(its) != 1 {
		t.Fatalf("items = %v, want one membership", its)
	}
	if ws, _ := its[0]["workspace"].(map[string]any); ws["id"] != r.ws.ID || ws["name"] != r.ws.Name || its[0]["role"] != store.WorkspaceOwner {
		t.Errorf("items[0] = %v, want owner of %s (%s)", its[0], r.ws.ID, r.ws.Name)
	}
}

// num reads a number at a path of nested objects of the body.
func num(t *testing.T, body map[string]any, path ...string) float64 {
	t.Helper()
	var v any = body
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	n, ok := v.(float64)
	if !ok {
		t.Errorf("body %s = %#v, want a number", strings.Join(path, "."), v)
	}
	return n
}

// countsSelf: the insights count the bootstrap super_admin, and the
// requests of the last seven days are there, today last.
func countsSelf(t *testing.T, r result) {
	t.Helper()
	if n := num(t, r.body, "users", "total"); n < 1 {
		t.Errorf("users.total = %v, want at least 1", n)
	}
	if n := num(t, r.body, "users", "active"); n < 1 {
		t.Errorf("users.active = %v, want at least 1", n)
	}
	if n := num(t, r.body, "users", "byRole", "super_admin"); n < 1 {
		t.Errorf("users.byRole.super_admin = %v, want at least 1", n)
	}
	for _, role := range auth.RoleNames() {
		num(t, r.body, "users", "byRole", role)
	}
	req, _ := r.body["requests"].(map[string]any)
	days, _ := req["last7Days"].([]any)
	if len(days) != 7 {
		t.Fatalf("requests.last7Days = %v, want 7 days", req["last7Days"])
	}
	last, _ := days[6].(map[string]any)
	if today := time.Now().UTC().Format("2006-01-02"); last["date"] != today || last["count"] != req["today"] {
		t.Errorf("last day = %v, requests.today = %v, want today %s with today's count", last, req["today"], today)
	}
}

// listsBootstrapEvent: the sample lists user.created events; the bootstrap
// recorded one for its super_admin.
func listsBootstrapEvent(t *testing.T, r result) {
	t.Helper()
	if action := r.ev.QueryStringParameters["action"]; action != "user.created" {
		t.Fatalf("the sample's action = %q, want user.created", action)
	}
	its := items(t, r)
	for _, it := range its {
		if it["action"] != "user.created" {
			t.Errorf("item %v is not a user.created event", it)
		}
	}
	for _, it := range its {
		target, _ := it["target"].(map[string]any)
		actor, _ := it["actor"].(map[string]any)
		if target["type"] == "user" && target["id"] == r.self.ID {
			if actor["type"] != "system" {
				t.Errorf("the bootstrap event's actor = %v, want the system", actor)
			}
			return
		}
	}
	t.Errorf("items = %v, want the bootstrap's user.created for %s", its, r.self.ID)
}

// defaultSettings are the test instance's settings without overrides.
func defaultSettings() settings.Settings {
	return settings.Defaults(senderEmail, inviteURLBase, resetURLBase)
}

// isSettings compares the body with the settings (as JSON).
func isSettings(want func() settings.Settings) func(*testing.T, result) {
	return func(t *testing.T, r result) {
		t.Helper()
		b, _ := json.Marshal(want())
		var w map[string]any
		_ = json.Unmarshal(b, &w)
		if !reflect.DeepEqual(r.body, w) {
			t.Errorf("body = %v\nwant %v", r.body, w)
		}
	}
}

// inForce reads the settings as every function would: the stored overrides
// laid over the defaults.
func inForce(t *testing.T, r result) settings.Settings {
	t.Helper()
	raw, _, err := r.app.Store.SettingsOverrides(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.Effective(defaultSettings(), raw)
	if err != nil {
		t.Fatalf("stored overrides %s: %v", raw, err)
	}
	return s
}

// sampleSettings are the defaults with the settings-update sample's changes.
func sampleSettings() settings.Settings {
	s := defaultSettings()
	s.InviteExpiryDays, s.PasswordPolicy.MinLength = 3, 14
	return s
}

// settingsUpdated: the sample's two settings are in force, answered and
// stored; every other setting, in passwordPolicy too, kept its default.
func settingsUpdated(t *testing.T, r result) {
	t.Helper()
	asked := sampleBody(t, r.ev)
	if asked["inviteExpiryDays"] != 3.0 || !reflect.DeepEqual(asked["passwordPolicy"], map[string]any{"minLength": 14.0}) {
		t.Fatalf("the sample's body = %v, want inviteExpiryDays 3 and passwordPolicy.minLength 14", asked)
	}
	isSettings(sampleSettings)(t, r)
	if got := inForce(t, r); !reflect.DeepEqual(got, sampleSettings()) {
		t.Errorf("stored settings = %+v\nwant %+v", got, sampleSettings())
	}
	// The process that made the change forgets its cached settings at once.
	if got, err := r.app.HTTP.Settings.Get(context.Background()); err != nil || !reflect.DeepEqual(got, sampleSettings()) {
		t.Errorf("settings in force = %+v (%v)\nwant %+v", got, err, sampleSettings())
	}
	again := runSample(t, r, "settings-get")
	if !reflect.DeepEqual(again, r.body) {
		t.Errorf("GET /v1/settings after the change = %v\nwant %v", again, r.body)
	}
}

// givenOverrides stores the settings-update sample's overrides, and makes
// the app's settings source read them.
func givenOverrides(t *testing.T, r *result) {
	t.Helper()
	err := r.app.Store.SaveSettings(context.Background(), nil, []byte(`{"inviteExpiryDays":3,"passwordPolicy":{"minLength":14}}`), 0,
		[]string{"inviteExpiryDays", "passwordPolicy.minLength"})
	if err != nil {
		t.Fatalf("storing overrides: %v", err)
	}
	if got := inForce(t, *r); !reflect.DeepEqual(got, sampleSettings()) {
		t.Fatalf("settings after the setup = %+v, want the overrides in force", got)
	}
	if got, err := r.app.HTTP.Settings.Get(context.Background()); err != nil || got.InviteExpiryDays != 3 {
		t.Fatalf("the app's settings after the setup = %+v (%v), want the overrides in force", got, err)
	}
}

// settingsReset: the defaults are back, in the answer, in the table and in
// force.
func settingsReset(t *testing.T, r result) {
	t.Helper()
	isSettings(defaultSettings)(t, r)
	raw, _, err := r.app.Store.SettingsOverrides(context.Background())
	if err != nil || raw != nil {
		t.Errorf("stored overrides after the reset = %s (%v), want none", raw, err)
	}
	if got, err := r.app.HTTP.Settings.Get(context.Background()); err != nil || !reflect.DeepEqual(got, defaultSettings()) {
		t.Errorf("settings in force = %+v (%v)\nwant the defaults", got, err)
	}
	if again := runSample(t, r, "settings-get"); !reflect.DeepEqual(again, r.body) {
		t.Errorf("GET /v1/settings after the reset = %v\nwant %v", again, r.body)
	}
}

// runSample sends another route's sample event, as the bootstrap
// super_admin, to that route's function of the same app; it wants 200.
func runSample(t *testing.T, r result, name string) map[string]any {
	t.Helper()
	rt, ok := routes.ByName(name)
	if !ok {
		t.Fatalf("no route %s", name)
	}
	var ev events.APIGatewayV2HTTPRequest
	decodeFile(t, eventFiles(t)[name], &ev)
	ev.RequestContext.Authorizer.Lambda["principalId"] = r.self.ID
	ev.RequestContext.Authorizer.Lambda["tokenId"] = r.ev.RequestContext.Authorizer.Lambda["tokenId"]
	res, err := r.app.HTTP.Lambda(rt)(context.Background(), ev)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d (%v): %s", name, res.StatusCode, err, res.Body)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return body
}

// eventFiles returns the events/*.json files by name without the extension.
func eventFiles(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, p := range paths {
		files[strings.TrimSuffix(filepath.Base(p), ".json")] = p
	}
	return files
}

// decodeFile decodes a sample event, refusing fields the event type lacks
// (a misspelt key would otherwise be silently dropped).
func decodeFile(t *testing.T, path string, dst any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	if dec.More() {
		t.Fatalf("%s: more than one JSON value", filepath.Base(path))
	}
}

// newApp wires Usher on a fresh table holding one bootstrap super_admin; it
// mails through the shared SES emulator.
func newApp(t *testing.T) (*app.App, store.User, store.APIKey, string) {
	t.Helper()
	cfg := config.Config{Table: testenv.NewTable(t), DynamoDBEndpoint: testenv.Endpoint(), SESEndpoint: testenv.SESEndpoint(),
		CursorSecret: "test-secret", Stage: "test", SenderEmail: senderEmail, InviteURLBase: inviteURLBase, ResetURLBase: resetURLBase}
	a, err := app.New(context.Background(), cfg, app.Logger(t.Output(), slog.LevelInfo))
	if err != nil {
		t.Fatal(err)
	}
	u, key, secret, err := a.Store.Bootstrap(context.Background(), "root@example.com", "Root Admin")
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return a, u, key, secret
}

func TestEveryRouteHasASampleEvent(t *testing.T) {
	files := eventFiles(t)
	var missing []string
	for _, rt := range routes.All {
		if _, ok := files[rt.Name]; !ok {
			missing = append(missing, "events/"+rt.Name+".json")
		}
		if _, ok := wantOutcome[rt.Name]; !ok {
			t.Errorf("route %s has no expected outcome in wantOutcome", rt.Name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("routes without a sample event: %s", strings.Join(missing, ", "))
	}
	if _, ok := files[authorizerEvent]; !ok {
		t.Errorf("no events/%s.json", authorizerEvent)
	}
	for name := range files {
		if _, ok := routes.ByName(name); !ok && name != authorizerEvent && name != cleanupEvent && name != routes.Console.Name {
			t.Errorf("events/%s.json names no function", name)
		}
	}
	for name := range wantOutcome {
		if _, ok := routes.ByName(name); !ok {
			t.Errorf("wantOutcome lists %s, which is not a route", name)
		}
	}
}

// pathValues matches the event's raw path against the route's pattern the
// way the function's own mux does and returns the path parameters.
func pathValues(rt routes.Route, method, rawPath string) (map[string]string, bool) {
	var got map[string]string
	mux := http.NewServeMux()
	mux.HandleFunc(rt.Pattern(), func(_ http.ResponseWriter, r *http.Request) {
		got = map[string]string{}
		for _, name := range routes.Params(rt.Path) {
			got[name] = r.PathValue(name)
		}
	})
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, rawPath, nil))
	return got, got != nil
}

// checkShape checks that a route's sample is the event API Gateway sends
// that route's function.
func checkShape(t *testing.T, rt routes.Route, ev events.APIGatewayV2HTTPRequest) {
	t.Helper()
	pattern := rt.Method + " " + rt.Path
	if ev.Version != "2.0" {
		t.Errorf("version = %q, want 2.0", ev.Version)
	}
	if ev.RouteKey != pattern || ev.RequestContext.RouteKey != pattern {
		t.Errorf("routeKey = %q, requestContext.routeKey = %q, want %q", ev.RouteKey, ev.RequestContext.RouteKey, pattern)
	}
	if ev.RequestContext.HTTP.Method != rt.Method || ev.RequestContext.HTTP.Path != ev.RawPath {
		t.Errorf("requestContext.http = %s %s, want %s %s", ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path, rt.Method, ev.RawPath)
	}
	if ev.RequestContext.Stage != "$default" || ev.RequestContext.RequestID == "" || ev.RequestContext.TimeEpoch == 0 {
		t.Errorf("requestContext stage %q, requestId %q, timeEpoch %d", ev.RequestContext.Stage, ev.RequestContext.RequestID, ev.RequestContext.TimeEpoch)
	}
	params, ok := pathValues(rt, rt.Method, ev.RawPath)
	switch {
	case !ok:
		t.Errorf("rawPath %q does not match %s", ev.RawPath, pattern)
	case len(params) == 0 && ev.PathParameters != nil, len(params) > 0 && !mapsEqual(params, ev.PathParameters):
		t.Errorf("pathParameters = %v, want %v (from rawPath)", ev.PathParameters, params)
	}
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q is not lowercased", k)
		}
	}
	if (ev.Body != "") != (ev.Headers["content-type"] != "") {
		t.Errorf("body %q with content-type %q", ev.Body, ev.Headers["content-type"])
	}
	if ev.Body != "" && (ev.IsBase64Encoded || !json.Valid([]byte(ev.Body))) {
		t.Errorf("body is not plain JSON text: %q (isBase64Encoded %v)", ev.Body, ev.IsBase64Encoded)
	}
	lambda := map[string]any(nil)
	if ev.RequestContext.Authorizer != nil {
		lambda = ev.RequestContext.Authorizer.Lambda
	}
	switch {
	case rt.Public() && ev.RequestContext.Authorizer != nil:
		t.Error("a public route's event carries an authorizer context")
	case !rt.Public():
		for _, k := range []string{"principalType", "principalId", "role", "tokenId", "tokenKind"} {
			if s, _ := lambda[k].(string); s == "" {
				t.Errorf("requestContext.authorizer.lambda.%s missing", k)
			}
		}
		if lambda["principalType"] != "user" || lambda["role"] != "super_admin" {
			t.Errorf("authorizer context %v, want a super_admin user", lambda)
		}
		if !strings.HasPrefix(ev.Headers["authorization"], "Bearer ") {
			t.Errorf("authorization header = %q, want a bearer token", ev.Headers["authorization"])
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// header reads a response header whatever its case.
func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// TestSampleEventsThroughTheirFunctions runs every route's sample event
// through the route's own Lambda handler against a fresh table.
func TestSampleEventsThroughTheirFunctions(t *testing.T) {
	files := eventFiles(t)
	for _, rt := range routes.All {
		path, ok := files[rt.Name]
		if !ok {
			continue // TestEveryRouteHasASampleEvent names it
		}
		want, ok := wantOutcome[rt.Name]
		if !ok {
			continue
		}
		t.Run(rt.Name, func(t *testing.T) {
			t.Parallel()
			var ev events.APIGatewayV2HTTPRequest
			decodeFile(t, path, &ev)
			checkShape(t, rt, ev)
			if t.Failed() {
				t.FailNow()
			}

			a, self, key, _ := newApp(t)
			// The sample's principal and target user do not exist in a fresh
			// table: make the bootstrap super_admin both, calling with its API
			// key. A sample made with a session keeps its (unknown) session.
			if !rt.Public() {
				lambda := ev.RequestContext.Authorizer.Lambda
				lambda["principalId"] = self.ID
				if lambda["tokenKind"] == "api_key" {
					lambda["tokenId"] = key.ID
				}
			}
			if strings.HasPrefix(rt.Path, "/v1/users/{id}") {
				setPathParam(&ev, "id", self.ID)
			}
			r := result{app: a, self: self, ev: ev}
			if want.setup != nil {
				want.setup(t, &r)
			}

			res, err := a.HTTP.Lambda(rt)(context.Background(), r.ev)
			if err != nil {
				t.Fatalf("handler error: %v", err)
			}
			if res.StatusCode >= 500 {
				t.Fatalf("status %d: %s", res.StatusCode, res.Body)
			}
			if rid := header(res.Headers, "X-Request-Id"); rid != r.ev.RequestContext.RequestID {
				t.Errorf("X-Request-Id = %q, want the event's requestId %q", rid, ev.RequestContext.RequestID)
			}
			if cc := header(res.Headers, "Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			if res.StatusCode != want.status {
				t.Fatalf("status = %d, want %d; body: %s", res.StatusCode, want.status, res.Body)
			}
			r.headers = res.Headers
			if want.status == http.StatusNoContent {
				if res.Body != "" || header(res.Headers, "Content-Type") != "" {
					t.Errorf("204 with Content-Type %q and body %q", header(res.Headers, "Content-Type"), res.Body)
				}
			} else {
				if res.IsBase64Encoded || !json.Valid([]byte(res.Body)) {
					t.Fatalf("body is not JSON (isBase64Encoded %v): %q", res.IsBase64Encoded, res.Body)
				}
				if err := json.Unmarshal([]byte(res.Body), &r.body); err != nil {
					t.Fatalf("body is not a JSON object: %v", err)
				}
				wantType := "application/json"
				if want.status >= 400 {
					wantType = "application/problem+json"
				}
				if ct := header(res.Headers, "Content-Type"); ct != wantType {
					t.Errorf("Content-Type = %q, want %q", ct, wantType)
				}
			}
			if want.code != "" && r.body["code"] != want.code {
				t.Errorf("code = %v, want %q; body: %s", r.body["code"], want.code, res.Body)
			}
			if want.check != nil {
				want.check(t, r)
			}
		})
	}
}

// TestSampleAuthorizerEvent runs events/authorizer.json through the
// authorizer: its placeholder token is refused, the bootstrap secret is not.
func TestSampleAuthorizerEvent(t *testing.T) {
	path, ok := eventFiles(t)[authorizerEvent]
	if !ok {
		t.Fatalf("no events/%s.json", authorizerEvent)
	}
	var ev events.APIGatewayV2CustomAuthorizerV2Request
	decodeFile(t, path, &ev)
	if ev.Version != "2.0" || ev.Type != "REQUEST" {
		t.Errorf("version %q, type %q, want 2.0 and REQUEST", ev.Version, ev.Type)
	}
	method, _, _ := strings.Cut(ev.RouteKey, " ")
	if !slices.ContainsFunc(routes.All, func(rt routes.Route) bool { return !rt.Public() && rt.Pattern() == ev.RouteKey }) {
		t.Errorf("routeKey %q is no protected route", ev.RouteKey)
	}
	if !strings.HasSuffix(ev.RouteArn, "/$default/"+method+ev.RawPath) || !strings.HasPrefix(ev.RouteArn, "arn:aws:execute-api:") {
		t.Errorf("routeArn %q does not name %s %s on $default", ev.RouteArn, method, ev.RawPath)
	}
	if len(ev.IdentitySource) != 1 || ev.IdentitySource[0] != ev.Headers["authorization"] {
		t.Fatalf("identitySource %q, want the authorization header %q", ev.IdentitySource, ev.Headers["authorization"])
	}
	placeholder, ok := strings.CutPrefix(ev.IdentitySource[0], "Bearer ")
	if !ok {
		t.Fatalf("identitySource %q is not a bearer token", ev.IdentitySource[0])
	}
	// Well-formed, so that the refusal below comes from the table lookup.
	if _, err := token.Parse(placeholder); err != nil {
		t.Errorf("the placeholder token is not well-formed: %v", err)
	}

	a, self, key, secret := newApp(t)

	res, err := a.Authorizer.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("placeholder token: error %v", err)
	}
	if res.IsAuthorized {
		t.Fatalf("placeholder token authorized: %v", res.Context)
	}

	ev.Headers["authorization"] = "Bearer " + secret
	ev.IdentitySource = []string{"Bearer " + secret}
	res, err = a.Authorizer.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("bootstrap secret: error %v", err)
	}
	if !res.IsAuthorized {
		t.Fatal("bootstrap secret refused")
	}
	want := map[string]any{"principalType": "user", "principalId": self.ID, "role": "super_admin", "tokenId": key.ID, "tokenKind": "api_key"}
	for k, v := range want {
		if res.Context[k] != v {
			t.Errorf("context %s = %v, want %v", k, res.Context[k], v)
		}
	}
}
