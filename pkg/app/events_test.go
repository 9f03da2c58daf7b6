package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/usherhq/usher/pkg/app"
	"github.com/usherhq/usher/pkg/config"
	"github.com/usherhq/usher/pkg/password"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/testenv"
	"github.com/usherhq/usher/pkg/token"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// authorizerEvent is the file in events/ that is not a route's event.
const authorizerEvent = "authorizer"

// Links and sender of the test instance's settings.
const (
	senderEmail   = "usher@example.com"
	inviteURLBase = "https://console.example.com/accept"
	resetURLBase  = "https://console.example.com/reset"
)

// outcome is what a client observes when a sample event reaches its function
// on a table holding only the bootstrap super_admin, who is the caller and,
// for /v1/users/{id}…, also the target.
type outcome struct {
	status int
	code   string                   // problem code of an error answer
	check  func(*testing.T, result) // more about the answer and its effects
}

// result is one sample event's run.
type result struct {
	app  *app.App
	self store.User                     // the bootstrap super_admin
	ev   events.APIGatewayV2HTTPRequest // as sent, after the test's substitutions
	body map[string]any                 // the answer; nil for 204
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
		if _, ok := routes.ByName(name); !ok && name != authorizerEvent {
			t.Errorf("events/%s.json names no route of routes.All", name)
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
		for _, seg := range strings.Split(rt.Path, "/") {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				got[seg[1:len(seg)-1]] = r.PathValue(seg[1 : len(seg)-1])
			}
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
				old := ev.PathParameters["id"]
				ev.PathParameters["id"] = self.ID
				ev.RawPath = strings.Replace(ev.RawPath, old, self.ID, 1)
				ev.RequestContext.HTTP.Path = ev.RawPath
			}

			res, err := a.HTTP.Lambda(rt)(context.Background(), ev)
			if err != nil {
				t.Fatalf("handler error: %v", err)
			}
			if res.StatusCode >= 500 {
				t.Fatalf("status %d: %s", res.StatusCode, res.Body)
			}
			if rid := header(res.Headers, "X-Request-Id"); rid != ev.RequestContext.RequestID {
				t.Errorf("X-Request-Id = %q, want the event's requestId %q", rid, ev.RequestContext.RequestID)
			}
			if cc := header(res.Headers, "Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			if res.StatusCode != want.status {
				t.Fatalf("status = %d, want %d; body: %s", res.StatusCode, want.status, res.Body)
			}
			r := result{app: a, self: self, ev: ev}
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
