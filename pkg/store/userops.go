package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
)

// Caller is who makes a change and the roles allowed to make it; the change's
// transaction re-checks them against the table, so a caller demoted or
// deactivated after the authorizer ran (and was cached) can do no harm.
type Caller struct {
	P     auth.Principal
	Roles []auth.Role
}

// guard adds the check that the caller still may act.
func (s *Store) guard(t *tx, c *Caller, now time.Time) {
	if c == nil {
		return
	}
	if c.P.Type == auth.KindAdminToken {
		s.check(t, pkAdminTokens, c.P.ID, "attribute_exists(PK) AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now)",
			map[string]types.AttributeValue{":now": str(stamp(now))}, ErrCallerChanged)
		return
	}
	vals := map[string]types.AttributeValue{":active": str(StatusActive)}
	s.check(t, userPK(c.P.ID), skUser, "#status = :active AND #role IN ("+roleList(c.Roles, vals)+")", vals, ErrCallerChanged)
}

// roleList adds the roles to vals and returns their placeholders.
func roleList(roles []auth.Role, vals map[string]types.AttributeValue) string {
	in := make([]string, len(roles))
	for i, r := range roles {
		in[i] = ":r" + string(rune('a'+i))
		vals[in[i]] = str(string(r))
	}
	return strings.Join(in, ", ")
}

// callerMayAct is guard for the case where the caller is the user being
// changed: one transaction cannot check and write the same item, so the
// version condition on the write covers what was read here.
func callerMayAct(c *Caller, cur userItem) error {
	if cur.Status != StatusActive {
		return ErrCallerChanged
	}
	for _, r := range c.Roles {
		if string(r) == cur.Role {
			return nil
		}
	}
	return ErrCallerChanged
}

// countUser moves a user between (role, status) counters; an empty role
// means "none".
func (s *Store) countUser(t *tx, fromRole, fromStatus, toRole, toStatus string) {
	if fromRole != "" {
		t.count(userCounter(fromRole, fromStatus), -1)
	}
	if toRole != "" {
		t.count(userCounter(toRole, toStatus), 1)
	}
}

// countSuper keeps the number of active super_admins and refuses to let it
// reach zero.
func (s *Store) countSuper(t *tx, before, after bool) {
	switch {
	case before && !after:
		s.update(t, pkCounters, skSuperAdmins, "ADD #active :dec", "#active > :one",
			map[string]types.AttributeValue{":dec": num(-1), ":one": num(1)}, ErrLastSuperAdmin)
	case !before && after:
		s.update(t, pkCounters, skSuperAdmins, "ADD #active :inc", "", map[string]types.AttributeValue{":inc": num(1)}, nil)
	}
}

// NewUser is what creating a user needs.
type NewUser struct {
	Email, Name, Role, PasswordHash string
	InvitedBy                       *Ref
}

func (s *Store) newUserItem(in NewUser, now time.Time) userItem {
	it := userItem{ID: newID(), Email: in.Email, Name: in.Name, Role: in.Role, Status: StatusActive,
		CreatedAt: stamp(now), UpdatedAt: stamp(now), PasswordHash: in.PasswordHash, Version: 1}
	if in.InvitedBy != nil {
		it.InvitedByType, it.InvitedByID = in.InvitedBy.Type, in.InvitedBy.ID
	}
	return it
}

// addUserCreate adds every item of a new user to t.
func (s *Store) addUserCreate(t *tx, it userItem) {
	for i, c := range it.copies() {
		if i == 0 {
			s.put(t, marshal(c), "attribute_not_exists(PK)", nil, errRetry)
			continue
		}
		s.put(t, marshal(c), "", nil, nil)
	}
	for _, si := range it.searchItems() {
		s.put(t, marshal(si), "", nil, nil)
	}
	s.put(t, emailGuard(it.Email, it.ID), "attribute_not_exists(PK)", nil, ErrUserExists)
	s.countUser(t, "", "", it.Role, it.Status)
}

func emailGuard(email, userID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(emailPK(email)), attrSK: str(skEmail), "userId": str(userID)}
}

// CreateUser creates an active user; the email must be free.
func (s *Store) CreateUser(ctx context.Context, c *Caller, in NewUser) (User, error) {
	now := s.now()
	it := s.newUserItem(in, now)
	var t tx
	s.guard(&t, c, now)
	s.addUserCreate(&t, it)
	s.countSuper(&t, false, it.isActiveSuper())
	s.audit(ctx, &t, actorOf(c), "user.created", Ref{Type: "user", ID: it.ID}, map[string]any{"email": it.Email, "role": it.Role})
	if err := s.commit(ctx, &t); err != nil {
		return User{}, err
	}
	return it.user(), nil
}

// GetUser reads one user.
func (s *Store) GetUser(ctx context.Context, id string) (User, error) {
	it, err := s.getUserItem(ctx, id)
	if err != nil {
		return User{}, err
	}
	return it.user(), nil
}

func (s *Store) getUserItem(ctx context.Context, id string) (userItem, error) {
	return getAs[userItem](ctx, s, userPK(id), skUser)
}

// userState is everything stored in a user's partition.
type userState struct {
	user     userItem
	search   []string // SKs of search entries
	apiKeys  []apiKeyItem
	sessions []sessionItem
	resets   []resetItem
	other    []string // SKs of any other item in the partition
}

func (s *Store) loadUser(ctx context.Context, id string) (*userState, error) {
	items, err := s.partition(ctx, userPK(id))
	if err != nil {
		return nil, err
	}
	st := &userState{}
	found := false
	for _, item := range items {
		sk := item[attrSK].(*types.AttributeValueMemberS).Value
		var err error
		switch {
		case sk == skUser:
			found = true
			err = attributevalue.UnmarshalMap(item, &st.user)
		case strings.HasPrefix(sk, skSearch):
			st.search = append(st.search, sk)
		case strings.HasPrefix(sk, skAPIKey):
			var k apiKeyItem
			err = attributevalue.UnmarshalMap(item, &k)
			st.apiKeys = append(st.apiKeys, k)
		case strings.HasPrefix(sk, skSession):
			var k sessionItem
			err = attributevalue.UnmarshalMap(item, &k)
			st.sessions = append(st.sessions, k)
		case strings.HasPrefix(sk, skReset):
			var r resetItem
			err = attributevalue.UnmarshalMap(item, &r)
			st.resets = append(st.resets, r)
		default:
			st.other = append(st.other, sk)
		}
		if err != nil {
			return nil, fail(err)
		}
	}
	if !found {
		return nil, problem.ErrNotFound
	}
	return st, nil
}

// UserPatch is a change to a user; nil fields stay as they are.
type UserPatch struct {
	Name, Email, Role, Status *string
}

// maxAttempts bounds the re-read-and-retry loop of optimistic writes.
const maxAttempts = 5

// UpdateUser applies the patch that decide returns for the current user, in one
// transaction with every copy, index entry, counter and token it affects.
// ifMatch (a version, 0 for none) makes the change conditional.
func (s *Store) UpdateUser(ctx context.Context, c *Caller, id string, ifMatch int64, decide func(cur User) (UserPatch, error)) (User, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		st, err := s.loadUser(ctx, id)
		if err != nil {
			return User{}, err
		}
		cur := st.user
		if ifMatch != 0 && cur.Version != ifMatch {
			return User{}, problem.ErrPreconditionFailed
		}
		patch, err := decide(cur.user())
		if err != nil {
			return User{}, err
		}
		next := cur
		apply(&next.Name, patch.Name)
		apply(&next.Email, patch.Email)
		apply(&next.Role, patch.Role)
		apply(&next.Status, patch.Status)
		if next.Name == cur.Name && next.Email == cur.Email && next.Role == cur.Role && next.Status == cur.Status {
			return cur.user(), nil
		}
		now := s.now()
		next.Version++
		next.UpdatedAt = stamp(now)

		var t tx
		if c != nil && c.P.IsUser() && c.P.ID == id {
			if err := callerMayAct(c, cur); err != nil {
				return User{}, err
			}
		} else {
			s.guard(&t, c, now)
		}
		s.addUserRewrite(&t, st, next)
		s.auditUserChange(ctx, &t, actorOf(c), cur, next)
		err = s.commit(ctx, &t)
		if errors.Is(err, errRetry) {
			continue
		}
		if err != nil {
			return User{}, err
		}
		return next.user(), nil
	}
	return User{}, problem.ErrUnavailable
}

func apply(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

// addUserRewrite adds the writes that take a user from st.user to next.
func (s *Store) addUserRewrite(t *tx, st *userState, next userItem) {
	cur := st.user
	// The whole item is rewritten: every count kept on it must still be what
	// was read (memberships change wsCount without touching the version).
	vals := map[string]types.AttributeValue{":v": num(cur.Version), ":t": num(cur.TokenRev), ":ws": num(cur.WsCount), ":k": num(cur.APIKeyCount)}
	for i, c := range next.copies() {
		if i == 0 {
			s.put(t, marshal(c), "#version = :v AND #tokenRev = :t AND #wsCount = :ws AND #apiKeyCount = :k", vals, errRetry)
			continue
		}
		s.put(t, marshal(c), "", nil, nil)
	}
	if next.Name != cur.Name || next.Email != cur.Email {
		fresh := next.searchItems()
		for _, sk := range st.search {
			if _, keep := fresh[sk]; !keep {
				s.del(t, userPK(cur.ID), sk, "", nil, nil)
			}
		}
		for _, si := range fresh {
			s.put(t, marshal(si), "", nil, nil)
		}
	}
	if next.Email != cur.Email {
		s.del(t, emailPK(cur.Email), skEmail, "", nil, nil)
		s.put(t, emailGuard(next.Email, next.ID), "attribute_not_exists(PK)", nil, ErrUserExists)
	}
	s.countUser(t, cur.Role, cur.Status, next.Role, next.Status)
	s.countSuper(t, cur.isActiveSuper(), next.isActiveSuper())
	if next.Role == cur.Role && next.Status == cur.Status {
		return
	}
	// A reset link issued under the old role or status is withdrawn.
	for _, r := range st.resets {
		s.del(t, userPK(cur.ID), r.SK, "", nil, nil)
		s.del(t, tokenPK(r.Hash), skToken, "", nil, nil)
	}
	// The authorizer reads only the token item: keep its copy of the user's
	// role and status exact, and end sessions of a deactivated user.
	tokenVals := map[string]types.AttributeValue{":role": str(next.Role), ":status": str(next.Status)}
	for _, k := range st.apiKeys {
		s.update(t, tokenPK(k.Hash), skToken, "SET #userRole = :role, #userStatus = :status", "attribute_exists(PK)", tokenVals, errRetry)
	}
	for _, ss := range st.sessions {
		if next.Status != StatusActive {
			s.del(t, userPK(cur.ID), ss.SK, "", nil, nil)
			s.del(t, tokenPK(ss.Hash), skToken, "", nil, nil)
			continue
		}
		s.update(t, tokenPK(ss.Hash), skToken, "SET #userRole = :role, #userStatus = :status", "attribute_exists(PK)", tokenVals, errRetry)
	}
}

// DeleteUser deletes a user with everything in its partition, its tokens and
// its email guard, after decide approves the current user.
func (s *Store) DeleteUser(ctx context.Context, c *Caller, id string, ifMatch int64, decide func(cur User) error) error {
	// Rounds that only removed memberships are progress, not failed attempts.
	for attempt, rounds := 0, 0; attempt < maxAttempts && rounds < 50; rounds++ {
		st, err := s.loadUser(ctx, id)
		if err != nil {
			return err
		}
		cur := st.user
		if ifMatch != 0 && cur.Version != ifMatch {
			return problem.ErrPreconditionFailed
		}
		if err := decide(cur.user()); err != nil {
			return err
		}
		if cur.WsCount > 0 {
			// Memberships go first, in transactions of their own; the user
			// is deleted only when none is left (the condition below).
			if err := s.leaveWorkspaces(ctx, c, id); errors.Is(err, errRetry) {
				attempt++
			} else if err != nil {
				return err
			}
			continue
		}
		var t tx
		s.guard(&t, c, s.now())
		s.del(&t, userPK(id), skUser, "#version = :v AND #tokenRev = :t AND (attribute_not_exists(#wsCount) OR #wsCount = :zero)",
			map[string]types.AttributeValue{":v": num(cur.Version), ":t": num(cur.TokenRev), ":zero": num(0)}, errRetry)
		for _, sk := range append(st.search, st.other...) { // listing copies are in other
			s.del(&t, userPK(id), sk, "", nil, nil)
		}
		for _, k := range st.apiKeys {
			// Conditional: the cleanup job may have removed an expired key
			// (and counted it out) since the read.
			s.del(&t, userPK(id), k.SK, "attribute_exists(PK)", nil, errRetry)
			s.del(&t, tokenPK(k.Hash), skToken, "", nil, nil)
		}
		s.endSessions(&t, st, "")
		for _, r := range st.resets {
			s.del(&t, userPK(id), r.SK, "", nil, nil)
			s.del(&t, tokenPK(r.Hash), skToken, "", nil, nil)
		}
		s.del(&t, emailPK(cur.Email), skEmail, "", nil, nil)
		s.countUser(&t, cur.Role, cur.Status, "", "")
		s.countSuper(&t, cur.isActiveSuper(), false)
		t.count(counterAPIKeys, -int64(len(st.apiKeys)))
		s.audit(ctx, &t, actorOf(c), "user.deleted", Ref{Type: "user", ID: id}, map[string]any{"email": cur.Email, "role": cur.Role})
		err = s.commit(ctx, &t)
		if errors.Is(err, errRetry) {
			attempt++
			continue
		}
		return err
	}
	return problem.ErrUnavailable
}

// auditUserChange records what an update changed, one event per kind.
func (s *Store) auditUserChange(ctx context.Context, t *tx, actor AuditActor, cur, next userItem) {
	target := Ref{Type: "user", ID: cur.ID}
	var fields []string
	if next.Name != cur.Name {
		fields = append(fields, "name")
	}
	if next.Email != cur.Email {
		fields = append(fields, "email")
	}
	if len(fields) > 0 {
		s.audit(ctx, t, actor, "user.updated", target, map[string]any{"fields": fields})
	}
	if next.Role != cur.Role {
		s.audit(ctx, t, actor, "user.role_changed", target, map[string]any{"from": cur.Role, "to": next.Role})
	}
	if next.Status != cur.Status {
		action := "user.reactivated"
		if next.Status == StatusDeactivated {
			action = "user.deactivated"
		}
		s.audit(ctx, t, actor, action, target, nil)
	}
}
