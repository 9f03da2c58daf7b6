package store

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/validate"
)

// Workspace roles, most powerful first.
const (
	WorkspaceOwner  = "owner"
	WorkspaceAdmin  = "admin"
	WorkspaceMember = "member"
	WorkspaceGuest  = "guest"
)

// WorkspaceRank orders workspace roles: a higher rank grants more.
func WorkspaceRank(role string) int {
	switch role {
	case WorkspaceOwner:
		return 4
	case WorkspaceAdmin:
		return 3
	case WorkspaceMember:
		return 2
	case WorkspaceGuest:
		return 1
	}
	return 0
}

var (
	ErrLastOwner = problem.New(http.StatusConflict, "last_owner", "a workspace keeps at least one owner")
)

// Workspace is a workspace as the API shows it.
type Workspace struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	MemberCount int64  `json:"memberCount"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
	CreatedBy   Ref    `json:"createdBy"`
	Version     int64  `json:"-"`
}

type workspaceItem struct {
	PK            string `dynamodbav:"PK"`
	SK            string `dynamodbav:"SK"`
	LP            string `dynamodbav:"LP"`
	SC            string `dynamodbav:"SC"`
	ID            string `dynamodbav:"id"`
	Name          string `dynamodbav:"name"`
	Description   string `dynamodbav:"description"`
	MemberCount   int64  `dynamodbav:"memberCount"`
	OwnerCount    int64  `dynamodbav:"ownerCount"`
	CreatedAt     string `dynamodbav:"createdAt"`
	UpdatedAt     string `dynamodbav:"updatedAt"`
	CreatedByType string `dynamodbav:"createdByType"`
	CreatedByID   string `dynamodbav:"createdById"`
	Version       int64  `dynamodbav:"version"`
}

func (w workspaceItem) workspace() Workspace {
	return Workspace{ID: w.ID, Name: w.Name, Description: w.Description, MemberCount: w.MemberCount, CreatedAt: w.CreatedAt,
		UpdatedAt: w.UpdatedAt, CreatedBy: Ref{Type: w.CreatedByType, ID: w.CreatedByID}, Version: w.Version}
}

// memberItem is one membership, stored twice: under the workspace (for its
// member list, and by role through LP) and under the user (for the user's
// workspaces), written and deleted together.
type memberItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	LP          string `dynamodbav:"LP,omitempty"`
	SC          string `dynamodbav:"SC,omitempty"`
	WorkspaceID string `dynamodbav:"workspaceId"`
	UserID      string `dynamodbav:"userId"`
	Role        string `dynamodbav:"role"`
	AddedAt     string `dynamodbav:"addedAt"`
}

func wsPK(id string) string         { return "WS#" + id }
func memberSK(userID string) string { return "MEMBER#" + userID }
func umemPK(userID string) string   { return "UMEM#" + userID }

const (
	skWorkspace  = "WS"
	skMember     = "MEMBER#"
	lpWorkspaces = "WORKSPACES"

	counterWorkspaces  = "workspaces"
	counterMemberships = "memberships"
	counterAPIKeys     = "api_keys"
	counterAdminTokens = "admin_tokens"
)

func (s *Store) putMembership(t *tx, m memberItem, cond string, vals map[string]types.AttributeValue, onFail error) {
	w := m
	w.PK, w.SK, w.LP, w.SC = wsPK(m.WorkspaceID), memberSK(m.UserID), "WSROLE#"+m.WorkspaceID+"#"+m.Role, m.AddedAt+"#"+m.UserID
	s.put(t, marshal(w), cond, vals, onFail)
	u := m
	u.PK, u.SK, u.LP, u.SC = umemPK(m.UserID), m.WorkspaceID, "", ""
	s.put(t, marshal(u), "", nil, nil)
}

func (s *Store) delMembership(t *tx, wsID, userID, cond string, vals map[string]types.AttributeValue, onFail error) {
	s.del(t, wsPK(wsID), memberSK(userID), cond, vals, onFail)
	s.del(t, umemPK(userID), wsID, "", nil, nil)
}

func workspaceSearch(w workspaceItem) map[string]map[string]types.AttributeValue {
	words := validate.SearchWords(w.Name, "")
	out := map[string]map[string]types.AttributeValue{}
	for _, p := range searchPrefixes(words) {
		out[skSearch+p] = marshal(searchItem{PK: wsPK(w.ID), SK: skSearch + p, LP: "WORKSPACES#PFX#" + p, SE: sortName(w.Name, w.ID), ID: w.ID, Words: words})
	}
	return out
}

func (s *Store) getWorkspaceItem(ctx context.Context, id string) (workspaceItem, error) {
	return getAs[workspaceItem](ctx, s, wsPK(id), skWorkspace)
}

// GetWorkspace reads one workspace.
func (s *Store) GetWorkspace(ctx context.Context, id string) (Workspace, error) {
	w, err := s.getWorkspaceItem(ctx, id)
	return w.workspace(), err
}

// Membership returns a user's role in a workspace ("" when not a member).
func (s *Store) Membership(ctx context.Context, wsID, userID string) (string, error) {
	item, err := s.getItem(ctx, wsPK(wsID), memberSK(userID))
	if err != nil || item == nil {
		return "", err
	}
	var m memberItem
	if err := attributevalue.UnmarshalMap(item, &m); err != nil {
		return "", fail(err)
	}
	return m.Role, nil
}

// Delegate is a workspace owner or admin acting through delegated
// administration: the change re-checks their membership in its transaction.
type Delegate struct {
	UserID, WorkspaceID string
	NeedOwner           bool // the change gives or takes the owner role: only an owner may
}

// guardDelegate checks that the delegate is still an active owner or admin
// of the workspace.
func (s *Store) guardDelegate(t *tx, d *Delegate) {
	if d == nil {
		return
	}
	if d.NeedOwner {
		s.check(t, wsPK(d.WorkspaceID), memberSK(d.UserID), "#role = :o", map[string]types.AttributeValue{":o": str(WorkspaceOwner)}, ErrCallerChanged)
	} else {
		s.check(t, wsPK(d.WorkspaceID), memberSK(d.UserID), "#role IN (:o, :a)",
			map[string]types.AttributeValue{":o": str(WorkspaceOwner), ":a": str(WorkspaceAdmin)}, ErrCallerChanged)
	}
	s.check(t, userPK(d.UserID), skUser, "#status = :active", map[string]types.AttributeValue{":active": str(StatusActive)}, ErrCallerChanged)
}

// guardCaller checks, inside t, that whoever acts may still do so: the
// delegate when there is one, else the caller as an instance manager.
func (s *Store) guardCaller(t *tx, c *Caller, d *Delegate, now time.Time) {
	if d != nil {
		s.guardDelegate(t, d)
		return
	}
	s.guard(t, c, now)
}

// NewWorkspace is what creating a workspace needs.
type NewWorkspace struct {
	Name, Description, OwnerID string
	CreatedBy                  Ref
}

// CreateWorkspace creates a workspace with its first owner.
// With idem, the response render makes is recorded in the same transaction.
func (s *Store) CreateWorkspace(ctx context.Context, c *Caller, in NewWorkspace, idem *Idem, render func(Workspace) []byte) (Workspace, error) {
	now := s.now()
	w := workspaceItem{PK: "", ID: newID(), Name: in.Name, Description: in.Description, MemberCount: 1, OwnerCount: 1,
		CreatedAt: stamp(now), UpdatedAt: stamp(now), CreatedByType: in.CreatedBy.Type, CreatedByID: in.CreatedBy.ID, Version: 1}
	w.PK, w.SK, w.LP, w.SC = wsPK(w.ID), skWorkspace, lpWorkspaces, w.CreatedAt+"#"+w.ID
	var t tx
	noOwner := problem.Invalid(problem.FieldError{Field: "ownerId", Message: "no such user"})
	cond, vals := "attribute_exists(PK)", map[string]types.AttributeValue{":one": num(1)}
	if c != nil && c.P.IsUser() && c.P.ID == in.OwnerID {
		// The caller is the owner: one condition on its item covers both.
		cond, noOwner = "#status = :active AND #role IN ("+roleList(c.Roles, vals)+")", ErrCallerChanged
		vals[":active"] = str(StatusActive)
	} else {
		s.guard(&t, c, now)
	}
	s.update(&t, userPK(in.OwnerID), skUser, "ADD #wsCount :one", cond, vals, noOwner)
	s.put(&t, marshal(w), "attribute_not_exists(PK)", nil, errRetry)
	for _, si := range workspaceSearch(w) {
		s.put(&t, si, "", nil, nil)
	}
	s.putMembership(&t, memberItem{WorkspaceID: w.ID, UserID: in.OwnerID, Role: WorkspaceOwner, AddedAt: stamp(now)}, "", nil, nil)
	t.count(counterWorkspaces, 1)
	t.count(counterMemberships, 1)
	s.audit(ctx, &t, actorOf(c), "workspace.created", Ref{Type: "workspace", ID: w.ID}, map[string]any{"name": w.Name, "ownerId": in.OwnerID})
	if idem != nil {
		s.putIdem(&t, idem, http.StatusCreated, render(w.workspace()))
	}
	if err := s.commit(ctx, &t); err != nil {
		if errors.Is(err, errRetry) {
			return Workspace{}, problem.ErrUnavailable
		}
		return Workspace{}, err
	}
	return w.workspace(), nil
}

// UpdateWorkspace changes a workspace's name or description.
func (s *Store) UpdateWorkspace(ctx context.Context, c *Caller, d *Delegate, id string, ifMatch int64, name, description *string) (Workspace, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		cur, err := s.getWorkspaceItem(ctx, id)
		if err != nil {
			return Workspace{}, err
		}
		if ifMatch != 0 && ifMatch != cur.Version {
			return Workspace{}, problem.ErrPreconditionFailed
		}
		next := cur
		apply(&next.Name, name)
		apply(&next.Description, description)
		if next == cur {
			return cur.workspace(), nil
		}
		now := s.now()
		next.Version, next.UpdatedAt = cur.Version+1, stamp(now)
		var t tx
		s.guardCaller(&t, c, d, now)
		// The whole item is rewritten: its member counts must still be the
		// ones read (membership changes do not move the version).
		s.put(&t, marshal(next), "#version = :v AND #memberCount = :mc AND #ownerCount = :oc", map[string]types.AttributeValue{
			":v": num(cur.Version), ":mc": num(cur.MemberCount), ":oc": num(cur.OwnerCount)}, errRetry)
		s.audit(ctx, &t, delegateActor(c, d), "workspace.updated", Ref{Type: "workspace", ID: id}, map[string]any{"name": next.Name})
		if next.Name != cur.Name {
			fresh := workspaceSearch(next)
			for sk := range workspaceSearch(cur) {
				if _, ok := fresh[sk]; !ok {
					s.del(&t, wsPK(id), sk, "", nil, nil)
				}
			}
			for _, si := range fresh {
				s.put(&t, si, "", nil, nil)
			}
		}
		err = s.commit(ctx, &t)
		if errors.Is(err, errRetry) {
			continue
		}
		if err != nil {
			return Workspace{}, err
		}
		return next.workspace(), nil
	}
	return Workspace{}, problem.ErrUnavailable
}

// MemberAccess says how a membership change is authorised. With CallerID
// set, that user's own role in the workspace ("" when not a member) is read
// in the same round as the change's other reads and handed to Authorize,
// which returns the delegate whose standing the transaction re-checks (nil
// for an instance manager) or why the caller may not act; its errors come
// before any other.
type MemberAccess struct {
	CallerID  string
	Authorize func(callerRole string) (*Delegate, error)
}

// SetMember adds a user to a workspace or changes their role. It reports
// whether the membership is new. A workspace keeps at least one owner.
func (s *Store) SetMember(ctx context.Context, c *Caller, d *Delegate, wsID, userID, role string, decide func(current string) error) (created bool, err error) {
	created, _, err = s.PutMember(ctx, c, MemberAccess{Authorize: func(string) (*Delegate, error) { return d, nil }}, wsID, userID, role, decide)
	return created, err
}

// memberState is what a membership change reads, in one round.
type memberState struct {
	callerRole string
	ws         bool       // the workspace exists
	member     memberItem // the target's membership (Role "" when none)
	user       *userItem  // the target user, nil when absent
}

// readMemberState reads the workspace, the target's membership, with
// withUser the target user (for the answer) and, with callerID, the caller's
// membership: one BatchGetItem, strongly consistent.
func (s *Store) readMemberState(ctx context.Context, wsID, userID, callerID string, withUser bool) (memberState, error) {
	var st memberState
	keys := []map[string]types.AttributeValue{key(wsPK(wsID), skWorkspace), key(wsPK(wsID), memberSK(userID))}
	if withUser {
		keys = append(keys, key(userPK(userID), skUser))
	}
	if callerID != "" && callerID != userID {
		keys = append(keys, key(wsPK(wsID), memberSK(callerID)))
	}
	found, err := s.getKeys(ctx, keys)
	if err != nil {
		return st, err
	}
	_, st.ws = found[itemKey(wsPK(wsID), skWorkspace)]
	if item, ok := found[itemKey(wsPK(wsID), memberSK(userID))]; ok {
		if err := attributevalue.UnmarshalMap(item, &st.member); err != nil {
			return st, fail(err)
		}
	}
	if item, ok := found[itemKey(userPK(userID), skUser)]; ok {
		var u userItem
		if err := attributevalue.UnmarshalMap(item, &u); err != nil {
			return st, fail(err)
		}
		st.user = &u
	}
	if callerID != "" {
		if item, ok := found[itemKey(wsPK(wsID), memberSK(callerID))]; ok {
			var m memberItem
			if err := attributevalue.UnmarshalMap(item, &m); err != nil {
				return st, fail(err)
			}
			st.callerRole = m.Role
		}
	}
	return st, nil
}

// authorize runs the access decision on what was read.
func (a MemberAccess) authorize(st memberState) (*Delegate, error) {
	if a.Authorize == nil {
		return nil, nil
	}
	return a.Authorize(st.callerRole)
}

// PutMember adds a user to a workspace or changes their role, and returns
// whether the membership is new and the membership as it now is. Everything
// it needs is read in one round; one transaction makes the change, its
// conditions re-checking the caller, the membership read and the last owner.
func (s *Store) PutMember(ctx context.Context, c *Caller, a MemberAccess, wsID, userID, role string, decide func(current string) error) (created bool, _ Member, err error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		st, err := s.readMemberState(ctx, wsID, userID, a.CallerID, true)
		if err != nil {
			return false, Member{}, err
		}
		d, err := a.authorize(st)
		if err != nil {
			return false, Member{}, err
		}
		if !st.ws {
			return false, Member{}, problem.ErrNotFound
		}
		cur := st.member.Role
		if err := decide(cur); err != nil {
			return false, Member{}, err
		}
		if cur == role {
			m, err := s.memberView(ctx, wsID, userID, st.user, cur, st.member.AddedAt)
			return false, m, err
		}
		now := s.now()
		var t tx
		s.guardCaller(&t, c, d, now)
		m := memberItem{WorkspaceID: wsID, UserID: userID, Role: role, AddedAt: stamp(now)}
		expr, cond := "SET #updatedAt = :now", "attribute_exists(PK)"
		vals := map[string]types.AttributeValue{":now": str(stamp(now))}
		var onFail error = problem.ErrNotFound
		if cur == "" {
			s.putMembership(&t, m, "attribute_not_exists(PK)", nil, errRetry)
			expr += " ADD #memberCount :one"
			vals[":one"] = num(1)
			t.count(counterMemberships, 1)
			s.update(&t, userPK(userID), skUser, "ADD #wsCount :one", "attribute_exists(PK)",
				map[string]types.AttributeValue{":one": num(1)}, problem.New(http.StatusNotFound, "not_found", "no such user"))
		} else {
			m.AddedAt = st.member.AddedAt
			s.putMembership(&t, m, "#role = :old", map[string]types.AttributeValue{":old": str(cur)}, errRetry)
		}
		switch {
		case role == WorkspaceOwner:
			expr += addClause(expr, "#ownerCount :plus")
			vals[":plus"] = num(1)
		case cur == WorkspaceOwner:
			expr += addClause(expr, "#ownerCount :minus")
			vals[":minus"], vals[":one1"] = num(-1), num(1)
			cond += " AND #ownerCount > :one1"
			onFail = ErrLastOwner
		}
		s.update(&t, wsPK(wsID), skWorkspace, expr, cond, vals, onFail)
		target := Ref{Type: "user", ID: userID}
		if cur == "" {
			s.audit(ctx, &t, delegateActor(c, d), "membership.added", target, map[string]any{"workspaceId": wsID, "role": role})
		} else {
			s.audit(ctx, &t, delegateActor(c, d), "membership.changed", target, map[string]any{"workspaceId": wsID, "from": cur, "to": role})
		}
		err = s.commit(ctx, &t)
		if errors.Is(err, errRetry) {
			continue
		}
		if err == ErrLastOwner {
			if _, gerr := s.getWorkspaceItem(ctx, wsID); gerr == problem.ErrNotFound {
				return false, Member{}, gerr
			}
		}
		if err != nil {
			return cur == "", Member{}, err
		}
		mv, err := s.memberView(ctx, wsID, userID, st.user, role, m.AddedAt)
		return cur == "", mv, err
	}
	return false, Member{}, problem.ErrUnavailable
}

// memberView is the membership as the API shows it, from the user read with
// it; without that read (a user that was missing then) it reads both again.
func (s *Store) memberView(ctx context.Context, wsID, userID string, u *userItem, role, addedAt string) (Member, error) {
	if u == nil {
		return s.MemberOf(ctx, wsID, userID)
	}
	var out Member
	out.User.ID, out.User.Email, out.User.Name, out.Role, out.AddedAt = u.ID, u.Email, u.Name, role, addedAt
	return out, nil
}

// addClause joins ADD actions: the first opens the clause.
func addClause(expr, action string) string {
	if strings.Contains(expr, " ADD ") {
		return ", " + action
	}
	return " ADD " + action
}

func (s *Store) memberItem(ctx context.Context, wsID, userID string) (memberItem, error) {
	return getAs[memberItem](ctx, s, wsPK(wsID), memberSK(userID))
}

// RemoveMember takes a user out of a workspace; its last owner stays.
func (s *Store) RemoveMember(ctx context.Context, c *Caller, d *Delegate, wsID, userID string, decide func(current string) error) error {
	return s.DropMember(ctx, c, MemberAccess{Authorize: func(string) (*Delegate, error) { return d, nil }}, wsID, userID, decide)
}

// DropMember takes a user out of a workspace; its last owner stays. What it
// needs is read in one round, then one transaction makes the change.
func (s *Store) DropMember(ctx context.Context, c *Caller, a MemberAccess, wsID, userID string, decide func(current string) error) error {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		st, err := s.readMemberState(ctx, wsID, userID, a.CallerID, false)
		if err != nil {
			return err
		}
		d, err := a.authorize(st)
		if err != nil {
			return err
		}
		if !st.ws {
			return problem.ErrNotFound
		}
		cur := st.member.Role
		if cur == "" {
			return problem.ErrNotFound
		}
		if err := decide(cur); err != nil {
			return err
		}
		now := s.now()
		var t tx
		s.guardCaller(&t, c, d, now)
		s.delMembership(&t, wsID, userID, "#role = :old", map[string]types.AttributeValue{":old": str(cur)}, errRetry)
		vals := map[string]types.AttributeValue{":now": str(stamp(now)), ":minus": num(-1)}
		expr, cond := "SET #updatedAt = :now ADD #memberCount :minus", "attribute_exists(PK)"
		var onFail error = problem.ErrNotFound
		if cur == WorkspaceOwner {
			expr += ", #ownerCount :minus"
			cond += " AND #ownerCount > :one"
			vals[":one"] = num(1)
			onFail = ErrLastOwner
		}
		s.update(&t, wsPK(wsID), skWorkspace, expr, cond, vals, onFail)
		s.update(&t, userPK(userID), skUser, "ADD #wsCount :minus", "attribute_exists(PK)", map[string]types.AttributeValue{":minus": num(-1)}, errRetry)
		t.count(counterMemberships, -1)
		s.audit(ctx, &t, delegateActor(c, d), "membership.removed", Ref{Type: "user", ID: userID}, map[string]any{"workspaceId": wsID, "role": cur})
		err = s.commit(ctx, &t)
		if errors.Is(err, errRetry) {
			continue
		}
		return err
	}
	return problem.ErrUnavailable
}

// sweepBatch deletes items 25 at a time (BatchWriteItem), retrying what
// DynamoDB leaves unprocessed, until done or the context's deadline nears.
func (s *Store) sweepBatch(ctx context.Context, keys []map[string]types.AttributeValue) error {
	for len(keys) > 0 {
		n := min(len(keys), 25)
		reqs := make([]types.WriteRequest, 0, n)
		for _, k := range keys[:n] {
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
		}
		keys = keys[n:]
		pending := map[string][]types.WriteRequest{s.table: reqs}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 8 {
				return fail(errBatchIncomplete)
			}
			if attempt > 0 {
				if err := sleep(ctx, 20*time.Millisecond); err != nil {
					return fail(err)
				}
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fail(err)
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}

// queryKeys lists the keys of a partition's items whose SK begins with prefix.
func (s *Store) queryKeys(ctx context.Context, pk, prefix string) ([]map[string]types.AttributeValue, []map[string]types.AttributeValue, error) {
	var keys, items []map[string]types.AttributeValue
	in := &dynamodb.QueryInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}
	if prefix != "" {
		in.KeyConditionExpression = aws.String("PK = :pk AND begins_with(SK, :p)")
		in.ExpressionAttributeValues[":p"] = str(prefix)
	}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, nil, fail(err)
		}
		for _, it := range out.Items {
			keys = append(keys, pageKey(it, attrPK, attrSK))
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return keys, items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// DeleteWorkspace deletes a workspace with its memberships, in one round of
// reads (its partition) and, for a workspace whose items fit one transaction
// (see deleteAtOnce), one transaction: nothing is left to sweep. A larger
// one (or one that pending invitations name, or deleted by a delegate) goes
// as before: one transaction removes the workspace (so no list shows it or
// its memberships any more) and adjusts the counters, then the rest is swept
// in batches, whatever its number, and the cleanup job finishes an
// interrupted sweep.
func (s *Store) DeleteWorkspace(ctx context.Context, c *Caller, d *Delegate, id string, ifMatch int64) error {
	for attempt := 0; ; attempt++ {
		if attempt == maxAttempts {
			return problem.ErrUnavailable
		}
		cur, rest, complete, err := s.readWorkspacePartition(ctx, id)
		if err != nil {
			return err
		}
		if ifMatch != 0 && ifMatch != cur.Version {
			return problem.ErrPreconditionFailed
		}
		now := s.now()
		// The last attempt takes the sweep, which also copes with what the
		// one transaction cannot (a member whose user is gone).
		if d == nil && complete && attempt < maxAttempts-1 {
			if t, ok := s.deleteAtOnce(ctx, c, cur, rest, now); ok {
				err = s.commit(ctx, t)
				if errors.Is(err, errRetry) {
					continue
				}
				return err
			}
		}
		var t tx
		s.guardCaller(&t, c, d, now)
		s.del(&t, wsPK(id), skWorkspace, "#version = :v AND #memberCount = :mc", map[string]types.AttributeValue{
			":v": num(cur.Version), ":mc": num(cur.MemberCount)}, errRetry)
		// A marker lets an interrupted sweep be finished later.
		s.put(&t, map[string]types.AttributeValue{attrPK: str(pkSweep), attrSK: str(wsPK(id)), "at": str(stamp(now))}, "", nil, nil)
		t.count(counterWorkspaces, -1)
		t.count(counterMemberships, -cur.MemberCount)
		s.audit(ctx, &t, delegateActor(c, d), "workspace.deleted", Ref{Type: "workspace", ID: id}, map[string]any{"name": cur.Name, "memberCount": cur.MemberCount})
		err = s.commit(ctx, &t)
		if errors.Is(err, errRetry) {
			continue
		}
		if err != nil {
			return err
		}
		return s.SweepWorkspace(ctx, id)
	}
}

const (
	pkSweep = "SWEEP"
	// sweepGrantsOnly marks the SWEEP marker of a workspace deleted in one
	// transaction: only grants of invitations created while it was being
	// deleted can be left in its partition, never a membership.
	sweepGrantsOnly = "grantsOnly"
	// wsReadAtOnce is how many items of a workspace's partition the delete
	// reads: a partition with more never fits one transaction.
	wsReadAtOnce = 60
)

// readWorkspacePartition reads, in one query, the workspace item and (up to
// wsReadAtOnce items in all) what its partition holds besides; complete says
// whether that is everything. The workspace item sorts last, so the query
// runs backwards.
func (s *Store) readWorkspacePartition(ctx context.Context, id string) (cur workspaceItem, rest []map[string]types.AttributeValue, complete bool, err error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true), ScanIndexForward: aws.Bool(false), Limit: aws.Int32(wsReadAtOnce),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(wsPK(id))},
	})
	if err != nil {
		return cur, nil, false, fail(err)
	}
	found := false
	for _, it := range out.Items {
		if sk, _ := it[attrSK].(*types.AttributeValueMemberS); sk != nil && sk.Value == skWorkspace {
			if err := attributevalue.UnmarshalMap(it, &cur); err != nil {
				return cur, nil, false, fail(err)
			}
			found = true
			continue
		}
		rest = append(rest, it)
	}
	complete = len(out.LastEvaluatedKey) == 0
	if !found {
		if complete {
			return cur, nil, false, problem.ErrNotFound
		}
		// Not expected (the workspace item sorts after every other); read it.
		if cur, err = s.getWorkspaceItem(ctx, id); err != nil {
			return cur, nil, false, err
		}
	}
	return cur, rest, complete, nil
}

// deleteAtOnce builds the one transaction that deletes a workspace and all
// its partition holds (rest): the workspace, conditional on its version and
// member count; its search entries; both items of each membership read,
// each conditional on being there still, so that with the count unchanged
// the memberships deleted are exactly those there are; each member's count
// of workspaces; the counters and the audit event. ok is false when the
// partition holds what one transaction cannot take: more than fits, or
// grants of pending invitations (withdrawing them rewrites the invitations).
//
// A SWEEP marker marked grantsOnly goes in too: an invitation naming the
// workspace created between the read and this transaction leaves a grant
// that no condition here can see, and the cleanup job's sweep withdraws it.
func (s *Store) deleteAtOnce(ctx context.Context, c *Caller, cur workspaceItem, rest []map[string]types.AttributeValue, now time.Time) (*tx, bool) {
	var search, members []string
	for _, it := range rest {
		sk := it[attrSK].(*types.AttributeValueMemberS).Value
		switch {
		case strings.HasPrefix(sk, skSearch):
			search = append(search, sk)
		case strings.HasPrefix(sk, skMember):
			members = append(members, strings.TrimPrefix(sk, skMember))
		default:
			return nil, false
		}
	}
	if int64(len(members)) != cur.MemberCount {
		return nil, false // a change seen half-way: the sweep copes
	}
	id := cur.ID
	var t tx
	// The caller's own check comes first, so that its failure is the one
	// reported. When the caller is a member, it is the condition of the
	// update of their count (one transaction touches an item once).
	self := ""
	if c != nil && c.P.Type != auth.KindAdminToken {
		for _, uid := range members {
			if uid == c.P.ID {
				self = uid
			}
		}
	}
	if self != "" {
		vals := map[string]types.AttributeValue{":active": str(StatusActive), ":minus": num(-1)}
		s.update(&t, userPK(self), skUser, "ADD #wsCount :minus", "#status = :active AND #role IN ("+roleList(c.Roles, vals)+")", vals, ErrCallerChanged)
	} else {
		s.guard(&t, c, now)
	}
	s.del(&t, wsPK(id), skWorkspace, "#version = :v AND #memberCount = :mc", map[string]types.AttributeValue{
		":v": num(cur.Version), ":mc": num(cur.MemberCount)}, errRetry)
	for _, sk := range search {
		s.del(&t, wsPK(id), sk, "", nil, nil)
	}
	for _, uid := range members {
		s.delMembership(&t, id, uid, "attribute_exists(PK)", nil, errRetry)
		if uid != self {
			s.update(&t, userPK(uid), skUser, "ADD #wsCount :minus", "attribute_exists(PK)", map[string]types.AttributeValue{":minus": num(-1)}, errRetry)
		}
	}
	s.put(&t, map[string]types.AttributeValue{attrPK: str(pkSweep), attrSK: str(wsPK(id)), "at": str(stamp(now)), sweepGrantsOnly: &types.AttributeValueMemberBOOL{Value: true}}, "", nil, nil)
	t.count(counterWorkspaces, -1)
	t.count(counterMemberships, -cur.MemberCount)
	s.audit(ctx, &t, actorOf(c), "workspace.deleted", Ref{Type: "workspace", ID: id}, map[string]any{"name": cur.Name, "memberCount": cur.MemberCount})
	if len(t.items)+1 > maxTxItems { // +1: the counter update commit adds
		return nil, false
	}
	return &t, true
}

// SweepWorkspace deletes what a deleted workspace leaves: its search
// entries and both items of every membership (with the member's count of
// workspaces), a few memberships per transaction. It is idempotent; the SWEEP
// marker goes last, so an interrupted sweep can be finished later.
func (s *Store) SweepWorkspace(ctx context.Context, id string) error {
	var err error
	for round := 0; round < maxAttempts; round++ {
		if err = s.sweepOnce(ctx, id); !errors.Is(err, errRetry) {
			return err
		}
	}
	return problem.ErrUnavailable
}

// sweepOnce sweeps what is there now; errRetry means a member left meanwhile.
func (s *Store) sweepOnce(ctx context.Context, id string) error {
	keys, items, err := s.queryKeys(ctx, wsPK(id), "")
	if err != nil {
		return err
	}
	var loose []map[string]types.AttributeValue
	var members []string
	for i, it := range items {
		sk := keys[i][attrSK].(*types.AttributeValueMemberS).Value
		if uid, ok := it["userId"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(sk, skMember) {
			members = append(members, uid.Value)
			continue
		}
		if inv, ok := strings.CutPrefix(sk, "INVGRANT#"); ok {
			if err := s.dropGrant(ctx, inv, id); err != nil {
				return err
			}
		}
		loose = append(loose, keys[i])
	}
	if err := s.sweepBatch(ctx, loose); err != nil {
		return err
	}
	const chunk = 30 // three items each
	for len(members) > 0 {
		n := min(len(members), chunk)
		exist, err := s.batchUsers(ctx, members[:n])
		if err != nil {
			return err
		}
		var t tx
		for _, uid := range members[:n] {
			s.delMembership(&t, id, uid, "attribute_exists(PK)", nil, errRetry)
			if _, ok := exist[uid]; ok { // a user that is gone has no count to keep
				s.update(&t, userPK(uid), skUser, "ADD #wsCount :minus", "attribute_exists(PK)", map[string]types.AttributeValue{":minus": num(-1)}, errRetry)
			}
		}
		if err := s.commit(ctx, &t); err != nil {
			return err // errRetry: raced a user leaving; the caller starts over
		}
		members = members[n:]
	}
	return s.sweepBatch(ctx, []map[string]types.AttributeValue{key(pkSweep, wsPK(id))})
}

// leaveWorkspaces removes every membership of a user, a few per transaction.
// First it checks that the user is the last owner of no workspace, so that a
// refused deletion changes nothing.
func (s *Store) leaveWorkspaces(ctx context.Context, c *Caller, userID string) error {
	_, items, err := s.queryKeys(ctx, umemPK(userID), "")
	if err != nil {
		return err
	}
	mems := make([]memberItem, 0, len(items))
	ids := make([]string, 0, len(items))
	for _, it := range items {
		var m memberItem
		if err := attributevalue.UnmarshalMap(it, &m); err != nil {
			return fail(err)
		}
		mems = append(mems, m)
		ids = append(ids, m.WorkspaceID)
	}
	ws, err := s.workspacesByIDRaw(ctx, ids) // a deleted workspace is absent: its sweep takes the items
	if err != nil {
		return err
	}
	for _, m := range mems {
		if w, ok := ws[m.WorkspaceID]; ok && m.Role == WorkspaceOwner && w.OwnerCount <= 1 {
			return ErrLastOwner
		}
	}
	const chunk = 10 // three items and an audit event each, inside one transaction
	for len(mems) > 0 {
		n := min(len(mems), chunk)
		now := s.now()
		var t tx
		s.guard(&t, c, now)
		for _, m := range mems[:n] {
			// Conditional: a concurrent removal or role change must not be
			// counted out twice; it sends us round again instead.
			s.delMembership(&t, m.WorkspaceID, userID, "#role = :r", map[string]types.AttributeValue{":r": str(m.Role)}, errRetry)
			expr, cond := "ADD #memberCount :minus", "attribute_exists(PK)"
			vals := map[string]types.AttributeValue{":minus": num(-1)}
			var onFail error = errRetry
			if m.Role == WorkspaceOwner {
				expr += ", #ownerCount :minus"
				cond += " AND #ownerCount > :one"
				vals[":one"] = num(1)
				onFail = ErrLastOwner
			}
			if _, ok := ws[m.WorkspaceID]; ok {
				s.update(&t, wsPK(m.WorkspaceID), skWorkspace, expr, cond, vals, onFail)
				t.count(counterMemberships, -1) // a deleted workspace's were counted out already
				s.audit(ctx, &t, actorOf(c), "membership.removed", Ref{Type: "user", ID: userID}, map[string]any{"workspaceId": m.WorkspaceID, "role": m.Role, "reason": "user deleted"})
			}
		}
		s.update(&t, userPK(userID), skUser, "ADD #wsCount :n", "attribute_exists(PK)", map[string]types.AttributeValue{":n": num(int64(-n))}, errRetry)
		if err := s.commit(ctx, &t); err != nil {
			return err
		}
		mems = mems[n:]
	}
	return nil
}

// workspacesByIDRaw reads workspace items by id.
func (s *Store) workspacesByIDRaw(ctx context.Context, ids []string) (map[string]workspaceItem, error) {
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(wsPK(id), skWorkspace)
	}
	found, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := map[string]workspaceItem{}
	for _, item := range found {
		var w workspaceItem
		if err := attributevalue.UnmarshalMap(item, &w); err != nil {
			return nil, fail(err)
		}
		out[w.ID] = w
	}
	return out, nil
}

// delegateActor is the actor of a change made by an instance manager or by
// a workspace's delegate.
func delegateActor(c *Caller, d *Delegate) AuditActor {
	if d != nil {
		return AuditActor{Type: "user", ID: d.UserID}
	}
	return actorOf(c)
}
