package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usherhq/usher/pkg/app"
	"github.com/usherhq/usher/pkg/config"
	"github.com/usherhq/usher/pkg/mail"
	"github.com/usherhq/usher/pkg/openapi/openapitest"
	"github.com/usherhq/usher/pkg/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var validator = sync.OnceValues(openapitest.NewValidator)

// syncBuffer collects log lines from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is one Usher instance on a fresh table, served over real HTTP.
type env struct {
	t       *testing.T
	app     *app.App
	url     string
	logs    *syncBuffer
	admin   string // the bootstrap super_admin's API key
	adminID string
	secrets []string // every secret handed out, to check logs
	mu      sync.Mutex
}

func newEnv(t *testing.T) *env {
	t.Helper()
	t.Parallel()
	return newEnvOn(t, testenv.Endpoint(), testenv.SESEndpoint(), testenv.NewTable(t))
}

// storageTimeout is long for ordinary tests (DynamoDB Local on a busy CI
// machine can be slow) and short where a test injects faults on purpose.
var storageTimeout = 8 * time.Second

func newEnvOn(t *testing.T, endpoint, ses, table string) *env {
	t.Helper()
	logs := &syncBuffer{}
	cfg := config.Config{Table: table, DynamoDBEndpoint: endpoint, SESEndpoint: ses, CursorSecret: "test-secret", Stage: "test",
		SenderEmail: "usher@example.com", InviteURLBase: "https://console.example.com/accept", ResetURLBase: "https://console.example.com/reset",
		StorageTimeout: storageTimeout}
	if endpoint != testenv.Endpoint() {
		cfg.StorageTimeout = 0 // a fault test: the production timeout
	}
	a, err := app.New(context.Background(), cfg, app.Logger(logs, slog.LevelDebug))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Gateway())
	t.Cleanup(srv.Close)
	e := &env{t: t, app: a, url: srv.URL, logs: logs}
	t.Cleanup(func() {
		// Whatever the test did, the table must be consistent afterwards.
		if table != "" && !t.Failed() && endpoint == testenv.Endpoint() {
			problems, err := a.Store.Check(context.Background(), testenv.Client())
			if err != nil {
				t.Errorf("consistency check: %v", err)
			}
			for _, p := range problems {
				t.Errorf("inconsistent table: %s", p)
			}
		}
		out := logs.String()
		if t.Failed() {
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`) {
					t.Log(line)
				}
			}
		}
		for _, s := range e.secrets {
			if strings.Contains(out, s) || strings.Contains(out, s[5:20]) {
				t.Errorf("a secret (%s…) appears in the logs", s[:9])
			}
		}
		if strings.Contains(out, "$argon2id$") {
			t.Error("a password hash appears in the logs")
		}
	})
	if table != "" {
		u, _, secret, err := a.Store.Bootstrap(context.Background(), "root@example.com", "Root Admin")
		if err != nil {
			t.Fatalf("bootstrap: %v", err)
		}
		e.admin, e.adminID = secret, u.ID
		e.secrets = append(e.secrets, secret)
	}
	return e
}

// resp is what a client observed.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map.
func (r resp) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

func (r resp) str(key string) string { v, _ := r.JSON()[key].(string); return v }

func (r resp) code() string { return r.str("code") }

// call sends a request; body may be nil, a string (sent raw) or a value
// (sent as JSON). Extra headers come as name, value pairs.
func (e *env) call(method, path, token string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	default:
		j, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	hr, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer hr.Body.Close()
	b, _ := io.ReadAll(hr.Body)
	r := resp{Status: hr.StatusCode, Header: hr.Header, Body: b}
	e.checkContract(req, r)
	return r
}

// checkContract asserts what every answer owes its client.
func (e *env) checkContract(req *http.Request, r resp) {
	e.t.Helper()
	gatewayAnswer := r.Header.Get("Content-Type") == "application/json" && (r.Status == 401 || r.Status == 403 || r.Status == 404) && bytes.HasPrefix(r.Body, []byte(`{"message"`))
	if !gatewayAnswer {
		if r.Header.Get("X-Request-Id") == "" {
			e.t.Errorf("%s %s: no X-Request-Id", req.Method, req.URL.Path)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			e.t.Errorf("%s %s: Cache-Control = %q, want no-store", req.Method, req.URL.Path, r.Header.Get("Cache-Control"))
		}
	}
	if r.Status >= 500 && r.Status != 503 {
		e.t.Errorf("%s %s: status %d: %s", req.Method, req.URL.Path, r.Status, r.Body)
	}
	if r.Status == 503 && r.Header.Get("Retry-After") == "" {
		e.t.Errorf("%s %s: 503 without Retry-After", req.Method, req.URL.Path)
	}
	if r.Status >= 400 && !gatewayAnswer && r.Header.Get("Content-Type") != "application/problem+json" {
		e.t.Errorf("%s %s: error %d with Content-Type %q, want application/problem+json", req.Method, req.URL.Path, r.Status, r.Header.Get("Content-Type"))
	}
	for _, leak := range []string{"$argon2id$", "\"passwordHash\":", "\"hash\":", "goroutine ", "panic", "ConditionalCheckFailed", "dynamodb", "operation error"} {
		if bytes.Contains(r.Body, []byte(leak)) {
			e.t.Errorf("%s %s: response leaks %q: %s", req.Method, req.URL.Path, leak, r.Body)
		}
	}
	if gatewayAnswer && r.Status == 404 {
		return // no such route: nothing in the document to check against
	}
	v, err := validator()
	if err != nil {
		e.t.Fatalf("openapi validator: %v", err)
	}
	if err := v.ValidateResponse(req, r.Status, r.Header, r.Body); err != nil {
		e.t.Errorf("%s %s → %d does not match the OpenAPI document: %v\nbody: %s", req.Method, req.URL.Path, r.Status, err, r.Body)
	}
}

// want fails the test unless r has the status (and, for errors, the code).
func want(t *testing.T, r resp, status int, code ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if len(code) > 0 && r.code() != code[0] {
		t.Fatalf("code = %q, want %q; body: %s", r.code(), code[0], r.Body)
	}
}

// user creates a user with the role and returns its id.
func (e *env) user(email, name, role string) string {
	e.t.Helper()
	r := e.call("POST", "/v1/users", e.admin, map[string]any{"email": email, "name": name, "role": role})
	want(e.t, r, 201)
	return r.str("id")
}

// key creates an API key for a user and returns the secret.
func (e *env) key(userID string) string {
	e.t.Helper()
	r := e.call("POST", "/v1/users/"+userID+"/api-keys", e.admin, map[string]any{"name": "test"})
	want(e.t, r, 201)
	s := r.str("secret")
	e.mu.Lock()
	e.secrets = append(e.secrets, s)
	e.mu.Unlock()
	return s
}

// userWithKey creates a user with the role and returns its id and key.
func (e *env) userWithKey(email, role string) (string, string) {
	e.t.Helper()
	id := e.user(email, "User "+role, role)
	return id, e.key(id)
}

func (e *env) setClock(t time.Time) { e.app.Store.Now = func() time.Time { return t } }

func items(r resp) []map[string]any {
	var out []map[string]any
	for _, it := range r.JSON()["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// sharedMailer sends through the shared SES emulator.
func sharedMailer(t *testing.T) *mail.SES {
	t.Helper()
	cfg := config.Config{SESEndpoint: testenv.SESEndpoint()}
	awsCfg, err := cfg.AWS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return mail.NewSES(mail.NewClient(awsCfg, cfg.SESEndpoint), 0)
}
