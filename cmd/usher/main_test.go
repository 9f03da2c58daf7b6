package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/usherhq/usher/pkg/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestBootstrapCreatesOnceThenRefuses(t *testing.T) {
	table := testenv.NewTable(t)
	t.Setenv("DYNAMODB_ENDPOINT", testenv.Endpoint())
	var out bytes.Buffer
	if err := bootstrap(context.Background(), []string{"--table", table, "--email", " Boss@Example.com", "--name", "Boss"}, &out); err != nil {
		t.Fatalf("first bootstrap: %v", err)
	}
	if !strings.Contains(out.String(), "boss@example.com") || !strings.Contains(out.String(), "ushk_") {
		t.Fatalf("output does not show the admin and the key:\n%s", out.String())
	}
	err := bootstrap(context.Background(), []string{"--table", table, "--email", "other@example.com"}, &out)
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("second bootstrap: %v, want a refusal", err)
	}
	for _, args := range [][]string{{}, {"--table", table, "--email", "not-an-email"}, {"--table", table, "--name", " "}} {
		if err := bootstrap(context.Background(), args, &out); err == nil {
			t.Errorf("bootstrap %v: no error", args)
		}
	}
}

func TestCleanupCommandReports(t *testing.T) {
	table := testenv.NewTable(t)
	t.Setenv("DYNAMODB_ENDPOINT", testenv.Endpoint())
	var out bytes.Buffer
	if err := cleanup(context.Background(), []string{"--table", table}, &out); err != nil {
		t.Fatalf("cleanup: %v", err)
	}
	if !strings.Contains(out.String(), `"finished": true`) {
		t.Fatalf("report:\n%s", out.String())
	}
	if err := cleanup(context.Background(), nil, &out); err == nil {
		t.Fatal("cleanup without --table: no error")
	}
}

func TestCheckCommand(t *testing.T) {
	table := testenv.NewTable(t)
	t.Setenv("DYNAMODB_ENDPOINT", testenv.Endpoint())
	var out bytes.Buffer
	if err := bootstrap(context.Background(), []string{"--table", table}, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := check(context.Background(), []string{"--table", table}, &out); err != nil || !strings.Contains(out.String(), "consistent") {
		t.Fatalf("check: %v\n%s", err, out.String())
	}
}
