package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	usher "github.com/usherhq/usher"
	"github.com/usherhq/usher/pkg/authorizer"
	"github.com/usherhq/usher/pkg/lambdarun"
	"github.com/usherhq/usher/pkg/routes"
)

// LambdaResult is the size of every function and the start-up of a few.
type LambdaResult struct {
	Target  string        `json:"target"` // GOOS/GOARCH of the size figures
	Sizes   []BinarySize  `json:"sizes"`
	BuildS  float64       `json:"buildSeconds"`
	Starts  []LambdaStart `json:"starts"`
	HostArc string        `json:"hostTarget"` // GOOS/GOARCH of the start-up figures
	Took    time.Duration `json:"-"`
}

// BinarySize is one function's bootstrap.
type BinarySize struct {
	Function string `json:"function"`
	Bytes    int64  `json:"bytes"`
}

// LambdaStart is a function run under lambdarun (its real binary, a local
// Lambda Runtime API) and, warm, its handler in this process.
type LambdaStart struct {
	Function  string  `json:"function"`
	Runs      int     `json:"coldRuns"`
	InitMs    float64 `json:"initMs"`          // median init duration (process start to first /next)
	FirstMs   float64 `json:"firstInvokeMs"`   // median duration of the first invocation (cold: new connections)
	MaxMemMB  float64 `json:"maxMemoryMB"`     // peak resident memory of the process
	WarmP50ms float64 `json:"warmP50Ms"`       // the same handler, warm, in-process
	WarmRuns  int     `json:"warmInvocations"` // how many warm invocations measured
	Status    int     `json:"status"`
	Error     string  `json:"error,omitempty"`
}

// buildArm64 builds every function as the Makefile does, for Lambda
// (linux/arm64), into dir, with one go command.
func buildArm64(ctx context.Context, root, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath",
		"-ldflags", "-s -w -X github.com/usherhq/usher/pkg/config.Version=bench", "-o", dir+string(os.PathSeparator), "./functions/...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build ./functions/... for linux/arm64: %v\n%s", err, out)
	}
	return nil
}

// RunLambda measures binary sizes and, for the functions named, cold and
// warm durations.
func RunLambda(ctx context.Context, st *Stack, root string, starts []string, coldRuns, warmRuns int, progress func(string, ...any)) (LambdaResult, error) {
	begin := time.Now()
	res := LambdaResult{Target: "linux/arm64", HostArc: runtime.GOOS + "/" + runtime.GOARCH}
	dir := filepath.Join(root, ".local", "bench", "lambda-linux-arm64")
	t0 := time.Now()
	if err := buildArm64(ctx, root, dir); err != nil {
		return res, err
	}
	res.BuildS = time.Since(t0).Seconds()
	fns, err := lambdarun.Functions(root)
	if err != nil {
		return res, err
	}
	for _, fn := range fns {
		fi, err := os.Stat(filepath.Join(dir, fn))
		if err != nil {
			return res, fmt.Errorf("built binary of %s: %w", fn, err)
		}
		res.Sizes = append(res.Sizes, BinarySize{Function: fn, Bytes: fi.Size()})
	}
	sort.Slice(res.Sizes, func(i, j int) bool { return res.Sizes[i].Bytes > res.Sizes[j].Bytes })
	progress("lambda: built %d functions for linux/arm64 in %.1f s", len(fns), res.BuildS)

	if len(starts) == 0 {
		res.Took = time.Since(begin)
		return res, nil
	}
	table, err := st.NewTable(ctx, "lambda")
	if err != nil {
		return res, err
	}
	defer st.DropTable(context.WithoutCancel(ctx), table)
	in, err := st.NewInstance(ctx, table, discardLogger())
	if err != nil {
		return res, err
	}
	defer in.Close()
	p, err := in.Store.Authenticate(ctx, in.Admin) // also sets lastUsedAt, as in steady use
	if err != nil {
		return res, err
	}
	cache := filepath.Join(root, ".local", "bench", "invoke")
	for _, fn := range starts {
		ls := LambdaStart{Function: fn}
		ev, handler, err := lambdaEvent(fn, in, authorizer.Context(p))
		if err != nil {
			return res, err
		}
		bin, err := lambdarun.BuildInto(ctx, root, fn, cache)
		if err != nil {
			return res, err
		}
		cfg, err := lambdarun.Config(usher.Template, fn, lambdarun.Local{Table: table, DynamoDBEndpoint: st.DynamoURL, SESEndpoint: st.SESURL})
		if err != nil {
			return res, err
		}
		var inits, firsts []time.Duration
		for range coldRuns {
			r, err := lambdarun.Run(ctx, lambdarun.Options{Binary: bin, FunctionName: fn, Event: ev, Env: cfg.Env, MemoryMB: cfg.MemoryMB})
			if err != nil {
				ls.Error = strings.SplitN(err.Error(), "\n", 2)[0]
				break
			}
			inits, firsts = append(inits, r.InitDuration), append(firsts, r.Duration)
			ls.MaxMemMB = max(ls.MaxMemMB, float64(r.MaxMemoryKB)/1024)
			ls.Status = statusOf(r.Response)
		}
		ls.Runs = len(inits)
		ls.InitMs, ls.FirstMs = ms(percentile(inits, 50)), ms(percentile(firsts, 50))
		var warm []time.Duration
		for i := -3; i < warmRuns; i++ {
			t := time.Now()
			if err := handler(ctx); err != nil {
				return res, fmt.Errorf("%s in-process: %w", fn, err)
			}
			if i >= 0 {
				warm = append(warm, time.Since(t))
			}
		}
		ls.WarmRuns, ls.WarmP50ms = len(warm), ms(percentile(warm, 50))
		progress("lambda: %-14s init %6.1f ms  first invoke %6.1f ms  warm %5.2f ms  max memory %5.1f MB %s", fn, ls.InitMs, ls.FirstMs, ls.WarmP50ms, ls.MaxMemMB, ls.Error)
		res.Starts = append(res.Starts, ls)
	}
	res.Took = time.Since(begin)
	return res, nil
}

// statusOf reads the HTTP status of an API Gateway v2 response payload (0
// for an authorizer's).
func statusOf(payload []byte) int {
	var r struct {
		StatusCode   int  `json:"statusCode"`
		IsAuthorized bool `json:"isAuthorized"`
	}
	_ = json.Unmarshal(payload, &r)
	if r.StatusCode == 0 && r.IsAuthorized {
		return 200
	}
	return r.StatusCode
}

// lambdaEvent returns the event a function receives for a typical request,
// and the same work done warm in this process.
func lambdaEvent(fn string, in *Instance, principal map[string]any) ([]byte, func(context.Context) error, error) {
	now := time.Now().UTC()
	rc := events.APIGatewayV2HTTPRequestContext{AccountID: "123456789012", APIID: "bench", DomainName: "bench.example.com",
		RequestID: "bench", Stage: "$default", Time: now.Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli()}
	if fn == routes.AuthorizerFunction {
		ev := events.APIGatewayV2CustomAuthorizerV2Request{Version: "2.0", Type: "REQUEST", RouteKey: "GET /v1/users",
			RawPath: "/v1/users", IdentitySource: []string{"Bearer " + in.Admin}, Headers: map[string]string{"authorization": "Bearer " + in.Admin},
			RequestContext: rc}
		b, err := json.Marshal(ev)
		az := &authorizer.Authorizer{Auth: in.Store, Log: discardLogger()}
		return b, func(ctx context.Context) error {
			r, err := az.Handle(ctx, ev)
			if err == nil && !r.IsAuthorized {
				err = fmt.Errorf("not authorized")
			}
			return err
		}, err
	}
	rt, ok := routes.ByName(fn)
	if !ok {
		return nil, nil, fmt.Errorf("no route %s", fn)
	}
	path, params, query := rt.Path, map[string]string(nil), ""
	if strings.Contains(path, "{id}") {
		path = strings.Replace(path, "{id}", in.AdminID, 1)
		params = map[string]string{"id": in.AdminID}
	}
	if rt.Method == "GET" && !strings.HasSuffix(rt.Path, "}") && fn != "health" && fn != "me-get" && fn != "insights-get" {
		query = "limit=50"
	}
	rc.RouteKey = rt.Method + " " + rt.Path
	rc.HTTP = events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: rt.Method, Path: path, Protocol: "HTTP/1.1", SourceIP: "127.0.0.1", UserAgent: "usher-bench"}
	if !rt.Public() {
		rc.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: roundTripJSON(principal)}
	}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: rc.RouteKey, RawPath: path, RawQueryString: query,
		Headers: map[string]string{"host": "bench.example.com", "accept": "application/json"}, PathParameters: params, RequestContext: rc}
	if query != "" {
		ev.QueryStringParameters = map[string]string{"limit": "50"}
	}
	b, err := json.Marshal(ev)
	h := in.HTTP.Lambda(rt)
	return b, func(ctx context.Context) error {
		r, err := h(ctx, ev)
		if err == nil && r.StatusCode >= 300 {
			err = fmt.Errorf("status %d: %s", r.StatusCode, bytes.TrimSpace([]byte(r.Body)))
		}
		return err
	}, err
}

func roundTripJSON(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
