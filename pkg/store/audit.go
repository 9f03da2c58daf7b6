package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/auth"
)

// AuditActor is who did something.
type AuditActor struct {
	Type      string `json:"type" dynamodbav:"type"` // user, admin_token, anonymous or system
	ID        string `json:"id" dynamodbav:"id"`
	Email     string `json:"email,omitempty" dynamodbav:"email,omitempty"`
	CreatedBy *Ref   `json:"createdBy,omitempty" dynamodbav:"createdBy,omitempty"` // an admin token's creator
}

// AuditEvent is one entry of the audit trail.
type AuditEvent struct {
	ID        string         `json:"id"`
	At        string         `json:"at"`
	Action    string         `json:"action"`
	Actor     AuditActor     `json:"actor"`
	Target    Ref            `json:"target"`
	Details   map[string]any `json:"details"`
	RequestID string         `json:"requestId"`
}

type auditItem struct {
	PK        string         `dynamodbav:"PK"`
	SK        string         `dynamodbav:"SK"`
	LP        string         `dynamodbav:"LP"`
	SC        string         `dynamodbav:"SC"`
	ID        string         `dynamodbav:"id"`
	At        string         `dynamodbav:"at"`
	Action    string         `dynamodbav:"action"`
	Actor     AuditActor     `dynamodbav:"actor"`
	Target    Ref            `dynamodbav:"target"`
	Details   map[string]any `dynamodbav:"details"`
	RequestID string         `dynamodbav:"requestId"`
	TTL       int64          `dynamodbav:"ttl"`
}

func (a auditItem) event() AuditEvent {
	d := a.Details
	if d == nil {
		d = map[string]any{}
	}
	return AuditEvent{ID: a.ID, At: a.At, Action: a.Action, Actor: a.Actor, Target: a.Target, Details: d, RequestID: a.RequestID}
}

// System is the actor of scheduled work.
var System = AuditActor{Type: "system", ID: "cleanup"}

// Anonymous is the actor of public requests with no account behind them.
var Anonymous = AuditActor{Type: "anonymous", ID: "anonymous"}

// ActorOf is the audit actor of an authenticated caller.
func ActorOf(p auth.Principal) AuditActor {
	a := AuditActor{Type: p.Type, ID: p.ID}
	if p.Type == auth.KindAdminToken && p.CreatedByID != "" {
		a.CreatedBy = &Ref{Type: p.CreatedByType, ID: p.CreatedByID}
	}
	return a
}

func actorOf(c *Caller) AuditActor {
	if c == nil {
		return System
	}
	return ActorOf(c.P)
}

type requestIDKey struct{}

// WithRequestID tags ctx with the request id audit events record.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// auditRetention is how long events are kept (TTL); set from the template.
func (s *Store) auditTTL(now time.Time) int64 {
	days := s.AuditRetentionDays
	if days <= 0 {
		days = 365
	}
	return now.AddDate(0, 0, days).Unix()
}

// audit adds an audit event to the change's transaction: the event and its
// three listing copies (by actor, by target, by action), newest first by SC.
func (s *Store) audit(ctx context.Context, t *tx, actor AuditActor, action string, target Ref, details map[string]any) {
	now := s.now()
	rid, _ := ctx.Value(requestIDKey{}).(string)
	it := auditItem{ID: newID(), At: stamp(now), Action: action, Actor: actor, Target: target, Details: details, RequestID: rid, TTL: s.auditTTL(now)}
	it.PK, it.SC = "AUDIT#"+it.ID, it.At+"#"+it.ID
	for _, c := range []struct{ sk, lp string }{
		{"EVENT", "AUDIT"}, {"ACTOR", "AUDIT#ACTOR#" + actor.ID}, {"TARGET", "AUDIT#TARGET#" + target.ID}, {"ACTION", "AUDIT#ACTION#" + action},
	} {
		cp := it
		cp.SK, cp.LP = c.sk, c.lp
		s.put(t, marshal(cp), "", nil, nil)
	}
}

// AuditQuery selects audit events.
type AuditQuery struct {
	ActorID, TargetID, Action string
	Since, Until              string // RFC 3339 bounds, inclusive
	Limit                     int
	Cursor                    string
}

// ListAudit pages through audit events, newest first. The most selective
// filter picks the list partition; the others filter within it.
func (s *Store) ListAudit(ctx context.Context, q AuditQuery) (Page[AuditEvent], error) {
	lp := "AUDIT"
	var filters []string
	vals := map[string]types.AttributeValue{}
	names := map[string]string{}
	switch {
	case q.TargetID != "":
		lp = "AUDIT#TARGET#" + q.TargetID
	case q.ActorID != "":
		lp = "AUDIT#ACTOR#" + q.ActorID
	case q.Action != "":
		lp = "AUDIT#ACTION#" + q.Action
	}
	if q.ActorID != "" && q.TargetID != "" {
		filters = append(filters, "#actor.#id = :actor")
		names["#actor"], names["#id"] = "actor", "id"
		vals[":actor"] = str(q.ActorID)
	}
	if q.Action != "" && (q.ActorID != "" || q.TargetID != "") {
		filters = append(filters, "#action = :action")
		names["#action"] = "action"
		vals[":action"] = str(q.Action)
	}
	cond := "LP = :lp"
	vals[":lp"] = str(lp)
	switch {
	case q.Since != "" && q.Until != "":
		cond += " AND SC BETWEEN :since AND :until"
		vals[":since"], vals[":until"] = str(q.Since), str(q.Until+"#~")
	case q.Since != "":
		cond += " AND SC >= :since"
		vals[":since"] = str(q.Since)
	case q.Until != "":
		cond += " AND SC <= :until"
		vals[":until"] = str(q.Until + "#~")
	}
	scope := "audit|" + lp + "|" + q.ActorID + "|" + q.Action + "|" + q.Since + "|" + q.Until
	keyAttrs := []string{attrPK, attrSK, attrLP, attrSC}
	start, err := s.decodeCursor(scope, q.Cursor, keyAttrs...)
	if err != nil {
		return Page[AuditEvent]{}, err
	}
	in := &dynamodb.QueryInput{IndexName: aws.String(indexByCreated), ScanIndexForward: aws.Bool(false), ExclusiveStartKey: start,
		KeyConditionExpression: aws.String(cond), ExpressionAttributeValues: vals}
	if len(filters) > 0 {
		f := filters[0]
		for _, x := range filters[1:] {
			f += " AND " + x
		}
		in.FilterExpression = aws.String(f)
		in.ExpressionAttributeNames = names
	}
	return queryPage(ctx, s, in, scope, q.Limit, keyAttrs, auditItem.event)
}
