package devstack

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunServesAndKeepsDataAcrossRestarts is `make dev` twice on one state
// directory: the first run bootstraps and prints the key, the second reuses
// the data and the kept key.
func TestRunServesAndKeepsDataAcrossRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts DynamoDB Local and the SES emulator twice")
	}
	dir := t.TempDir()
	run := func() (tok string, out string) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		var buf bytes.Buffer
		done := make(chan error, 1)
		ready := make(chan struct{})
		go func() {
			done <- Run(ctx, Options{Dir: dir, Addr: "127.0.0.1:0", AdminEmail: "dev@example.com", Table: "usher-dev",
				Out: &buf, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)),
				Ready: func(api, token string) {
					tok = token
					req, _ := http.NewRequest("GET", api+"/v1/users", nil)
					req.Header.Set("Authorization", "Bearer "+token)
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
					} else {
						b, _ := io.ReadAll(res.Body)
						res.Body.Close()
						if res.StatusCode != 200 || !strings.Contains(string(b), "dev@example.com") {
							t.Errorf("GET /v1/users: %d %s", res.StatusCode, b)
						}
					}
					// The console is served beside the API, with its CSP.
					if res, err := http.Get(api + "/console/users"); err != nil {
						t.Error(err)
					} else {
						b, _ := io.ReadAll(res.Body)
						res.Body.Close()
						if res.StatusCode != 200 || !strings.Contains(string(b), "<html") || res.Header.Get("Content-Security-Policy") == "" {
							t.Errorf("GET /console/users: %d, CSP %q, %.100s", res.StatusCode, res.Header.Get("Content-Security-Policy"), b)
						}
					}
					close(ready)
				}})
		}()
		select {
		case <-ready:
		case err := <-done:
			t.Fatalf("Run ended early: %v\n%s", err, buf.String())
		case <-time.After(90 * time.Second):
			t.Fatal("not ready after 90 s")
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		return tok, buf.String()
	}
	first, out1 := run()
	if !strings.Contains(out1, first) {
		t.Errorf("the first run does not show the new key:\n%s", out1)
	}
	fi, err := os.Stat(TokenFile(dir))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, mode %v; want 0600", err, fi.Mode())
	}
	second, out2 := run()
	if second != first {
		t.Errorf("second run uses another key")
	}
	if strings.Contains(out2, first) {
		t.Errorf("the second run prints the key again")
	}
	if _, err := os.Stat(filepath.Join(dir, "dynamodb")); err != nil {
		t.Errorf("no data directory: %v", err)
	}
}
