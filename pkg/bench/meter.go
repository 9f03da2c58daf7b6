package bench

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Phases of a request that a tally keeps apart.
const (
	PhaseAuthorizer = "authorizer"
	PhaseHandler    = "handler"
)

// Kinds of calls that are not the route's own work.
const (
	KindCounter  = "request-counter" // the per-request UpdateItem for insights' request counts
	KindSettings = "settings"        // the settings overrides, cached 3 s per instance
	KindTouch    = "last-used"       // the authorizer's lastUsedAt write, once per 5 min per token
)

// Op is one AWS API call seen by the meter.
type Op struct {
	Service string        `json:"service"` // DynamoDB, SESv2
	Name    string        `json:"name"`    // GetItem, Query, SendEmail…
	Kind    string        `json:"kind,omitempty"`
	On      string        `json:"on,omitempty"` // what it reads or writes: a key prefix, an index, a count of items
	Start   time.Duration `json:"-"`            // since the tally began
	End     time.Duration `json:"-"`
	RCU     float64       `json:"rcu,omitempty"`
	WCU     float64       `json:"wcu,omitempty"`
	Err     bool          `json:"err,omitempty"`
}

// Tally collects the calls of one request, by phase.
type Tally struct {
	mu    sync.Mutex
	start time.Time
	ops   map[string][]Op
}

// NewTally starts an empty tally.
func NewTally() *Tally { return &Tally{start: time.Now(), ops: map[string][]Op{}} }

func (t *Tally) add(phase string, op Op) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ops[phase] = append(t.ops[phase], op)
}

// Ops returns the calls of a phase, in the order they started.
func (t *Tally) Ops(phase string) []Op {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]Op(nil), t.ops[phase]...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

type scopeKey struct{}

type scope struct {
	t     *Tally
	phase string
}

// WithTally makes the AWS calls made under ctx count in t, in phase.
func WithTally(ctx context.Context, t *Tally, phase string) context.Context {
	return context.WithValue(ctx, scopeKey{}, scope{t, phase})
}

// WithPhase moves the calls made under ctx to another phase of the same tally.
func WithPhase(ctx context.Context, phase string) context.Context {
	sc, ok := ctx.Value(scopeKey{}).(scope)
	if !ok {
		return ctx
	}
	return WithTally(ctx, sc.t, phase)
}

// Register adds the meter to an SDK client's middleware stack (as an entry of
// aws.Config.APIOptions): for calls made under a tally it asks DynamoDB for
// ReturnConsumedCapacity TOTAL and records the call, its timing and the
// capacity consumed. Calls without a tally pass untouched.
func Register(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("UsherBenchMeter", meter), middleware.After)
}

// APIOptions is Register as a list, for aws.Config.APIOptions.
func APIOptions() []func(*middleware.Stack) error { return []func(*middleware.Stack) error{Register} }

func meter(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	sc, ok := ctx.Value(scopeKey{}).(scope)
	if !ok {
		return next.HandleInitialize(ctx, in)
	}
	op := Op{Service: awsmiddleware.GetServiceID(ctx), Name: awsmiddleware.GetOperationName(ctx)}
	in.Parameters, op.Kind = withCapacity(in.Parameters, sc.phase)
	op.On = target(in.Parameters)
	op.Start = time.Since(sc.t.start)
	out, md, err := next.HandleInitialize(ctx, in)
	op.End = time.Since(sc.t.start)
	op.Err = err != nil
	if err == nil {
		for _, c := range consumed(out.Result) {
			if isRead(op.Name) {
				op.RCU += aws.ToFloat64(c.CapacityUnits)
			} else {
				op.WCU += aws.ToFloat64(c.CapacityUnits)
			}
		}
	}
	sc.t.add(sc.phase, op)
	return out, md, err
}

func isRead(name string) bool {
	switch name {
	case "GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems":
		return true
	}
	return false
}

// pkOf returns the partition key of a key map ("" when none).
func pkOf(k map[string]types.AttributeValue) string {
	if v, ok := k["PK"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// withCapacity returns a copy of a DynamoDB input asking for the total
// consumed capacity (the caller's input is never changed), and the kind of
// call it is when it is not the route's own work.
func withCapacity(p any, phase string) (any, string) {
	total := types.ReturnConsumedCapacityTotal
	switch v := p.(type) {
	case *dynamodb.GetItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		if pkOf(v.Key) == "SETTINGS" {
			return &c, KindSettings
		}
		return &c, ""
	case *dynamodb.QueryInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c, ""
	case *dynamodb.ScanInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c, ""
	case *dynamodb.BatchGetItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c, ""
	case *dynamodb.TransactGetItemsInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c, ""
	case *dynamodb.PutItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c, ""
	case *dynamodb.DeleteItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c, ""
	case *dynamodb.UpdateItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		if pkOf(v.Key) == "REQUESTS" {
			return &c, KindCounter
		}
		return &c, ""
	case *dynamodb.BatchWriteItemInput:
		c := *v
		c.ReturnConsumedCapacity = total
		return &c, ""
	case *dynamodb.TransactWriteItemsInput:
		c := *v
		c.ReturnConsumedCapacity = total
		if phase == PhaseAuthorizer {
			return &c, KindTouch
		}
		return &c, ""
	}
	return p, ""
}

// prefix is a key's entity: the part before the first '#'.
func prefix(v types.AttributeValue) string {
	s, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		return "?"
	}
	p, _, _ := strings.Cut(s.Value, "#")
	return p
}

// target describes what a call touches, for the report: GetItem(TOKEN),
// Query(USERS/ByCreated), TransactWriteItems(9).
func target(p any) string {
	switch v := p.(type) {
	case *dynamodb.GetItemInput:
		return prefix(v.Key["PK"])
	case *dynamodb.UpdateItemInput:
		return prefix(v.Key["PK"])
	case *dynamodb.QueryInput:
		k := v.ExpressionAttributeValues[":pk"]
		if k == nil {
			k = v.ExpressionAttributeValues[":lp"]
		}
		on := "?"
		if k != nil {
			on = prefix(k)
		}
		if v.IndexName != nil {
			on += "/" + *v.IndexName
		}
		return on
	case *dynamodb.BatchGetItemInput:
		n, on := 0, ""
		for _, ka := range v.RequestItems {
			n += len(ka.Keys)
			if len(ka.Keys) > 0 {
				on = prefix(ka.Keys[0]["PK"])
			}
		}
		return fmt.Sprintf("%d %s", n, on)
	case *dynamodb.BatchWriteItemInput:
		n := 0
		for _, w := range v.RequestItems {
			n += len(w)
		}
		return strconv.Itoa(n)
	case *dynamodb.TransactWriteItemsInput:
		return strconv.Itoa(len(v.TransactItems))
	}
	return ""
}

func consumed(result any) []types.ConsumedCapacity {
	one := func(c *types.ConsumedCapacity) []types.ConsumedCapacity {
		if c == nil {
			return nil
		}
		return []types.ConsumedCapacity{*c}
	}
	switch v := result.(type) {
	case *dynamodb.GetItemOutput:
		return one(v.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		return one(v.ConsumedCapacity)
	case *dynamodb.ScanOutput:
		return one(v.ConsumedCapacity)
	case *dynamodb.PutItemOutput:
		return one(v.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		return one(v.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		return one(v.ConsumedCapacity)
	case *dynamodb.BatchGetItemOutput:
		return v.ConsumedCapacity
	case *dynamodb.BatchWriteItemOutput:
		return v.ConsumedCapacity
	case *dynamodb.TransactGetItemsOutput:
		return v.ConsumedCapacity
	case *dynamodb.TransactWriteItemsOutput:
		return v.ConsumedCapacity
	}
	return nil
}

// Rounds is the number of round trips a client waits for one after the
// other: the longest chain of calls each starting after the previous ended.
// Calls issued together count once.
func Rounds(ops []Op) int {
	depth := make([]int, len(ops))
	best := 0
	for i, o := range ops {
		depth[i] = 1
		for j, p := range ops {
			if j != i && p.End <= o.Start && depth[j]+1 > depth[i] {
				depth[i] = depth[j] + 1
			}
		}
		best = max(best, depth[i])
	}
	return best
}
