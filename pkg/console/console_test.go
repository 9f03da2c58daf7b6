package console_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/usherhq/usher/pkg/console"
)

func get(t *testing.T, h http.Handler, path string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServesFilesAndTheAppForEveryPage(t *testing.T) {
	h := console.Handler()
	index := body(t, get(t, h, "/console/"))
	if !strings.Contains(index, "<html") {
		t.Fatalf("/console/ is not the page: %.200q", index)
	}
	for _, tc := range []struct {
		path, wantType string
		wantIndex      bool
	}{
		{"/console", "text/html; charset=utf-8", true},
		{"/console/", "text/html; charset=utf-8", true},
		{"/console/users", "text/html; charset=utf-8", true},
		{"/console/accept", "text/html; charset=utf-8", true},
		{"/console/index.html", "text/html; charset=utf-8", true},
		{"/console/style.css", "text/css; charset=utf-8", false},
		{"/console/app.js", "text/javascript; charset=utf-8", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res := get(t, h, tc.path)
			b := body(t, res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if (b == index) != tc.wantIndex {
				t.Errorf("served the page: %v, want %v", b == index, tc.wantIndex)
			}
			if got := res.Header.Get("Content-Security-Policy"); got != console.CSP {
				t.Errorf("Content-Security-Policy = %q", got)
			}
			for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestRefusesWhatIsNotAFile(t *testing.T) {
	h := console.Handler()
	for _, p := range []string{"/console/missing.js", "/console/../go.mod", "/console/%2e%2e/go.mod", "/consoleX", "/v1/users"} {
		res := get(t, h, p)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status = %d, want 404", p, res.StatusCode)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/console/", strings.NewReader("x"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status = %d, want 405", rec.Code)
	}
}

func TestRevalidatesAndCompresses(t *testing.T) {
	h := console.Handler()
	res := get(t, h, "/console/app.js")
	plain := body(t, res)
	if len(plain) < 2048 {
		t.Fatalf("app.js is %d bytes; this test wants a file worth compressing", len(plain))
	}
	etag := res.Header.Get("ETag")
	if etag == "" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q: want an ETag and no-cache", etag, res.Header.Get("Cache-Control"))
	}
	if res := get(t, h, "/console/app.js", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status = %d, want 304", res.StatusCode)
	}
	res = get(t, h, "/console/app.js", "Accept-Encoding", "br, gzip")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if unzipped, _ := io.ReadAll(zr); string(unzipped) != plain {
		t.Errorf("the gzip body differs from the plain one")
	}
	if res := get(t, h, "/console/app.js", "Accept-Encoding", "gzip;q=0"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got %q", res.Header.Get("Content-Encoding"))
	}
}

// TestSampleEvent runs events/console.json through the function's own
// Lambda handler, as API Gateway would invoke it.
func TestSampleEvent(t *testing.T) {
	raw, err := os.ReadFile("../../events/console.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	res, err := httpadapter.NewV2(console.Handler()).ProxyWithContext(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", res.StatusCode)
	}
	page := []byte(res.Body)
	if res.IsBase64Encoded {
		page, _ = base64.StdEncoding.DecodeString(res.Body)
	}
	if res.Headers["Content-Encoding"] == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(zr)
	}
	if !bytes.Contains(page, []byte("<html")) {
		t.Errorf("the sample event did not get the page: %.200q", page)
	}
	if res.Headers["Content-Security-Policy"] != console.CSP {
		t.Errorf("Content-Security-Policy = %q", res.Headers["Content-Security-Policy"])
	}
}
