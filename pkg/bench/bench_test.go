package bench

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/routes"
)

// These tests need no DynamoDB: they check the arithmetic and the verdicts.

func op(name string, start, end int) Op {
	return Op{Service: "DynamoDB", Name: name, Start: time.Duration(start) * time.Millisecond, End: time.Duration(end) * time.Millisecond}
}

func TestRounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []Op
		want int
	}{
		{"none", nil, 0},
		{"one", []Op{op("GetItem", 0, 2)}, 1},
		{"together", []Op{op("Query", 0, 3), op("Query", 1, 2)}, 1},
		{"in sequence", []Op{op("Query", 0, 3), op("BatchGetItem", 3, 5)}, 2},
		{"together then one", []Op{op("Query", 0, 3), op("GetItem", 0, 2), op("BatchGetItem", 4, 6)}, 2},
		{"chain of three", []Op{op("GetItem", 0, 1), op("Query", 2, 3), op("TransactWriteItems", 4, 6)}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Rounds(tc.ops); got != tc.want {
				t.Errorf("Rounds = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestOpsString(t *testing.T) {
	ops := []Op{op("Query", 0, 3), op("GetItem", 1, 2), op("BatchGetItem", 4, 6)}
	ops[0].On, ops[2].On = "USERS/ByEmail", "6 USER"
	if got, want := opsString(ops), "Query(USERS/ByEmail)+GetItem > BatchGet(6 USER)"; got != want {
		t.Errorf("opsString = %q, want %q", got, want)
	}
}

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Cost
		n    int
		ok   bool
	}{
		{"read of one item", Cost{Budget: BudgetRead, Calls: 1, Rounds: 1, Reads: 1}, 1, true},
		{"read of two", Cost{Budget: BudgetRead, Calls: 2, Rounds: 2, Reads: 2}, 1, false},
		{"page with total", Cost{Budget: BudgetList, Calls: 2, Rounds: 1, Reads: 2}, 1, true},
		{"page then batch", Cost{Budget: BudgetList, Calls: 2, Rounds: 2, Reads: 2}, 1, false},
		{"one transaction", Cost{Budget: BudgetWrite, Calls: 1, Rounds: 1, Writes: 1, Tx: 1, Mail: 1}, 1, true},
		{"read then write", Cost{Budget: BudgetWrite, Calls: 2, Rounds: 2, Reads: 1, Writes: 1, Tx: 1, ReadsBefore: 1}, 1, true},
		{"two reads together, then write", Cost{Budget: BudgetWrite, Calls: 3, Rounds: 2, Reads: 2, Writes: 1, Tx: 1, ReadsBefore: 1}, 1, true},
		{"two read rounds, then write", Cost{Budget: BudgetWrite, Calls: 3, Rounds: 3, Reads: 2, Writes: 1, Tx: 1, ReadsBefore: 2}, 1, false},
		{"reads after writing", Cost{Budget: BudgetWrite, Calls: 2, Rounds: 2, Reads: 1, Writes: 1, Tx: 1, ReadsAfter: 1}, 1, false},
		{"two transactions", Cost{Budget: BudgetWrite, Calls: 2, Rounds: 2, Writes: 2, Tx: 2}, 1, false},
		{"mail outcome recorded", Cost{Budget: BudgetWrite, Calls: 2, Rounds: 2, Writes: 2, Tx: 1, Mail: 1}, 1, true},
		{"mail outcome read first", Cost{Budget: BudgetWrite, Calls: 3, Rounds: 3, Reads: 1, Writes: 2, Tx: 2, Mail: 1, ReadsAfter: 1}, 1, false},
		{"batch of two", Cost{Budget: BudgetWrite, Calls: 2, Rounds: 1, Writes: 2, Tx: 2, Mail: 2}, 2, true},
		{"UpdateItem is not a transaction", Cost{Budget: BudgetWrite, Calls: 1, Rounds: 1, Writes: 1}, 1, false},
		{"authorizer read", Cost{Name: "authorizer (API key)", Budget: BudgetAuth, AuthCalls: 1}, 1, true},
		{"malformed token read", Cost{Name: "authorizer (malformed token)", Budget: BudgetAuth, AuthCalls: 1}, 1, false},
		{"scan", Cost{Budget: BudgetList, Calls: 1, Rounds: 1, Reads: 1, Scans: 1}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ok, why := verdict(tc.c, tc.n); ok != tc.ok {
				t.Errorf("verdict = %v (%s), want %v", ok, why, tc.ok)
			}
		})
	}
}

func TestBudgetOf(t *testing.T) {
	for _, tc := range []struct {
		sc   scenario
		want string
	}{
		{scenario{name: "users-get", route: "users-get"}, BudgetRead},
		{scenario{name: "users-list", route: "users-list"}, BudgetList},
		{scenario{name: "users-create", route: "users-create"}, BudgetWrite},
		{scenario{name: "authorizer (session)"}, BudgetAuth},
		{scenario{name: "openapi", route: "openapi", budget: BudgetNone}, BudgetNone},
	} {
		if got := budgetOf(tc.sc); got != tc.want {
			t.Errorf("budgetOf(%s) = %s, want %s", tc.sc.name, got, tc.want)
		}
	}
}

func TestScenariosCoverEveryRoute(t *testing.T) {
	covered := map[string]bool{}
	for _, sc := range scenarios() {
		if _, ok := routes.ByName(sc.route); !ok {
			t.Errorf("scenario %q names no route (%q)", sc.name, sc.route)
		}
		covered[sc.route] = true
	}
	for _, rt := range routes.All {
		if !covered[rt.Name] {
			t.Errorf("no cost scenario for %s", rt.Name)
		}
	}
}

func TestWithCapacity(t *testing.T) {
	in := &dynamodb.UpdateItemInput{Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "REQUESTS"}}}
	out, kind := withCapacity(in, PhaseHandler)
	if kind != KindCounter {
		t.Errorf("kind = %q, want %q", kind, KindCounter)
	}
	if got := out.(*dynamodb.UpdateItemInput).ReturnConsumedCapacity; got != types.ReturnConsumedCapacityTotal {
		t.Errorf("ReturnConsumedCapacity = %q, want TOTAL", got)
	}
	if in.ReturnConsumedCapacity != "" {
		t.Error("the caller's input was changed")
	}
	q := &dynamodb.QueryInput{IndexName: ptr("ByEmail"), ExpressionAttributeValues: map[string]types.AttributeValue{":lp": &types.AttributeValueMemberS{Value: "USERS#PFX#ada"}}}
	if got, want := target(q), "USERS/ByEmail"; got != want {
		t.Errorf("target = %q, want %q", got, want)
	}
}

func ptr(s string) *string { return &s }

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(101-i)*time.Millisecond)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := percentile(d, tc.p); got != tc.want {
			t.Errorf("p%.0f = %v, want %v", tc.p, got, tc.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("percentile of nothing should be 0")
	}
}

func TestParseGoBench(t *testing.T) {
	out := []byte(`goos: linux
goarch: amd64
pkg: github.com/usherhq/usher/pkg/auth
cpu: AMD EPYC
BenchmarkAllowed-2        	10291747	        23.55 ns/op	       0 B/op	       0 allocs/op
BenchmarkManagerRoles-2   	 1000000	       275.1 ns/op	      48 B/op	       2 allocs/op
PASS
pkg: github.com/usherhq/usher/pkg/password
BenchmarkHash-2   	      20	  50373567 ns/op	19927590 B/op	      38 allocs/op
`)
	got := parseGoBench(out)
	if len(got) != 3 {
		t.Fatalf("parsed %d results, want 3: %+v", len(got), got)
	}
	want := GoBench{Package: "github.com/usherhq/usher/pkg/auth", Name: "BenchmarkManagerRoles", What: goBenchWhat["auth.BenchmarkManagerRoles"],
		NsPerOp: 275.1, BytesPerOp: 48, AllocsPerOp: 2, Iterations: 1000000}
	if got[1] != want {
		t.Errorf("got %+v, want %+v", got[1], want)
	}
	if got[2].Package != "github.com/usherhq/usher/pkg/password" || got[2].NsPerOp != 50373567 {
		t.Errorf("third result %+v", got[2])
	}
}

func TestTokenOf(t *testing.T) {
	if got := tokenOf("http://127.0.0.1/accept?token=ushi_abc"); got != "ushi_abc" {
		t.Errorf("tokenOf = %q", got)
	}
}

func TestReadRounds(t *testing.T) {
	op := func(name string, start, end int) Op {
		return Op{Name: name, Start: time.Duration(start) * time.Millisecond, End: time.Duration(end) * time.Millisecond}
	}
	for _, tc := range []struct {
		name          string
		ops           []Op
		before, after int
	}{
		{"write only", []Op{op("TransactWriteItems", 0, 5)}, 0, 0},
		{"two reads together, then write", []Op{op("GetItem", 0, 3), op("Query", 1, 4), op("TransactWriteItems", 5, 9)}, 1, 0},
		{"a chain of reads, then write", []Op{op("GetItem", 0, 3), op("Query", 4, 6), op("TransactWriteItems", 7, 9)}, 2, 0},
		{"read after writing", []Op{op("TransactWriteItems", 0, 5), op("GetItem", 6, 7), op("UpdateItem", 8, 9)}, 0, 1},
		{"a write beside a read counts as writing", []Op{op("GetItem", 0, 3), op("UpdateItem", 1, 2)}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if b, a := readRounds(tc.ops); b != tc.before || a != tc.after {
				t.Errorf("readRounds = %d before, %d after; want %d, %d", b, a, tc.before, tc.after)
			}
		})
	}
}
