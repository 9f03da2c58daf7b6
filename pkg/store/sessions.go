package store

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
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
type LoginState struct {
	UserID, Status, PasswordHash string
	LockedUntil                  time.Time // zero when not locked
}

// LoginState reads the lockout and the account of an address; the two reads
// go out together.
func (s *Store) LoginState(ctx context.Context, email string) (LoginState, error) {
	var st LoginState
	var lockErr error
	wait := alongside(func() {
		li, err := getAs[loginItem](ctx, s, loginPK(email), skLogin)
		if err == problem.ErrNotFound {
			return
		}
		if lockErr = err; err == nil {
			if t, err := time.Parse(TimeFormat, li.LockedUntil); err == nil && t.After(s.now()) {
				st.LockedUntil = t
			}
		}
	})
	id, err := s.UserIDByEmail(ctx, email)
	var u userItem
	if err == nil {
		u, err = s.getUserItem(ctx, id)
	}
	wait()
	if lockErr != nil {
		return st, lockErr
	}
	if err == problem.ErrNotFound {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.UserID, st.Status, st.PasswordHash = u.ID, u.Status, u.PasswordHash
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
	var user User
	var sess Session
	err := s.changeUser(ctx, nil, userID, func(st *userState) error {
		if st.user.Status != StatusActive {
			return ErrInvalidCredentials
		}
		return nil
	}, func(t *tx, st *userState, now time.Time) userEdit {
		secret := token.New(token.Session)
		exp, ttlEpoch := stamp(now.Add(ttl)), ttlAfter(now.Add(ttl))
		id := newID()
		s.put(t, marshal(sessionItem{PK: userPK(userID), SK: skSession + id, ID: id, CreatedAt: stamp(now), ExpiresAt: exp, Hash: token.Hash(secret)}), "", nil, nil)
		s.putUserToken(t, st.user, KindSession, id, secret, exp, ttlEpoch)
		sessions := append([]sessionItem(nil), st.sessions...)
		sort.Slice(sessions, func(i, j int) bool { return sessions[i].CreatedAt < sessions[j].CreatedAt })
		for len(sessions) >= MaxSessions {
			s.del(t, userPK(userID), sessions[0].SK, "", nil, nil)
			s.del(t, tokenPK(sessions[0].Hash), skToken, "", nil, nil)
			sessions = sessions[1:]
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
		return userEdit{set: "#lastLoginAt = :now, #version = :nv", vals: vals}
	})
	return user, sess, err
}

// CloseSession ends one session of a user.
func (s *Store) CloseSession(ctx context.Context, userID, sessionID string) error {
	return s.changeUser(ctx, nil, userID, func(st *userState) error {
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
	return s.changeUser(ctx, c, userID, func(st *userState) error {
		return decide(st.user.user())
	}, func(t *tx, st *userState, _ time.Time) userEdit {
		s.endSessions(t, st, keep)
		s.audit(ctx, t, actorOf(c), "user.password_set", Ref{Type: "user", ID: userID}, nil)
		return userEdit{set: "#passwordHash = :ph", vals: map[string]types.AttributeValue{":ph": str(hash)}}
	})
}

// PasswordHash returns a user's stored hash ("" when none is set).
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	u, err := s.getUserItem(ctx, userID)
	return u.PasswordHash, err
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
		s.put(t, marshal(withExpiry(tokenItem{PK: tokenPK(token.Hash(secret)), SK: skToken, Kind: KindReset, TokenID: id, UserID: userID,
			UserRole: st.user.Role, UserStatus: st.user.Status, ExpiresAt: stamp(expires), TTL: ttlAfter(expires)})), "attribute_not_exists(PK)", nil, errRetry)
		user = st.user.user()
		s.audit(ctx, t, actorOf(c), "user.password_reset_requested", Ref{Type: "user", ID: userID}, map[string]any{"expiresAt": stamp(expires)})
		return userEdit{}
	})
	return user, secret, expires, err
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
	err = s.changeUser(ctx, nil, ti.UserID, func(st *userState) error {
		if st.user.Status != StatusActive {
			return ErrResetInvalid
		}
		for _, r := range st.resets {
			if r.ID == ti.TokenID {
				return nil
			}
		}
		return ErrResetInvalid
	}, func(t *tx, st *userState, _ time.Time) userEdit {
		s.del(t, userPK(ti.UserID), skReset+ti.TokenID, "attribute_exists(PK)", nil, errRetry)
		s.del(t, tokenPK(token.Hash(secret)), skToken, "attribute_exists(PK)", nil, errRetry)
		s.endSessions(t, st, "")
		s.audit(ctx, t, AuditActor{Type: "user", ID: ti.UserID, Email: st.user.Email}, "user.password_set", Ref{Type: "user", ID: ti.UserID}, map[string]any{"via": "reset_link"})
		return userEdit{set: "#passwordHash = :ph", vals: map[string]types.AttributeValue{":ph": str(hash)}}
	})
	if err == problem.ErrNotFound {
		return ErrResetInvalid
	}
	return err
}
