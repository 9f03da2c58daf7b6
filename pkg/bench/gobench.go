package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// GoBench is one Go benchmark's result.
type GoBench struct {
	Package     string  `json:"package"`
	Name        string  `json:"name"`
	What        string  `json:"what,omitempty"`
	NsPerOp     float64 `json:"nsPerOp"`
	BytesPerOp  int64   `json:"bytesPerOp"`
	AllocsPerOp int64   `json:"allocsPerOp"`
	Iterations  int64   `json:"iterations"`
}

// goBenchPackages are the hot paths of a request, and what each benchmark is.
var goBenchPackages = []string{"./pkg/token", "./pkg/auth", "./pkg/httpapi", "./pkg/store", "./pkg/password"}

var goBenchWhat = map[string]string{
	"token.BenchmarkParse":              "token format + checksum check (authorizer, before any read)",
	"token.BenchmarkParseMalformed":     "rejecting a malformed token",
	"token.BenchmarkHash":               "SHA-256 of a secret (the authorizer's lookup key)",
	"token.BenchmarkNew":                "minting a secret",
	"auth.BenchmarkAllowed":             "permission check (Principal.Allowed)",
	"auth.BenchmarkManagerRoles":        "roles a write's caller guard accepts",
	"httpapi.BenchmarkDecodeCreateUser": "users-create body: strict decode + validation",
	"httpapi.BenchmarkReadBody":         "middleware body check (with httptest.NewRequest)",
	"httpapi.BenchmarkEncodeUsersPage":  "users page response encode (50 users)",
	"store.BenchmarkEncodeCursor":       "cursor encode (HMAC-signed)",
	"store.BenchmarkDecodeCursor":       "cursor decode + verify",
	"store.BenchmarkUnmarshalUsersPage": "50 DynamoDB items to users",
	"store.BenchmarkBuildUserCreate":    "building a user-create transaction",
	"password.BenchmarkHash":            "argon2id hash (m=19 MiB, t=2)",
	"password.BenchmarkVerify":          "argon2id verify (login)",
	"password.BenchmarkPolicyCheck":     "password policy check",
}

// RunGoBench runs the micro-benchmarks of the hot paths with -benchmem.
// The httpapi test binary's TestMain wants DynamoDB Local and the SES
// emulator: it is pointed at the running ones so it starts none.
func RunGoBench(ctx context.Context, root string, st *Stack, benchtime string, progress func(string, ...any)) ([]GoBench, error) {
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", benchtime, "-count", "1"}, goBenchPackages...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "USHER_TEST_DYNAMODB="+st.DynamoURL, "USHER_TEST_SES="+st.SESURL)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	res := parseGoBench(out)
	progress("go benchmarks: %d results in %.1f s", len(res), time.Since(t0).Seconds())
	return res, nil
}

// parseGoBench reads `go test -bench -benchmem` output.
func parseGoBench(out []byte) []GoBench {
	var res []GoBench
	pkg := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // the GOMAXPROCS suffix
			}
		}
		b := GoBench{Package: pkg, Name: name}
		b.Iterations, _ = strconv.ParseInt(f[1], 10, 64)
		for i := 2; i+1 < len(f); i += 2 {
			v := f[i]
			switch f[i+1] {
			case "ns/op":
				b.NsPerOp, _ = strconv.ParseFloat(v, 64)
			case "B/op":
				b.BytesPerOp, _ = strconv.ParseInt(v, 10, 64)
			case "allocs/op":
				b.AllocsPerOp, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		short := pkg[strings.LastIndexByte(pkg, '/')+1:]
		b.What = goBenchWhat[short+"."+name]
		res = append(res, b)
	}
	return res
}
