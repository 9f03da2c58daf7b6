package samtemplate

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/samtemplate/cfnyaml"
)

const repoRoot = "../.."

func readTemplate(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		t.Fatalf("read template.yaml: %v (run `go run ./cmd/gentemplate`)", err)
	}
	return b
}

func TestTemplateUpToDate(t *testing.T) {
	want, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	if got := readTemplate(t); !bytes.Equal(got, want) {
		t.Fatal("template.yaml is out of date with pkg/routes and pkg/samtemplate: run `go run ./cmd/gentemplate`")
	}
}

func TestRenderDeterministic(t *testing.T) {
	a, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("Render is not deterministic")
	}
}

func TestPascalCase(t *testing.T) {
	for in, want := range map[string]string{
		"users-get":          "UsersGet",
		"user-api-keys-list": "UserApiKeysList",
		"authorizer":         "Authorizer",
		"openapi":            "Openapi",
	} {
		if got := PascalCase(in); got != want {
			t.Errorf("PascalCase(%q) = %q, want %q", in, got, want)
		}
	}
	if got := FunctionID("users-get"); got != "UsersGetFunction" {
		t.Errorf("FunctionID = %q", got)
	}
}

// --- helpers over the parsed template ---------------------------------------

func m(t *testing.T, v any, path string) map[string]any {
	t.Helper()
	mm, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: want a mapping, got %T (%v)", path, v, v)
	}
	return mm
}

func isRef(v any, target string) bool {
	mm, ok := v.(map[string]any)
	return ok && len(mm) == 1 && mm["Ref"] == target
}

func parse(t *testing.T, b []byte) map[string]any {
	t.Helper()
	doc, err := cfnyaml.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func functionsOf(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, r := range m(t, doc["Resources"], "Resources") {
		res := m(t, r, id)
		if res["Type"] == "AWS::Serverless::Function" {
			out[id] = res
		}
	}
	return out
}

// --- structure of the committed template --------------------------------------

func TestTemplateStructure(t *testing.T) {
	doc := parse(t, readTemplate(t))
	if doc["Transform"] != "AWS::Serverless-2016-10-31" {
		t.Errorf("Transform = %v", doc["Transform"])
	}
	resources := m(t, doc["Resources"], "Resources")

	// The functions are exactly the routes, the console, the authorizer and the cleanup.
	fns := functionsOf(t, doc)
	want := []string{FunctionID(routes.AuthorizerFunction), FunctionID(routes.CleanupFunction)}
	for _, r := range routes.Functions() {
		want = append(want, FunctionID(r.Name))
	}
	var got []string
	for id := range fns {
		got = append(got, id)
	}
	sort.Strings(want)
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("AWS::Serverless::Function resources:\n got %v\nwant %v", got, want)
	}

	for _, r := range routes.Functions() {
		id := FunctionID(r.Name)
		props := m(t, fns[id]["Properties"], id+".Properties")
		if cu := props["CodeUri"]; cu != "functions/"+r.Name+"/" {
			t.Errorf("%s: CodeUri = %v", id, cu)
		}

		// A static route also serves every path below its own.
		events := m(t, props["Events"], id+".Events")
		wantPaths := map[string]string{RouteEventName: r.Path}
		if r.Static {
			wantPaths["Subtree"] = r.SubtreePath()
		}
		if len(events) != len(wantPaths) {
			t.Errorf("%s: %d events, want %d", id, len(events), len(wantPaths))
		}
		for name, e := range events {
			ev := m(t, e, id+".Events."+name)
			if ev["Type"] != "HttpApi" {
				t.Errorf("%s: event %s has Type %v, want HttpApi", id, name, ev["Type"])
				continue
			}
			ep := m(t, ev["Properties"], id+".Events."+name+".Properties")
			if ep["Method"] != r.Method || ep["Path"] != wantPaths[name] {
				t.Errorf("%s: event %s is %v %v, want %s %s", id, name, ep["Method"], ep["Path"], r.Method, wantPaths[name])
			}
			if !isRef(ep["ApiId"], HttpApiID) {
				t.Errorf("%s: ApiId = %v, want !Ref %s", id, ep["ApiId"], HttpApiID)
			}
			auth, hasAuth := ep["Auth"]
			if r.Public() {
				a, _ := auth.(map[string]any)
				if a["Authorizer"] != "NONE" {
					t.Errorf("%s: public route must set Auth.Authorizer NONE, got %v", id, auth)
				}
			} else if hasAuth {
				t.Errorf("%s: protected route must use the default authorizer, got Auth %v", id, auth)
			}
		}

		// Least-privilege table access.
		policies, _ := props["Policies"].([]any)
		var tablePolicy string
		for _, p := range policies {
			for k, v := range m(t, p, id+".Policies[]") {
				if strings.HasPrefix(k, "DynamoDB") {
					tablePolicy = k
					if !isRef(m(t, v, k)["TableName"], TableID) {
						t.Errorf("%s: %s TableName is not !Ref %s", id, k, TableID)
					}
				}
			}
		}
		wantPolicy := "DynamoDBCrudPolicy"
		switch {
		case r.Static:
			wantPolicy = "" // files only: no table access at all
			if len(policies) != 0 {
				t.Errorf("%s: static function has policies %v, want none", id, policies)
			}
		case r.ReadOnly:
			wantPolicy = "DynamoDBReadPolicy"
		}
		if tablePolicy != wantPolicy {
			t.Errorf("%s: table policy %q, want %q", id, tablePolicy, wantPolicy)
		}

		// Logs go to the function's own log group.
		lc := m(t, props["LoggingConfig"], id+".LoggingConfig")
		if lc["LogFormat"] != "JSON" || !isRef(lc["LogGroup"], LogGroupID(r.Name)) {
			t.Errorf("%s: LoggingConfig = %v", id, lc)
		}
		if lg := m(t, resources[LogGroupID(r.Name)], LogGroupID(r.Name)); lg["Type"] != "AWS::Logs::LogGroup" {
			t.Errorf("%s: Type = %v", LogGroupID(r.Name), lg["Type"])
		}
	}

	// The API's default authorizer is the authorizer function.
	api := m(t, resources[HttpApiID], HttpApiID)
	if api["Type"] != "AWS::Serverless::HttpApi" {
		t.Fatalf("%s: Type = %v", HttpApiID, api["Type"])
	}
	auth := m(t, m(t, api["Properties"], "HttpApi.Properties")["Auth"], "HttpApi.Auth")
	if auth["DefaultAuthorizer"] != AuthorizerName {
		t.Errorf("DefaultAuthorizer = %v", auth["DefaultAuthorizer"])
	}
	az := m(t, m(t, auth["Authorizers"], "Authorizers")[AuthorizerName], AuthorizerName)
	if fa, _ := az["FunctionArn"].(map[string]any); !reflect.DeepEqual(fa["Fn::GetAtt"], []any{FunctionID(routes.AuthorizerFunction), "Arn"}) {
		t.Errorf("authorizer FunctionArn = %v", az["FunctionArn"])
	}
	if az["EnableFunctionDefaultPermissions"] != true {
		t.Error("EnableFunctionDefaultPermissions must be true: SAM does not let the HTTP API invoke the authorizer otherwise")
	}
}

// Every function folder that exists has a function in the template, and every
// function whose folder exists has a main package there.
func TestFunctionFolders(t *testing.T) {
	doc := parse(t, readTemplate(t))
	fns := functionsOf(t, doc)
	byFolder := map[string]string{}
	for id, f := range fns {
		props := m(t, f["Properties"], id)
		cu, _ := props["CodeUri"].(string)
		byFolder[strings.TrimSuffix(strings.TrimPrefix(cu, "functions/"), "/")] = id
	}

	entries, err := os.ReadDir(filepath.Join(repoRoot, "functions"))
	if os.IsNotExist(err) {
		t.Skip("no functions/ folder yet")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, ok := byFolder[e.Name()]; !ok {
			t.Errorf("functions/%s has no function in template.yaml: add a route to pkg/routes and run `go run ./cmd/gentemplate`", e.Name())
		}
	}
	for folder, id := range byFolder {
		if _, err := os.Stat(filepath.Join(repoRoot, "functions", folder)); os.IsNotExist(err) {
			t.Logf("%s: functions/%s does not exist yet", id, folder)
		}
	}
}

// --- render edge cases --------------------------------------------------------

func TestMailFunctionsGetSendEmail(t *testing.T) {
	all := append([]routes.Route{}, routes.All...)
	all = append(all,
		routes.Route{Name: "mail-sender", Method: "POST", Path: "/v1/test-mail", Permission: routes.UsersWrite, SendsMail: true},
	)
	b, err := render(all)
	if err != nil {
		t.Fatal(err)
	}
	fns := functionsOf(t, parse(t, b))
	for id, f := range fns {
		props := m(t, f["Properties"], id)
		policies, _ := props["Policies"].([]any)
		hasSES := false
		for _, p := range policies {
			pm := m(t, p, id)
			stmts, _ := pm["Statement"].([]any)
			for _, s := range stmts {
				if m(t, s, id)["Action"] == "ses:SendEmail" {
					hasSES = true
				}
			}
		}
		mail := id == "MailSenderFunction"
		if rt, ok := routes.ByName(strings.TrimSuffix(kebab(id), "-function")); ok {
			mail = rt.SendsMail
		}
		if hasSES != mail {
			t.Errorf("%s: ses:SendEmail granted = %v, want %v", id, hasSES, mail)
		}
	}
}

func TestRenderRejectsBadRoutes(t *testing.T) {
	for _, r := range []routes.Route{
		{Name: "Users_Get", Method: "GET", Path: "/v1/x"},
		{Name: "x", Method: "get", Path: "/v1/x"},
		{Name: "x", Method: "GET", Path: "v1/x"},
		{Name: "health", Method: "GET", Path: "/v1/other"},  // duplicate name
		{Name: "other", Method: "GET", Path: "/v1/health"},  // duplicate route
		{Name: "authorizer", Method: "GET", Path: "/v1/az"}, // clashes with the authorizer
	} {
		all := append(append([]routes.Route{}, routes.All...), r)
		if _, err := render(all); err == nil {
			t.Errorf("render accepted %+v", r)
		}
	}
}

// kebab turns "UsersGetFunction" into "users-get-function".
func kebab(id string) string {
	var b strings.Builder
	for i, r := range id {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestCleanupIsScheduledWithRetriesAndDeadLetters(t *testing.T) {
	b, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	f, ok := functionsOf(t, parse(t, b))[FunctionID(routes.CleanupFunction)]
	if !ok {
		t.Fatal("no cleanup function")
	}
	props := m(t, f["Properties"], "cleanup")
	ev := m(t, m(t, props["Events"], "cleanup")["Hourly"], "cleanup")
	p := m(t, ev["Properties"], "cleanup")
	if ev["Type"] != "Schedule" || p["Schedule"] != "rate(1 hour)" {
		t.Fatalf("schedule: %v", ev)
	}
	if rp := m(t, p["RetryPolicy"], "cleanup"); rp["MaximumRetryAttempts"] == nil {
		t.Fatalf("no retry policy: %v", p)
	}
	if dl := m(t, p["DeadLetterConfig"], "cleanup"); dl["Type"] != "SQS" {
		t.Fatalf("no SQS dead-letter queue: %v", p)
	}
	if props["CodeUri"] != "functions/cleanup/" {
		t.Fatalf("CodeUri %v", props["CodeUri"])
	}
}
