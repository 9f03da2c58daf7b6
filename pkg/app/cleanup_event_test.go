package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/usherhq/usher/pkg/app"
	"github.com/usherhq/usher/pkg/config"
	"github.com/usherhq/usher/pkg/testenv"
)

// TestCleanupSampleEvent feeds events/cleanup.json (the schedule's event) to
// the cleanup function's handler: it runs to the end and logs one summary.
func TestCleanupSampleEvent(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "events", "cleanup.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil || ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" {
		t.Fatalf("events/cleanup.json is not a scheduled event: %v %+v", err, ev)
	}
	var logs bytes.Buffer
	a, err := app.New(context.Background(), config.Config{Table: testenv.NewTable(t), DynamoDBEndpoint: testenv.Endpoint(), CursorSecret: "t"},
		app.Logger(&logs, slog.LevelInfo))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := a.CleanupHandler(ctx, ev)
	if err != nil || !rep.Finished {
		t.Fatalf("cleanup: %+v, %v", rep, err)
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &line); err != nil || line["msg"] != "cleanup" || line["finished"] != true {
		t.Fatalf("want one JSON summary line, got:\n%s", logs.String())
	}
}
