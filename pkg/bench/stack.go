package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"

	usher "github.com/usherhq/usher"
	"github.com/usherhq/usher/pkg/app"
	"github.com/usherhq/usher/pkg/config"
	"github.com/usherhq/usher/pkg/gateway"
	"github.com/usherhq/usher/pkg/httpapi"
	"github.com/usherhq/usher/pkg/localstack"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/tabledef"
)

// Stack is DynamoDB Local and the SES v2 emulator, started for one run.
type Stack struct {
	DynamoURL, SESURL string
	DB                *dynamodb.Client // metered (see Register)
	stops             []func()
	tables            int
	mu                sync.Mutex
}

// StartStack starts both emulators; workDir holds DynamoDB Local's working
// directory (it writes a metadata file there). A non-empty dynamoURL is a
// DynamoDB Local already running (e.g. with other JVM flags) to use instead.
func StartStack(ctx context.Context, workDir, dynamoURL string, log io.Writer) (*Stack, error) {
	type started struct {
		p   *localstack.Process
		err error
	}
	sesc := make(chan started, 1)
	go func() {
		p, err := localstack.StartSES(ctx, localstack.SESOptions{CacheDir: localstack.DefaultCacheDir(), Log: log})
		sesc <- started{p, err}
	}()
	var stopDynamo func()
	var derr error
	if dynamoURL == "" {
		dynamoURL, stopDynamo, derr = startDynamo(ctx, filepath.Join(workDir, "dynamodb"), log)
	}
	ses := <-sesc
	if derr != nil || ses.err != nil {
		if stopDynamo != nil {
			stopDynamo()
		}
		if ses.p != nil {
			_ = ses.p.Stop()
		}
		if derr != nil {
			return nil, fmt.Errorf("DynamoDB Local: %w", derr)
		}
		return nil, fmt.Errorf("SES v2 emulator: %w", ses.err)
	}
	s := &Stack{DynamoURL: dynamoURL, SESURL: ses.p.Endpoint, stops: []func(){func() { _ = ses.p.Stop() }}}
	if stopDynamo != nil {
		s.stops = append(s.stops, stopDynamo)
	}
	cfg, err := s.config("").AWS(ctx)
	if err != nil {
		s.Stop()
		return nil, err
	}
	cfg.APIOptions = append(cfg.APIOptions, Register)
	cfg.Logger = logging.Nop{} // the SDK's warnings about connections cut by a timeout are noise here
	s.DB = s.config("").DynamoDB(cfg)
	return s, nil
}

// Stop stops the emulators it started.
func (s *Stack) Stop() {
	for _, stop := range s.stops {
		stop()
	}
}

func (s *Stack) config(table string) config.Config {
	return config.Config{
		Table: table, Stage: "bench", CursorSecret: "usher-bench",
		DynamoDBEndpoint: s.DynamoURL, SESEndpoint: s.SESURL,
		SenderEmail: "usher@example.com", InviteURLBase: "http://127.0.0.1/accept", ResetURLBase: "http://127.0.0.1/reset",
	}
}

// NewTable creates a fresh table from template.yaml.
func (s *Stack) NewTable(ctx context.Context, stem string) (string, error) {
	s.mu.Lock()
	s.tables++
	name := fmt.Sprintf("usher-bench-%s-%d-%d", stem, os.Getpid(), s.tables)
	s.mu.Unlock()
	in, err := tabledef.Table(usher.Template, name)
	if err != nil {
		return "", err
	}
	if _, err := s.DB.CreateTable(ctx, in); err != nil {
		return "", err
	}
	return name, dynamodb.NewTableExistsWaiter(s.DB).Wait(ctx, &dynamodb.DescribeTableInput{TableName: &name}, 30*time.Second)
}

// DropTable deletes a table (best effort), freeing DynamoDB Local's memory.
func (s *Stack) DropTable(ctx context.Context, name string) {
	_, _ = s.DB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &name})
}

// Instance is Usher wired as app.New wires it, on one table, with the meter
// on its AWS clients and each request's calls split between the authorizer
// and the route's function.
type Instance struct {
	Store   *store.Store
	HTTP    *httpapi.Server
	Handler http.Handler // every route behind the local gateway
	Server  *httptest.Server
	URL     string
	Table   string
	Admin   string // a super_admin's API key
	AdminID string
}

// tallyHeader names the tally a request's calls are counted in.
const tallyHeader = "X-Usher-Bench-Tally"

var tallies sync.Map // id -> *Tally

// NewInstance wires Usher on table, with every DynamoDB call metered, and
// serves it on 127.0.0.1.
func (s *Stack) NewInstance(ctx context.Context, table string, log *slog.Logger) (*Instance, error) {
	cfg := s.config(table)
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, err
	}
	awsCfg.APIOptions = append(awsCfg.APIOptions, Register)
	awsCfg.Logger = logging.Nop{}
	a := app.WithAWS(cfg, awsCfg, log)
	st, srv, az := a.Store, a.HTTP, a.Authorizer
	gw := gateway.New(routes.All, func(rt routes.Route) gateway.RouteFunc {
		fn := srv.Lambda(rt)
		return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return fn(WithPhase(ctx, PhaseHandler), ev)
		}
	}, func(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		return az.Handle(WithPhase(ctx, PhaseAuthorizer), ev)
	}, log)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get(tallyHeader); id != "" {
			if t, ok := tallies.Load(id); ok {
				r = r.WithContext(WithTally(r.Context(), t.(*Tally), PhaseHandler))
			}
			r.Header.Del(tallyHeader)
		}
		gw.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(h)
	in := &Instance{Store: st, HTTP: srv, Handler: h, Server: ts, URL: ts.URL, Table: table}
	u, _, secret, err := st.Bootstrap(ctx, "root@example.com", "Root Admin")
	if err != nil {
		ts.Close()
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	in.Admin, in.AdminID = secret, u.ID
	return in, nil
}

// Close stops serving.
func (in *Instance) Close() { in.Server.Close() }

// discardLogger drops request logs (they would dominate the CPU profile of
// the load test otherwise no more than in Lambda, but clutter the terminal).
func discardLogger() *slog.Logger { return app.Logger(io.Discard, slog.LevelError) }

// repoRoot finds the directory holding go.mod at or above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/usherhq/usher") {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("not inside the usher repository (no go.mod above %s)", dir)
		}
		d = parent
	}
}
