// Package store keeps Usher's data in one DynamoDB table. Every change that
// touches several items is one TransactWriteItems whose conditions enforce the
// invariants (unique emails, the last super_admin, the caller's current role),
// so nothing is ever checked first and written later.
package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/usherhq/usher/pkg/problem"
)

// DB is the part of the DynamoDB API the store uses.
type DB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// Store is the table and the clock.
type Store struct {
	db                 DB
	table              string
	cursorKey          []byte
	Now                func() time.Time
	AuditRetentionDays int // TTL of audit events (0: 365)
}

// New returns a store on the named table. cursorSecret keys the HMAC that
// makes pagination cursors tamper-evident.
func New(db DB, table, cursorSecret string) *Store {
	return &Store{db: db, table: table, cursorKey: []byte("usher-cursor:" + table + ":" + cursorSecret), Now: time.Now}
}

// TimeFormat is the API's timestamp layout: RFC 3339, UTC, milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z"

func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

func stamp(t time.Time) string { return t.UTC().Format(TimeFormat) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// unavailable marks a DynamoDB failure: the client sees 503, the log the cause.
type unavailable struct{ cause error }

func (e unavailable) Error() string   { return "storage unavailable: " + e.cause.Error() }
func (e unavailable) Unwrap() []error { return []error{problem.ErrUnavailable, e.cause} }

func fail(err error) error {
	if err == nil {
		return nil
	}
	var p *problem.Error
	if errors.As(err, &p) {
		return err
	}
	return unavailable{err}
}

// tx collects the items of one TransactWriteItems and what each failed
// condition means for the client.
type tx struct {
	items  []types.TransactWriteItem
	fails  []error
	counts map[string]int64 // counter deltas, written as one shard update
}

// count adds delta to a counter when the transaction commits.
func (t *tx) count(name string, delta int64) {
	if t.counts == nil {
		t.counts = map[string]int64{}
	}
	t.counts[name] += delta
}

func (t *tx) add(item types.TransactWriteItem, onFail error) {
	t.items = append(t.items, item)
	t.fails = append(t.fails, onFail)
}

func (s *Store) put(t *tx, item map[string]types.AttributeValue, cond string, vals map[string]types.AttributeValue, onFail error) {
	p := &types.Put{TableName: &s.table, Item: item}
	if cond != "" {
		p.ConditionExpression = &cond
		p.ExpressionAttributeNames = namesIn(cond)
		if len(vals) > 0 {
			p.ExpressionAttributeValues = vals
		}
	}
	t.add(types.TransactWriteItem{Put: p}, onFail)
}

func (s *Store) del(t *tx, pk, sk, cond string, vals map[string]types.AttributeValue, onFail error) {
	d := &types.Delete{TableName: &s.table, Key: key(pk, sk)}
	if cond != "" {
		d.ConditionExpression = &cond
		d.ExpressionAttributeNames = namesIn(cond)
		if len(vals) > 0 {
			d.ExpressionAttributeValues = vals
		}
	}
	t.add(types.TransactWriteItem{Delete: d}, onFail)
}

func (s *Store) update(t *tx, pk, sk, expr, cond string, vals map[string]types.AttributeValue, onFail error) {
	u := &types.Update{TableName: &s.table, Key: key(pk, sk), UpdateExpression: &expr, ExpressionAttributeValues: vals}
	if cond != "" {
		u.ConditionExpression = &cond
	}
	u.ExpressionAttributeNames = namesIn(expr + " " + cond)
	if len(u.ExpressionAttributeValues) == 0 {
		u.ExpressionAttributeValues = nil
	}
	t.add(types.TransactWriteItem{Update: u}, onFail)
}

func (s *Store) check(t *tx, pk, sk, cond string, vals map[string]types.AttributeValue, onFail error) {
	c := &types.ConditionCheck{TableName: &s.table, Key: key(pk, sk), ConditionExpression: &cond, ExpressionAttributeValues: vals, ExpressionAttributeNames: namesIn(cond)}
	if len(vals) == 0 {
		c.ExpressionAttributeValues = nil
	}
	t.add(types.TransactWriteItem{ConditionCheck: c}, onFail)
}

// errRetry means a condition written for optimistic concurrency failed: the
// operation re-reads and tries again.
var errRetry = errors.New("store: concurrent change, retry")

// maxTxItems is DynamoDB's limit on one transaction.
const maxTxItems = 100

// errTooLarge is returned when a change would need more than one transaction.
var errTooLarge = problem.New(409, "too_many_items", "the change touches too many items at once")

// commit runs the transaction, retrying transaction conflicts; a failed
// condition returns the error registered for that item.
func (s *Store) commit(ctx context.Context, t *tx) error {
	s.flushCounts(t)
	if len(t.items) == 0 {
		return nil
	}
	if len(t.items) > maxTxItems {
		return errTooLarge
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: t.items}
	for attempt := 0; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		var tc *types.TransactionCanceledException
		if !errors.As(err, &tc) {
			return fail(err)
		}
		conflict := false
		for i, r := range tc.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				if i < len(t.fails) && t.fails[i] != nil {
					return t.fails[i]
				}
				return fail(fmt.Errorf("unexpected condition failure on item %d", i))
			case "TransactionConflict":
				conflict = true
			}
		}
		if !conflict && strings.Contains(err.Error(), "TransactionConflict") {
			conflict = true
		}
		if !conflict || attempt >= 6 {
			return fail(err)
		}
		if err := sleep(ctx, time.Duration(10<<attempt)*time.Millisecond); err != nil {
			return fail(err)
		}
	}
}

// flushCounts turns the counter deltas into one update of a random shard:
// concurrent changes rarely touch the same shard, and a read sums them all.
func (s *Store) flushCounts(t *tx) {
	var parts []string
	vals := map[string]types.AttributeValue{}
	names := make([]string, 0, len(t.counts))
	for n := range t.counts {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		if t.counts[n] == 0 {
			continue
		}
		v := fmt.Sprintf(":c%d", i)
		parts = append(parts, "#"+n+" "+v)
		vals[v] = num(t.counts[n])
	}
	t.counts = nil
	if len(parts) > 0 {
		s.update(t, pkCounters, counterSK(rand.IntN(counterShards)), "ADD "+strings.Join(parts, ", "), "", vals, nil)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	d += time.Duration(rand.Int64N(int64(d)))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

// namesIn maps every #name placeholder in expr to the attribute "name", so
// expressions read naturally and reserved words (status, role, name) work.
func namesIn(expr string) map[string]string {
	var m map[string]string
	for i := 0; i < len(expr); i++ {
		if expr[i] != '#' {
			continue
		}
		j := i + 1
		for j < len(expr) && (expr[j] == '_' || expr[j] >= 'a' && expr[j] <= 'z' || expr[j] >= 'A' && expr[j] <= 'Z' || expr[j] >= '0' && expr[j] <= '9') {
			j++
		}
		if j > i+1 {
			if m == nil {
				m = map[string]string{}
			}
			m[expr[i:j]] = expr[i+1 : j]
		}
		i = j
	}
	return m
}

// getItem reads one item with a strongly consistent read.
func (s *Store) getItem(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fail(err)
	}
	return out.Item, nil
}

// alongside starts f and returns a wait for it: independent reads go out
// together, so a request waits for one round trip instead of two.
func alongside(f func()) (wait func()) {
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	return func() { <-done }
}

// getAs reads one item, strongly consistent, into T; a missing item is
// not_found.
func getAs[T any](ctx context.Context, s *Store, pk, sk string) (T, error) {
	var v T
	item, err := s.getItem(ctx, pk, sk)
	if err != nil {
		return v, err
	}
	if item == nil {
		return v, problem.ErrNotFound
	}
	if err := attributevalue.UnmarshalMap(item, &v); err != nil {
		return v, fail(err)
	}
	return v, nil
}

// partition reads every item of one partition (bounded by design: a user's
// partition holds its copies, search entries, keys and sessions).
func (s *Store) partition(ctx context.Context, pk string) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	in := &dynamodb.QueryInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fail(err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// Ping checks that the table answers.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.getItem(ctx, pkCounters, skSuperAdmins)
	return err
}

func problemConflict(code, detail string) *problem.Error { return problem.New(409, code, detail) }
