package store

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/token"
)

// MaxSessions bounds a user's open sessions; a new login ends the oldest, so
// every change of the user still fits in one transaction.
const MaxSessions = 10

// ResetLifetime is how long a password-reset link works.
const ResetLifetime = time.Hour

var (
	ErrInvalidCredentials = problem.New(http.StatusUnauthorized, "invalid_credentials", "the email or password is wrong")
	ErrResetInvalid       = problem.New(http.StatusGone, "reset_token_invalid", "this password-reset link has expired or was already used")
	ErrNotASession        = problem.New(http.StatusBadRequest, "not_a_session", "logout ends a session; this request was not made with a session token")
)

// Session is a freshly opened session; its token is shown once.
type Session struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expiresAt"`
}

type resetItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	ID        string `dynamodbav:"id"`
	ExpiresAt string `dynamodbav:"expiresAt"`
	Hash      string `dynamodbav:"hash"`
}

type loginItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Failures    int    `dynamodbav:"failures"`
	LockedUntil string `dynamodbav:"lockedUntil,omitempty"`
}

// LoginState is what a login attempt needs to know about an address.
//
// LoginState reads it in one round: the lockout (strongly consistent) and the
// address's user from the ByEmail index. An index read may lag the table, so
// that state is a hint (Hinted): a login may succeed on it only through
// OpenSessionFor, whose transaction requires the user's version and tokenRev
// to be those read (every change of the password, status, role, email or
// sessions moves one of them); a login about to fail on it must first ask
// ConfirmLogin for the state read from the table.
type LoginState struct {
	UserID, Status, PasswordHash string
	LockedUntil                  time.Time // zero when not locked

	email     string
	st        *userState // the user as read; its sessions too unless hinted
	hinted    bool
	countedAt int64 // the user item's sessionCountRev (-1: none)
	count     int64 // and sessionCount
}

// Hinted reports whether the state came from the index (see LoginState).
func (ls LoginState) Hinted() bool { return ls.hinted }

// A login opens a session without reading the user's others when the user
// cannot have MaxSessions of them. Two bounds say so. Every new session bumps
// the user's tokenRev (a login is a changeUser; accepting an invitation makes
// a user with one session and tokenRev 1), so a user has at most tokenRev
// sessions, and at most sessionCount + (tokenRev - sessionCountRev): each
// login records how many sessions it left (sessionCount, exact or an upper
// bound) at the tokenRev it left (sessionCountRev). Ended sessions never lower
// the count (it stays an upper bound); rewriting the user item drops both
// attributes (then only tokenRev bounds). Check verifies both bounds.
const (
	attrSessionCount    = "sessionCount"
	attrSessionCountRev = "sessionCountRev"
)

// sessionBound is the most sessions a user may have, given its tokenRev and
// its sessionCount and sessionCountRev (-1 when absent).
func sessionBound(tokenRev, count, countedAt int64) int64 {
	b := tokenRev
	if count >= 0 && countedAt >= 0 && countedAt <= tokenRev && count+tokenRev-countedAt < b {
		b = count + tokenRev - countedAt
	}
	return b
}

// numAttr reads a number attribute of an item (-1 when absent).
func numAttr(item map[string]types.AttributeValue, name string) int64 {
	if n, ok := item[name].(*types.AttributeValueMemberN); ok {
		if v, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return v
		}
	}
	return -1
}

// loadSessions reads the part of a user's partition that signing in and
// password changes need, in one strongly consistent Query: the user item and
// its sessions (SK from SESSION# to USER), not the listing copies, search
// entries, API keys or reset links that loadUser also reads.
func (s *Store) loadSessions(ctx context.Context, id string) (*userState, error) {
	in := &dynamodb.QueryInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(userPK(id)), ":from": str(skSession), ":to": str(skUser)},
	}
	st := &userState{}
	found := false
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fail(err)
		}
		for _, item := range out.Items {
			sk, _ := item[attrSK].(*types.AttributeValueMemberS)
			switch {
			case sk == nil:
			case sk.Value == skUser:
				found = true
				err = attributevalue.UnmarshalMap(item, &st.user)
			case strings.HasPrefix(sk.Value, skSession):
				var ss sessionItem
				err = attributevalue.UnmarshalMap(item, &ss)
				st.sessions = append(st.sessions, ss)
			}
			if err != nil {
				return nil, fail(err)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if !found {
		return nil, problem.ErrNotFound
	}
	return st, nil
}

// LoginState reads the lockout and the user of an address together (see
// LoginState for what it may be trusted with).
func (s *Store) LoginState(ctx context.Context, email string) (LoginState, error) {
	st := LoginState{email: email, hinted: true, count: -1, countedAt: -1}
	var lockErr error
	wait := alongside(func() { st.LockedUntil, lockErr = s.lockedUntil(ctx, email) })
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(indexByEmail), Limit: aws.Int32(2),
		KeyConditionExpression:    aws.String("LP = :lp AND SE = :email"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":lp": str(lpUsers), ":email": str(email)},
	})
	wait()
	if lockErr != nil {
		return st, lockErr
	}
	if err != nil {
		return st, fail(err)
	}
	if len(out.Items) != 1 { // none, or an address changing hands as the index catches up
		return st, nil
	}
	var u userItem
	if err := attributevalue.UnmarshalMap(out.Items[0], &u); err != nil || u.SK != skUser || u.Email != email || u.ID == "" {
		return st, nil
	}
	st.count, st.countedAt = numAttr(out.Items[0], attrSessionCount), numAttr(out.Items[0], attrSessionCountRev)
	st.UserID, st.Status, st.PasswordHash, st.st = u.ID, u.Status, u.PasswordHash, &userState{user: u}
	return st, nil
}

// lockedUntil reads the lockout of an address (zero when not locked).
func (s *Store) lockedUntil(ctx context.Context, email string) (time.Time, error) {
	li, err := getAs[loginItem](ctx, s, loginPK(email), skLogin)
	if err == problem.ErrNotFound {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	if t, err := time.Parse(TimeFormat, li.LockedUntil); err == nil && t.After(s.now()) {
		return t, nil
	}
	return time.Time{}, nil
}

// ConfirmLogin returns the login state of ls's address as the table holds
// it: the address's owner, then the owner with its sessions, strongly
// consistent (the lockout is the one ls read). A state not hinted is returned
// as it is.
func (s *Store) ConfirmLogin(ctx context.Context, ls LoginState) (LoginState, error) {
	if !ls.hinted {
		return ls, nil
	}
	st := LoginState{email: ls.email, LockedUntil: ls.LockedUntil, count: -1, countedAt: -1}
	id, err := s.UserIDByEmail(ctx, ls.email)
	var us *userState
	if err == nil {
		us, err = s.loadSessions(ctx, id)
	}
	if err == problem.ErrNotFound {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.UserID, st.Status, st.PasswordHash, st.st = us.user.ID, us.user.Status, us.user.PasswordHash, us
	return st, nil
}

// LoginFailed counts a failed attempt on an address and locks it after
// maxAttempts straight failures. It reports whether the address is now locked.
// userID is "" when the address has no account.
func (s *Store) LoginFailed(ctx context.Context, email, userID string, maxAttempts int, lockFor time.Duration) (bool, error) {
	now := s.now()
	target := Ref{Type: "user", ID: userID}
	if userID == "" {
		target = Ref{Type: "email", ID: email}
	}
	actor := AuditActor{Type: Anonymous.Type, ID: Anonymous.ID, Email: email}
	var t tx
	s.update(&t, loginPK(email), skLogin, "ADD #failures :one SET #ttl = :ttl", "", map[string]types.AttributeValue{
		":one": num(1), ":ttl": num(now.Add(24 * time.Hour).Unix())}, nil)
	s.audit(ctx, &t, actor, "auth.login_failed", target, nil)
	if err := s.commit(ctx, &t); err != nil {
		return false, err
	}
	item, err := s.getItem(ctx, loginPK(email), skLogin)
	if err != nil || item == nil {
		return false, err
	}
	var li loginItem
	if err := attributevalue.UnmarshalMap(item, &li); err != nil {
		return false, fail(err)
	}
	if li.Failures < maxAttempts {
		return false, nil
	}
	// Lock, and start counting afresh once the lock ends.
	var lock tx
	s.update(&lock, loginPK(email), skLogin, "SET #lockedUntil = :until, #failures = :zero", "#failures >= :max", map[string]types.AttributeValue{
		":until": str(stamp(now.Add(lockFor))), ":zero": num(0), ":max": num(int64(maxAttempts))}, errRetry)
	s.audit(ctx, &lock, actor, "auth.locked", target, map[string]any{"until": stamp(now.Add(lockFor)), "failures": li.Failures})
	if err := s.commit(ctx, &lock); err != nil && err != errRetry { // errRetry: a concurrent failure locked it first
		return false, err
	}
	return true, nil
}

// OpenSession starts a session for an active user, records lastLoginAt, ends
// the oldest session beyond MaxSessions and clears the address's failed
// attempts, all in one transaction.
func (s *Store) OpenSession(ctx context.Context, userID string, ttl time.Duration) (User, Session, error) {
	return s.openSession(ctx, userID, nil, -1, nil, ttl)
}

// OpenSessionFor is OpenSession after a login checked the password of ls. It
// writes from what LoginState read, under the transaction's condition that
// the user's version and tokenRev are still those read, and without reading
// the user's sessions when the user cannot have MaxSessions of them (see
// sessionBound): a login is then one round of reads and one transaction.
// Otherwise, or should the user change meanwhile, the user is read with its
// sessions, and the session opens only if the password is still the one
// checked and the user still active.
func (s *Store) OpenSessionFor(ctx context.Context, ls LoginState, ttl time.Duration) (User, Session, error) {
	if ls.st == nil || ls.UserID == "" {
		return User{}, Session{}, ErrInvalidCredentials
	}
	first, bound := ls.st, int64(-1)
	if ls.hinted {
		if bound = sessionBound(ls.st.user.TokenRev, ls.count, ls.countedAt); bound+1 > MaxSessions {
			first, bound = nil, -1 // it may have to end the oldest: read them
		}
	}
	u, sess, err := s.openSession(ctx, ls.UserID, first, bound, &loginCheck{hash: ls.PasswordHash, email: ls.email}, ttl)
	if errors.Is(err, problem.ErrNotFound) {
		err = ErrInvalidCredentials // deleted since: the same answer as an unknown address
	}
	return u, sess, err
}

// loginCheck is what a login checked: a session opens only while the user
// still has that password and that address.
type loginCheck struct{ hash, email string }

// openSession opens a session starting from first (nil: read the user),
// whose sessions are known unless bound ≥ 0 says at most how many there are;
// with checked, only while the password and address are still those checked.
func (s *Store) openSession(ctx context.Context, userID string, first *userState, bound int64, checked *loginCheck, ttl time.Duration) (User, Session, error) {
	var user User
	var sess Session
	hint := first
	err := s.changeUserFrom(ctx, nil, userID, first, s.loadSessions, func(st *userState) error {
		if st.user.Status != StatusActive {
			return ErrInvalidCredentials
		}
		if checked != nil && (st.user.PasswordHash != checked.hash || (checked.email != "" && st.user.Email != checked.email)) {
			return ErrInvalidCredentials // changed since the password was checked
		}
		return nil
	}, func(t *tx, st *userState, now time.Time) userEdit {
		secret := token.New(token.Session)
		exp, ttlEpoch := stamp(now.Add(ttl)), ttlAfter(now.Add(ttl))
		id := newID()
		s.put(t, marshal(sessionItem{PK: userPK(userID), SK: skSession + id, ID: id, CreatedAt: stamp(now), ExpiresAt: exp, Hash: token.Hash(secret)}), "", nil, nil)
		s.putUserToken(t, st.user, KindSession, id, secret, exp, ttlEpoch)
		count := bound + 1 // at most: the ones it may have, and this one
		if st != hint || bound < 0 {
			sessions := append([]sessionItem(nil), st.sessions...)
			sort.Slice(sessions, func(i, j int) bool { return sessions[i].CreatedAt < sessions[j].CreatedAt })
			for len(sessions) >= MaxSessions {
				s.del(t, userPK(userID), sessions[0].SK, "", nil, nil)
				s.del(t, tokenPK(sessions[0].Hash), skToken, "", nil, nil)
				sessions = sessions[1:]
			}
			count = int64(len(sessions)) + 1
		}
		s.del(t, loginPK(st.user.Email), skLogin, "", nil, nil)
		// lastLoginAt is part of the user: copies follow and the ETag moves.
		vals := map[string]types.AttributeValue{":now": str(stamp(now)), ":nv": num(st.user.Version + 1)}
		for _, sk := range []string{skListRole, skListStatus, skListRS} {
			s.update(t, userPK(userID), sk, "SET #lastLoginAt = :now, #version = :nv", "", vals, nil)
		}
		u := st.user
		u.LastLoginAt, u.Version = stamp(now), u.Version+1
		user, sess = u.user(), Session{Token: secret, ExpiresAt: exp}
		return userEdit{set: "#lastLoginAt = :now, #version = :nv, #" + attrSessionCount + " = :sc, #" + attrSessionCountRev + " = :scr",
			vals: map[string]types.AttributeValue{":now": vals[":now"], ":nv": vals[":nv"], ":sc": num(count), ":scr": num(st.user.TokenRev + 1)}}
	})
	return user, sess, err
}

// CloseSession ends one session of a user.
func (s *Store) CloseSession(ctx context.Context, userID, sessionID string) error {
	return s.changeUserFrom(ctx, nil, userID, nil, s.loadSessions, func(st *userState) error {
		for _, ss := range st.sessions {
			if ss.ID == sessionID {
				return nil
			}
		}
		return problem.ErrNotFound
	}, func(t *tx, st *userState, _ time.Time) userEdit {
		for _, ss := range st.sessions {
			if ss.ID == sessionID {
				s.del(t, userPK(userID), ss.SK, "attribute_exists(PK)", nil, errRetry)
				s.del(t, tokenPK(ss.Hash), skToken, "", nil, nil)
			}
		}
		return userEdit{}
	})
}

// endSessions ends every session of the user but keep.
func (s *Store) endSessions(t *tx, st *userState, keep string) {
	for _, ss := range st.sessions {
		if ss.ID != keep {
			s.del(t, userPK(st.user.ID), ss.SK, "", nil, nil)
			s.del(t, tokenPK(ss.Hash), skToken, "", nil, nil)
		}
	}
}

// SetPassword stores a new password hash (after decide approves the caller)
// and ends every session of the user except keep.
func (s *Store) SetPassword(ctx context.Context, c *Caller, userID, hash, keep string, decide func(User) error) error {
	return s.changeUserFrom(ctx, c, userID, nil, s.loadSessions, func(st *userState) error {
		return decide(st.user.user())
	}, s.setPassword(ctx, c, userID, hash, keep))
}

func (s *Store) setPassword(ctx context.Context, c *Caller, userID, hash, keep string) func(t *tx, st *userState, _ time.Time) userEdit {
	return func(t *tx, st *userState, _ time.Time) userEdit {
		s.endSessions(t, st, keep)
		s.audit(ctx, t, actorOf(c), "user.password_set", Ref{Type: "user", ID: userID}, nil)
		return userEdit{set: "#passwordHash = :ph", vals: map[string]types.AttributeValue{":ph": str(hash)}}
	}
}

// PasswordHash returns a user's stored hash ("" when none is set).
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	u, err := s.getUserItem(ctx, userID)
	return u.PasswordHash, err
}

// PasswordState is a user's password as read for changing it: Hash is the
// stored hash ("" when none is set).
type PasswordState struct {
	Hash string
	st   *userState
}

// PasswordState reads what a change of one's own password needs (the user
// and its sessions) in one round trip.
func (s *Store) PasswordState(ctx context.Context, userID string) (PasswordState, error) {
	st, err := s.loadSessions(ctx, userID)
	if err != nil {
		return PasswordState{}, err
	}
	return PasswordState{Hash: st.user.PasswordHash, st: st}, nil
}

// ChangePassword is SetPassword for a caller who proved the current password
// ps.Hash: it writes from what PasswordState read (the transaction requires
// the user's version and tokenRev to be those read). Should the user change
// meanwhile it is read again, and if the stored hash is no longer the one
// proved, recheck decides whether the proof holds for the new one.
func (s *Store) ChangePassword(ctx context.Context, c *Caller, userID string, ps PasswordState, hash, keep string, recheck func(current string) error) error {
	if ps.st == nil || ps.st.user.ID != userID {
		return problem.ErrNotFound
	}
	proved := ps.Hash
	return s.changeUserFrom(ctx, c, userID, ps.st, s.loadSessions, func(st *userState) error {
		if st.user.PasswordHash != proved {
			if err := recheck(st.user.PasswordHash); err != nil {
				return err
			}
			proved = st.user.PasswordHash
		}
		return nil
	}, s.setPassword(ctx, c, userID, hash, keep))
}

// CreateReset makes a single-use password-reset token for an active user; an
// earlier unused one stops working.
func (s *Store) CreateReset(ctx context.Context, c *Caller, userID string, decide func(User) error) (User, string, time.Time, error) {
	var user User
	var secret string
	var expires time.Time
	err := s.changeUser(ctx, c, userID, func(st *userState) error {
		if err := decide(st.user.user()); err != nil {
			return err
		}
		if st.user.Status != StatusActive {
			return ErrUserInactive
		}
		return nil
	}, func(t *tx, st *userState, now time.Time) userEdit {
		for _, r := range st.resets {
			s.del(t, userPK(userID), r.SK, "", nil, nil)
			s.del(t, tokenPK(r.Hash), skToken, "", nil, nil)
		}
		secret = token.New(token.Reset)
		expires = now.Add(ResetLifetime)
		id := newID()
		s.put(t, marshal(resetItem{PK: userPK(userID), SK: skReset + id, ID: id, ExpiresAt: stamp(expires), Hash: token.Hash(secret)}), "", nil, nil)
		// The user as this transaction leaves it: changeUser bumps tokenRev.
		hint := &resetCopy{Email: st.user.Email, Version: st.user.Version, TokenRev: st.user.TokenRev + 1, Sessions: []sessionRef{}}
		for _, ss := range st.sessions {
			hint.Sessions = append(hint.Sessions, sessionRef{SK: ss.SK, Hash: ss.Hash})
		}
		s.put(t, marshal(withExpiry(tokenItem{PK: tokenPK(token.Hash(secret)), SK: skToken, Kind: KindReset, TokenID: id, UserID: userID,
			UserRole: st.user.Role, UserStatus: st.user.Status, ExpiresAt: stamp(expires), TTL: ttlAfter(expires), Reset: hint})), "attribute_not_exists(PK)", nil, errRetry)
		user = st.user.user()
		s.audit(ctx, t, actorOf(c), "user.password_reset_requested", Ref{Type: "user", ID: userID}, map[string]any{"expiresAt": stamp(expires)})
		return userEdit{}
	})
	return user, secret, expires, err
}

// resetCopy is what a reset link's token item carries so that completing it
// needs no read but the token's: the user's email, version and tokenRev as
// the transaction that made the link left them, and the user's sessions then.
// It is a hint, never trusted alone: the completion requires the user to
// still have that version and tokenRev. Every change of a user's sessions,
// password or keys bumps tokenRev (changeUser), every other change of the
// user its version, so with both unchanged the hint is exact; otherwise the
// completion reads the user as before. Links made before it existed have
// none and are completed the old way.
type resetCopy struct {
	Email    string       `dynamodbav:"email"`
	Version  int64        `dynamodbav:"version"`
	TokenRev int64        `dynamodbav:"tokenRev"`
	Sessions []sessionRef `dynamodbav:"sessions"`
}

// sessionRef names a session item and its token item.
type sessionRef struct {
	SK   string `dynamodbav:"sk"`
	Hash string `dynamodbav:"hash"`
}

// CompleteReset spends a reset token: the new password is stored and every
// session ends. An unknown, used or expired token is ErrResetInvalid.
func (s *Store) CompleteReset(ctx context.Context, secret, hash string) error {
	if k, err := token.Parse(secret); err != nil || k != token.Reset {
		return ErrResetInvalid
	}
	item, err := s.getItem(ctx, tokenPK(token.Hash(secret)), skToken)
	if err != nil {
		return err
	}
	var ti tokenItem
	if item == nil || attributevalue.UnmarshalMap(item, &ti) != nil || ti.Kind != KindReset || ti.ExpiresAt <= stamp(s.now()) {
		return ErrResetInvalid
	}
	spend := func(t *tx, email string) {
		// Gone: the link was used, or replaced by a newer one.
		s.del(t, userPK(ti.UserID), skReset+ti.TokenID, "attribute_exists(PK)", nil, ErrResetInvalid)
		s.del(t, tokenPK(token.Hash(secret)), skToken, "attribute_exists(PK)", nil, ErrResetInvalid)
		s.audit(ctx, t, AuditActor{Type: "user", ID: ti.UserID, Email: email}, "user.password_set", Ref{Type: "user", ID: ti.UserID}, map[string]any{"via": "reset_link"})
	}
	if h := ti.Reset; h != nil {
		var t tx
		spend(&t, h.Email)
		for _, ss := range h.Sessions {
			s.del(&t, userPK(ti.UserID), ss.SK, "", nil, nil)
			s.del(&t, tokenPK(ss.Hash), skToken, "", nil, nil)
		}
		s.update(&t, userPK(ti.UserID), skUser, "ADD #tokenRev :one SET #passwordHash = :ph", "#version = :v AND #tokenRev = :t",
			map[string]types.AttributeValue{":one": num(1), ":ph": str(hash), ":v": num(h.Version), ":t": num(h.TokenRev)}, errRetry)
		if err := s.commit(ctx, &t); !errors.Is(err, errRetry) {
			return err
		}
		// The user changed since the link was made: read it.
	}
	err = s.changeUserFrom(ctx, nil, ti.UserID, nil, s.loadSessions, func(st *userState) error {
		if st.user.Status != StatusActive {
			return ErrResetInvalid
		}
		return nil
	}, func(t *tx, st *userState, _ time.Time) userEdit {
		spend(t, st.user.Email)
		s.endSessions(t, st, "")
		return userEdit{set: "#passwordHash = :ph", vals: map[string]types.AttributeValue{":ph": str(hash)}}
	})
	if err == problem.ErrNotFound {
		return ErrResetInvalid
	}
	return err
}
