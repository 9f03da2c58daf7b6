package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usherhq/usher/pkg/testenv"
)

// invokeLocal runs `usher invoke` against the shared DynamoDB Local (a fresh
// table) and SES emulator, building into a temporary directory.
func invokeLocal(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	pre := []string{"--table", testenv.NewTable(t), "--dynamodb", testenv.Endpoint(), "--ses", testenv.SESEndpoint(), "--build-dir", t.TempDir()}
	var out, errOut bytes.Buffer
	err = runInvoke(context.Background(), append(pre, args...), strings.NewReader(stdin), &out, &errOut)
	t.Logf("usher invoke %s: err=%v\nstderr:\n%s", strings.Join(args, " "), err, errOut.String())
	return out.String(), errOut.String(), err
}

func TestInvokeHealth(t *testing.T) {
	root := testenv.RepoRoot(t)
	stdout, stderr, err := invokeLocal(t, "", "health", filepath.Join(root, "events", "health.json"))
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if err := json.Unmarshal([]byte(stdout), &resp); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"status":"ok"`) {
		t.Errorf("response %+v", resp)
	}
	if !strings.Contains(stdout, "\n  \"statusCode\": 200,") {
		t.Errorf("stdout is not pretty-printed: %q", stdout)
	}
	for _, want := range []string{"built functions/health for ", `"route":"health"`, "REPORT RequestId: ", "\tDuration: ", "\tMax Memory Used: ", "\tInit Duration: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
}

func TestInvokeAuthorizerFromStdin(t *testing.T) {
	event, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "events", "authorizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The example token does not exist: the authorizer denies.
	stdout, _, err := invokeLocal(t, string(event), "authorizer", "-")
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		IsAuthorized *bool `json:"isAuthorized"`
	}
	if err := json.Unmarshal([]byte(stdout), &resp); err != nil || resp.IsAuthorized == nil || *resp.IsAuthorized {
		t.Errorf("stdout %q (%v), want isAuthorized false", stdout, err)
	}
}

func TestInvokeTimeout(t *testing.T) {
	root := testenv.RepoRoot(t)
	// Flags after the function and event work too.
	stdout, stderr, err := invokeLocal(t, "", "health", filepath.Join(root, "events", "health.json"), "--timeout", "1ms")
	if err == nil || err.Error() != "function health timed out: Sandbox.Timedout: Task timed out after 0.001 seconds" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(stdout, `"errorType": "Sandbox.Timedout"`) {
		t.Errorf("stdout %q lacks the error payload", stdout)
	}
	if !strings.Contains(stderr, "\tStatus: timeout") {
		t.Errorf("stderr lacks the REPORT status")
	}
}

func TestInvokeUnknownFunction(t *testing.T) {
	_, _, err := invokeLocal(t, "{}", "no-such-function")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`unknown function "no-such-function"`, "health", "authorizer", "users-list"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestInvokeEventNotJSON(t *testing.T) {
	file := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(file, []byte("{\n  \"a\": 1,\n  oops\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	buildDir := t.TempDir()
	var stderr bytes.Buffer
	err := runInvoke(context.Background(), []string{"--build-dir", buildDir, "health", file}, nil, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "the event "+file+" is not valid JSON: invalid character 'o'") || !strings.Contains(err.Error(), "(line 3, column 3)") {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(buildDir); len(entries) > 0 || stderr.Len() > 0 {
		t.Errorf("something was built or said before the event was checked: %q", stderr.String())
	}

	err = runInvoke(context.Background(), []string{"health"}, strings.NewReader(" \n"), &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "the event from stdin is empty") {
		t.Errorf("empty stdin: err = %v", err)
	}
}

func TestInvokeUsage(t *testing.T) {
	var stderr bytes.Buffer
	err := runInvoke(context.Background(), nil, strings.NewReader("{}"), &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(stderr.String(), "usage: usher invoke") {
		t.Errorf("err = %v, stderr %q", err, stderr.String())
	}
}
