package lambdarun

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	usher "github.com/usherhq/usher"
)

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestConfigOfUshersTemplate(t *testing.T) {
	fc, err := Config(usher.Template, "health", Local{Table: "t1", DynamoDBEndpoint: "http://127.0.0.1:1", SESEndpoint: "http://127.0.0.1:2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Warnings) > 0 {
		t.Errorf("warnings %q", fc.Warnings)
	}
	if fc.LogicalID != "HealthFunction" || fc.MemoryMB != 256 || fc.Timeout != 10*time.Second {
		t.Errorf("config %+v", fc)
	}
	if !slices.IsSorted(fc.Env) {
		t.Errorf("env not sorted: %q", fc.Env)
	}
	env := envMap(fc.Env)
	for k, want := range map[string]string{
		"TABLE_NAME":              "t1",
		"STAGE":                   "local",
		"SENDER_EMAIL":            "usher@example.com",
		"INVITE_URL_BASE":         "http://127.0.0.1:3000/console/accept",
		"PASSWORD_RESET_URL_BASE": "http://127.0.0.1:3000/console/reset",
		"CURSOR_SECRET":           "usher-local",
		"AUDIT_RETENTION_DAYS":    "365",
		"LOG_LEVEL":               "INFO",
		"DYNAMODB_ENDPOINT":       "http://127.0.0.1:1",
		"SES_ENDPOINT":            "http://127.0.0.1:2",
		"AWS_ACCESS_KEY_ID":       "local",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}

	// Every function folder that has a resource resolves without warnings.
	names, err := Functions(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		fc, err := Config(usher.Template, n, Local{})
		if err != nil {
			t.Fatal(err)
		}
		if fc.LogicalID != "" && len(fc.Warnings) > 0 {
			t.Errorf("%s: warnings %q", n, fc.Warnings)
		}
		if envMap(fc.Env)["TABLE_NAME"] != DefaultTable {
			t.Errorf("%s: TABLE_NAME %q", n, envMap(fc.Env)["TABLE_NAME"])
		}
	}
}

const testTemplate = `
Parameters:
  Stage: {Type: String, Default: dev}
  Domain: {Type: String, Default: example.org}
  Origins: {Type: CommaDelimitedList, Default: [a, b]}
  Secret: {Type: String}
Globals:
  Function:
    MemorySize: 128
    Timeout: 3
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        STAGE: !Ref Stage
        BOTH: global
        NUMBER: 42
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Queue:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./functions/worker
      Timeout: 60
      Environment:
        Variables:
          BOTH: own
          URL: !Sub https://api.${Domain}/${Stage}/${AWS::Region}?x=${!Literal}
          ORIGINS: !Join [";", !Ref Origins]
          TABLE_ARN: !GetAtt Table.Arn
          SECRET: !Ref Secret
          QUEUE: !Ref Queue
          GONE: !Ref AWS::NoValue
          SUBVARS: !Sub ["${A}-${B}", {A: x, B: !Ref Stage}]
`

func TestConfigResolution(t *testing.T) {
	fc, err := Config([]byte(testTemplate), "worker", Local{Table: "tbl", Region: "eu-west-1", Values: map[string]string{"STAGE": "mine"}})
	if err != nil {
		t.Fatal(err)
	}
	if fc.LogicalID != "Worker" || fc.MemoryMB != 128 || fc.Timeout != time.Minute {
		t.Errorf("config %+v", fc)
	}
	env := envMap(fc.Env)
	for k, want := range map[string]string{
		"TABLE_NAME": "tbl",
		"STAGE":      "mine", // Values by variable name win over the parameter default
		"BOTH":       "own",  // the function's own over Globals
		"NUMBER":     "42",
		"URL":        "https://api.example.org/dev/eu-west-1?x=${Literal}",
		"ORIGINS":    "a;b",
		"TABLE_ARN":  "arn:aws:dynamodb:eu-west-1:123456789012:table/tbl",
		"SUBVARS":    "x-dev",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	for _, k := range []string{"SECRET", "QUEUE", "GONE", "DYNAMODB_ENDPOINT", "SES_ENDPOINT"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s = %q, want it unset", k, v)
		}
	}
	w := strings.Join(fc.Warnings, "\n")
	if len(fc.Warnings) != 2 || !strings.Contains(w, "SECRET: parameter Secret has no default") || !strings.Contains(w, "QUEUE: !Ref Queue (a AWS::SQS::Queue) has no local value") {
		t.Errorf("warnings %q", fc.Warnings)
	}

	// A function the template lacks gets Globals only, with a warning.
	fc, err = Config([]byte(testTemplate), "cleanup", Local{})
	if err != nil {
		t.Fatal(err)
	}
	if env := envMap(fc.Env); env["BOTH"] != "global" || env["STAGE"] != "local" || fc.Timeout != 3*time.Second || fc.LogicalID != "" {
		t.Errorf("config %+v", fc)
	}
	if len(fc.Warnings) != 1 || !strings.Contains(fc.Warnings[0], "no function with CodeUri functions/cleanup/") {
		t.Errorf("warnings %q", fc.Warnings)
	}

	if _, err := Config([]byte("a: [b"), "x", Local{}); err == nil {
		t.Error("a broken template gave no error")
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, _ := os.Getwd()
	root, err := FindRepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestFindRepoRoot(t *testing.T) {
	root := repoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "template.yaml")); err != nil {
		t.Errorf("root %s: %v", root, err)
	}
	if _, err := FindRepoRoot(t.TempDir()); err == nil {
		t.Error("FindRepoRoot outside the repository gave no error")
	}
}

func TestBuildUnknownFunction(t *testing.T) {
	root := repoRoot(t)
	for _, name := range []string{"nope", "../functions/health", "", "health/"} {
		_, err := BuildInto(context.Background(), root, name, t.TempDir())
		if err == nil {
			t.Fatalf("%q: no error", name)
		}
		for _, want := range []string{"unknown function", "Functions: ", "authorizer, ", "health"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q: error %q lacks %q", name, err, want)
			}
		}
	}
}
