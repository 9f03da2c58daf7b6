// Package devstack runs Usher on a developer's machine: DynamoDB Local and
// the SES v2 emulator as child processes, the table from template.yaml, a
// bootstrapped super_admin, and every route behind the local gateway.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	usher "github.com/usherhq/usher"
	"github.com/usherhq/usher/pkg/app"
	"github.com/usherhq/usher/pkg/config"
	"github.com/usherhq/usher/pkg/localstack"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/tabledef"
)

// Options configure a local run.
type Options struct {
	Dir        string // state directory, normally .local
	Addr       string // where the API listens, normally 127.0.0.1:3000
	DynamoPort int    // 0: a free port
	SESPort    int    // 0: a free port
	AdminEmail string
	Table      string
	Out        io.Writer // what a developer reads
	Log        *slog.Logger
	Ready      func(apiURL, token string) // called once serving (tests)
}

// TokenFile is where the dev admin's API key is kept, mode 0600.
func TokenFile(dir string) string { return filepath.Join(dir, "dev-admin-token") }

// Run starts everything and serves until ctx ends, then stops every child.
func Run(ctx context.Context, o Options) error {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	cache := localstack.DefaultCacheDir()
	fmt.Fprintln(o.Out, "usher: starting DynamoDB Local and the SES v2 emulator (first run downloads them into "+cache+")")
	ddb, err := localstack.StartDynamo(ctx, localstack.DynamoOptions{CacheDir: cache, Port: o.DynamoPort,
		DataDir: filepath.Join(o.Dir, "dynamodb"), WorkDir: filepath.Join(o.Dir, "dynamodb"), Log: logFile(o.Dir, "dynamodb.log")})
	if err != nil {
		return fmt.Errorf("DynamoDB Local: %w", err)
	}
	defer ddb.Stop()
	ses, err := localstack.StartSES(ctx, localstack.SESOptions{CacheDir: cache, Port: o.SESPort,
		WorkDir: filepath.Join(o.Dir, "ses"), Log: logFile(o.Dir, "ses.log")})
	if err != nil {
		return fmt.Errorf("SES v2 emulator: %w", err)
	}
	defer ses.Stop()

	cfg := config.Config{
		Table: o.Table, Stage: "local", CursorSecret: "usher-local",
		DynamoDBEndpoint: ddb.Endpoint, SESEndpoint: ses.Endpoint,
		SenderEmail:   "usher@example.com",
		InviteURLBase: "http://" + o.Addr + "/console/accept", ResetURLBase: "http://" + o.Addr + "/console/reset",
	}
	a, err := app.New(ctx, cfg, o.Log)
	if err != nil {
		return err
	}
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return err
	}
	if err := EnsureTable(ctx, cfg.DynamoDB(awsCfg), o.Table); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	tok, fresh, err := DevToken(ctx, a.Store, o.AdminEmail, TokenFile(o.Dir))
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}

	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set PORT to use another port)", o.Addr, err)
	}
	srv := &http.Server{Handler: a.Gateway(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	api := "http://" + ln.Addr().String()
	fmt.Fprintf(o.Out, "\nUsher is running.\n  Console:         %s/console/ (sign in with the admin API key below)\n  API:             %s/v1 (OpenAPI: %s/v1/openapi.json)\n  DynamoDB Local:  %s (table %s)\n  SES inbox:       %s/\n", api, api, api, ddb.Endpoint, o.Table, ses.Endpoint)
	if fresh {
		fmt.Fprintf(o.Out, "  Admin API key:   %s\n                   (shown once; kept in %s)\n", tok, TokenFile(o.Dir))
	} else {
		fmt.Fprintf(o.Out, "  Admin API key:   in %s\n", TokenFile(o.Dir))
	}
	fmt.Fprintf(o.Out, "\n  curl -H \"Authorization: Bearer $(cat %s)\" %s/v1/users\n\nCtrl-C stops everything.\n", TokenFile(o.Dir), api)
	if o.Ready != nil {
		o.Ready(api, tok)
	}
	// The scheduled cleanup runs every minute here (hourly in AWS).
	go func() {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				_, _ = a.RunCleanup(ctx, time.Now().Add(50*time.Second))
			}
		}
	}()
	select {
	case <-ctx.Done():
	case err := <-done:
		return err
	case <-ddb.Done():
		err = errors.New("DynamoDB Local exited; see " + filepath.Join(o.Dir, "dynamodb.log"))
		_ = srv.Close()
		return err
	case <-ses.Done():
		err = errors.New("the SES emulator exited; see " + filepath.Join(o.Dir, "ses.log"))
		_ = srv.Close()
		return err
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

func logFile(dir, name string) io.Writer {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return io.Discard
	}
	return f
}

// EnsureTable creates the table from template.yaml unless it exists.
func EnsureTable(ctx context.Context, db *dynamodb.Client, name string) error {
	_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	var nf *types.ResourceNotFoundException
	if err == nil || !errors.As(err, &nf) {
		return err
	}
	in, err := tabledef.Table(usher.Template, name)
	if err != nil {
		return err
	}
	if _, err := db.CreateTable(ctx, in); err != nil {
		return err
	}
	return dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: &name}, time.Minute)
}

// DevToken returns a working super_admin API key: the one kept in file if it
// still works, else a new one (bootstrapping the admin on a fresh table).
// fresh reports that the key is new and has not been shown yet.
func DevToken(ctx context.Context, st *store.Store, email, file string) (tok string, fresh bool, err error) {
	if b, err := os.ReadFile(file); err == nil {
		if _, err := st.Authenticate(ctx, string(trim(b))); err == nil {
			return string(trim(b)), false, nil
		} else if errors.Is(err, problem.ErrUnavailable) {
			return "", false, err
		}
	}
	_, _, secret, err := st.Bootstrap(ctx, email, "Dev Admin")
	if errors.Is(err, store.ErrBootstrapped) {
		// The table already has an admin but the kept key is gone: give the
		// dev admin a new key.
		id, ierr := st.UserIDByEmail(ctx, email)
		if ierr != nil {
			return "", false, fmt.Errorf("%w, and %s is not a user: remove %s to start afresh", err, email, file)
		}
		_, secret, err = st.CreateAPIKey(ctx, nil, id, "dev", 0, func(store.User) error { return nil })
	}
	if err != nil {
		return "", false, err
	}
	if err := os.WriteFile(file, []byte(secret+"\n"), 0o600); err != nil {
		return "", false, err
	}
	return secret, true, os.Chmod(file, 0o600) // also when the file existed

}

func trim(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}
