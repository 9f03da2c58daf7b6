package store

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/token"
)

// Token kinds as stored and as the authorizer reports them.
const (
	KindAdminToken = "admin_token"
	KindAPIKey     = "api_key"
	KindSession    = "session"
	KindReset      = "reset"
	KindInvite     = "invite"
)

// MaxAPIKeys bounds a user's API keys, so that every change of the user
// (which must update each key's token item) fits in one transaction.
const MaxAPIKeys = 10

// lastUsedEvery is how stale lastUsedAt may get: it is written at most this often.
const lastUsedEvery = 5 * time.Minute

var (
	ErrTooManyAPIKeys = problem.New(http.StatusConflict, "too_many_api_keys", "a user has at most 10 API keys; delete one first")
	ErrUserInactive   = problem.New(http.StatusConflict, "user_not_active", "the user is deactivated")
	// ErrDenied is any reason a bearer token is refused.
	ErrDenied = errors.New("store: token refused")
)

// tokenItem is what the authorizer reads for a secret: found by its hash.
type tokenItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	LP         string `dynamodbav:"LP,omitempty"` // EXPIRES#TOKEN when it expires: the cleanup finds it by EX
	EX         string `dynamodbav:"EX,omitempty"`
	Kind       string `dynamodbav:"kind"`
	TokenID    string `dynamodbav:"tokenId"`
	UserID     string `dynamodbav:"userId,omitempty"`
	UserRole   string `dynamodbav:"userRole,omitempty"`
	UserStatus string `dynamodbav:"userStatus,omitempty"`
	ExpiresAt  string `dynamodbav:"expiresAt,omitempty"`
	LastUsedAt string `dynamodbav:"lastUsedAt,omitempty"`
	TTL        int64  `dynamodbav:"ttl,omitempty"` // backstop only: expiry is checked at use

	CreatedByType string `dynamodbav:"createdByType,omitempty"` // an admin token's creator
	CreatedByID   string `dynamodbav:"createdById,omitempty"`

	// Invite is what an invitation's link carries so that preview and accept
	// find the invitation with this one read (invitecopy.go). Links made
	// before it existed have none: readers fall back to the invitation item.
	Invite *inviteCopy `dynamodbav:"invite,omitempty"`
	// Reset is what a reset link carries so that completing it needs no
	// other read (sessions.go); a hint that the completion checks.
	Reset *resetCopy `dynamodbav:"reset,omitempty"`
}

// APIKey is an API key as the API shows it (never its secret).
type APIKey struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	Prefix     string  `json:"prefix"`
	CreatedAt  string  `json:"createdAt"`
	ExpiresAt  *string `json:"expiresAt"`
	LastUsedAt *string `json:"lastUsedAt"`
}

type apiKeyItem struct {
	PK           string `dynamodbav:"PK"`
	SK           string `dynamodbav:"SK"`
	ID           string `dynamodbav:"id"`
	Name         string `dynamodbav:"name"`
	Prefix       string `dynamodbav:"prefix"`
	CreatedAt    string `dynamodbav:"createdAt"`
	ExpiresAt    string `dynamodbav:"expiresAt,omitempty"`
	LastUsedAt   string `dynamodbav:"lastUsedAt,omitempty"`
	LifetimeDays int    `dynamodbav:"lifetimeDays,omitempty"`
	Hash         string `dynamodbav:"hash"`
}

type sessionItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	ID        string `dynamodbav:"id"`
	CreatedAt string `dynamodbav:"createdAt"`
	ExpiresAt string `dynamodbav:"expiresAt"`
	Hash      string `dynamodbav:"hash"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (k apiKeyItem) apiKey() APIKey {
	return APIKey{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt, ExpiresAt: optional(k.ExpiresAt), LastUsedAt: optional(k.LastUsedAt)}
}

func expiry(now time.Time, days int) (string, int64) {
	if days <= 0 {
		return "", 0
	}
	t := now.AddDate(0, 0, days)
	return stamp(t), ttlAfter(t)
}

// ttlAfter is the DynamoDB TTL of something that expires at t: a week later,
// so that the backstop never removes an item before the cleanup job has
// counted it out (TTL may delete at any time after its moment).
func ttlAfter(t time.Time) int64 { return t.AddDate(0, 0, 7).Unix() }

// userEdit is what a change does to the user item itself besides bumping
// tokenRev: more SET clauses and a change of the API key count.
type userEdit struct {
	set      string
	vals     map[string]types.AttributeValue
	keyDelta int64
}

// changeUser runs an optimistic change of a user's tokens or secrets: decide
// sees the user's partition, build adds the writes and says how the user item
// changes, and the user's tokenRev is bumped under a condition so that a
// concurrent role or status change, which must rewrite every token item, is
// never missed.
func (s *Store) changeUser(ctx context.Context, c *Caller, userID string,
	decide func(st *userState) error, build func(t *tx, st *userState, now time.Time) userEdit) error {
	return s.changeUserFrom(ctx, c, userID, nil, s.loadUser, decide, build)
}

// changeUserFrom is changeUser starting from first, a state of the user
// already read (nil: none), and reading the user with load on every other
// attempt. load may read part of the partition only (loadSessions): decide
// and build must then use only what it reads.
func (s *Store) changeUserFrom(ctx context.Context, c *Caller, userID string, first *userState,
	load func(context.Context, string) (*userState, error),
	decide func(st *userState) error, build func(t *tx, st *userState, now time.Time) userEdit) error {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		st := first
		first = nil
		if st == nil {
			var err error
			if st, err = load(ctx, userID); err != nil {
				return err
			}
		}
		if err := decide(st); err != nil {
			return err
		}
		now := s.now()
		var t tx
		if c != nil && c.P.IsUser() && c.P.ID == userID {
			if err := callerMayAct(c, st.user); err != nil {
				return err
			}
		} else {
			s.guard(&t, c, now)
		}
		e := build(&t, st, now)
		vals := map[string]types.AttributeValue{":one": num(1), ":delta": num(e.keyDelta), ":v": num(st.user.Version), ":t": num(st.user.TokenRev)}
		for k, v := range e.vals {
			vals[k] = v
		}
		expr := "ADD #tokenRev :one, #apiKeyCount :delta"
		if e.set != "" {
			expr += " SET " + e.set
		}
		s.update(&t, userPK(userID), skUser, expr, "#version = :v AND #tokenRev = :t", vals, errRetry)
		err := s.commit(ctx, &t)
		if errors.Is(err, errRetry) {
			continue
		}
		return err
	}
	return problem.ErrUnavailable
}

// CreateAPIKey makes an API key for an active user; decide approves the caller
// acting on that user. It returns the key and its secret (shown once).
func (s *Store) CreateAPIKey(ctx context.Context, c *Caller, userID, name string, days int, decide func(User) error) (APIKey, string, error) {
	var key apiKeyItem
	secret := token.New(token.APIKey)
	err := s.changeUser(ctx, c, userID, func(st *userState) error {
		if err := decide(st.user.user()); err != nil {
			return err
		}
		if st.user.Status != StatusActive {
			return ErrUserInactive
		}
		if len(st.apiKeys) >= MaxAPIKeys {
			return ErrTooManyAPIKeys
		}
		return nil
	}, func(t *tx, st *userState, now time.Time) userEdit {
		id := newID()
		exp, ttl := expiry(now, days)
		key = apiKeyItem{PK: userPK(userID), SK: skAPIKey + id, ID: id, Name: name, Prefix: token.DisplayPrefix(secret),
			CreatedAt: stamp(now), ExpiresAt: exp, LifetimeDays: days, Hash: token.Hash(secret)}
		s.put(t, marshal(key), "", nil, nil)
		s.putUserToken(t, st.user, KindAPIKey, id, secret, exp, ttl)
		t.count(counterAPIKeys, 1)
		s.audit(ctx, t, actorOf(c), "api_key.created", Ref{Type: "api_key", ID: id}, map[string]any{"userId": userID, "name": name, "expiresAt": exp})
		return userEdit{keyDelta: 1}
	})
	if err != nil {
		return APIKey{}, "", err
	}
	return key.apiKey(), secret, nil
}

func (s *Store) putUserToken(t *tx, u userItem, kind, id, secret, exp string, ttl int64) {
	s.put(t, marshal(withExpiry(tokenItem{PK: tokenPK(token.Hash(secret)), SK: skToken, Kind: kind, TokenID: id, UserID: u.ID,
		UserRole: u.Role, UserStatus: u.Status, ExpiresAt: exp, TTL: ttl})), "attribute_not_exists(PK)", nil, errRetry)
}

func findKey(st *userState, keyID string) (apiKeyItem, bool) {
	for _, k := range st.apiKeys {
		if k.ID == keyID {
			return k, true
		}
	}
	return apiKeyItem{}, false
}

// RotateAPIKey replaces a key's secret (the old one stops working at once) and
// restarts its lifetime.
func (s *Store) RotateAPIKey(ctx context.Context, c *Caller, userID, keyID string, decide func(User) error) (APIKey, string, error) {
	var key apiKeyItem
	secret := token.New(token.APIKey)
	err := s.changeUser(ctx, c, userID, func(st *userState) error {
		if err := decide(st.user.user()); err != nil {
			return err
		}
		if _, ok := findKey(st, keyID); !ok {
			return problem.ErrNotFound
		}
		if st.user.Status != StatusActive {
			return ErrUserInactive
		}
		return nil
	}, func(t *tx, st *userState, now time.Time) userEdit {
		old, _ := findKey(st, keyID)
		key = old
		exp, ttl := expiry(now, old.LifetimeDays)
		key.ExpiresAt, key.LastUsedAt, key.Prefix, key.Hash = exp, "", token.DisplayPrefix(secret), token.Hash(secret)
		s.put(t, marshal(key), "#hash = :old", map[string]types.AttributeValue{":old": str(old.Hash)}, errRetry)
		s.del(t, tokenPK(old.Hash), skToken, "", nil, nil)
		s.putUserToken(t, st.user, KindAPIKey, keyID, secret, exp, ttl)
		s.audit(ctx, t, actorOf(c), "api_key.rotated", Ref{Type: "api_key", ID: keyID}, map[string]any{"userId": userID, "name": old.Name})
		return userEdit{}
	})
	if err != nil {
		return APIKey{}, "", err
	}
	return key.apiKey(), secret, nil
}

// DeleteAPIKey deletes a key; its secret stops working at once.
func (s *Store) DeleteAPIKey(ctx context.Context, c *Caller, userID, keyID string, decide func(User) error) error {
	return s.changeUser(ctx, c, userID, func(st *userState) error {
		if err := decide(st.user.user()); err != nil {
			return err
		}
		if _, ok := findKey(st, keyID); !ok {
			return problem.ErrNotFound
		}
		return nil
	}, func(t *tx, st *userState, _ time.Time) userEdit {
		k, _ := findKey(st, keyID)
		s.del(t, userPK(userID), k.SK, "attribute_exists(PK)", nil, errRetry)
		s.del(t, tokenPK(k.Hash), skToken, "", nil, nil)
		t.count(counterAPIKeys, -1)
		s.audit(ctx, t, actorOf(c), "api_key.deleted", Ref{Type: "api_key", ID: keyID}, map[string]any{"userId": userID, "name": k.Name})
		return userEdit{keyDelta: -1}
	})
}

// ListAPIKeys pages through a user's keys, oldest first, once decide approves
// the caller seeing them. The user read and the page query go out together.
func (s *Store) ListAPIKeys(ctx context.Context, userID string, limit int, cursor string, decide func(User) error) (Page[APIKey], error) {
	scope := "apikeys|" + userID
	start, err := s.decodeCursor(scope, cursor, attrPK, attrSK)
	if err != nil {
		return Page[APIKey]{}, err
	}
	var userErr error
	wait := alongside(func() {
		var u userItem
		if u, userErr = s.getUserItem(ctx, userID); userErr == nil {
			userErr = decide(u.user())
		}
	})
	page, err := queryPage(ctx, s, &dynamodb.QueryInput{
		ConsistentRead: aws.Bool(true), ExclusiveStartKey: start,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(userPK(userID)), ":sk": str(skAPIKey)},
	}, scope, limit, []string{attrPK, attrSK}, apiKeyItem.apiKey)
	wait()
	if userErr != nil {
		return Page[APIKey]{}, userErr
	}
	return page, err
}

// Page is one page of a listing.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
	Total      *int64  `json:"total"`
}

// Authenticate resolves a bearer secret to its principal with at most one read
// (plus, at most once per five minutes, the lastUsedAt write). Malformed
// secrets cost nothing; invitation and reset tokens are never bearers.
func (s *Store) Authenticate(ctx context.Context, secret string) (auth.Principal, error) {
	kind, err := token.Parse(secret)
	if err != nil {
		return auth.Principal{}, ErrDenied
	}
	want := map[token.Kind]string{token.Admin: KindAdminToken, token.APIKey: KindAPIKey, token.Session: KindSession}[kind]
	if want == "" {
		return auth.Principal{}, ErrDenied
	}
	hash := token.Hash(secret)
	item, err := s.getItem(ctx, tokenPK(hash), skToken)
	if err != nil {
		return auth.Principal{}, err
	}
	if item == nil {
		return auth.Principal{}, ErrDenied
	}
	var ti tokenItem
	if err := attributevalue.UnmarshalMap(item, &ti); err != nil {
		return auth.Principal{}, fail(err)
	}
	now := s.now()
	if ti.Kind != want || (ti.ExpiresAt != "" && ti.ExpiresAt <= stamp(now)) {
		return auth.Principal{}, ErrDenied
	}
	p := auth.Principal{TokenID: ti.TokenID, TokenKind: ti.Kind}
	if ti.Kind == KindAdminToken {
		p.Type, p.ID, p.Role = auth.KindAdminToken, ti.TokenID, auth.Admin
		p.CreatedByType, p.CreatedByID = ti.CreatedByType, ti.CreatedByID
	} else {
		if ti.UserStatus != StatusActive {
			return auth.Principal{}, ErrDenied
		}
		p.Type, p.ID, p.Role = auth.KindUser, ti.UserID, auth.Role(ti.UserRole)
	}
	if ti.LastUsedAt == "" || ti.LastUsedAt < stamp(now.Add(-lastUsedEvery)) {
		s.touch(ctx, ti, hash, now)
	}
	return p, nil
}

// touch records lastUsedAt on the token and on the metadata the API lists.
// It is best effort: a failure never refuses an otherwise valid token.
func (s *Store) touch(ctx context.Context, ti tokenItem, hash string, now time.Time) {
	var t tx
	vals := map[string]types.AttributeValue{":now": str(stamp(now))}
	s.update(&t, tokenPK(hash), skToken, "SET #lastUsedAt = :now", "attribute_exists(PK)", vals, ErrDenied)
	switch ti.Kind {
	case KindAdminToken:
		s.update(&t, pkAdminTokens, ti.TokenID, "SET #lastUsedAt = :now", "attribute_exists(PK)", vals, ErrDenied)
	case KindAPIKey:
		s.update(&t, userPK(ti.UserID), skAPIKey+ti.TokenID, "SET #lastUsedAt = :now", "attribute_exists(PK)", vals, ErrDenied)
	}
	_ = s.commit(ctx, &t)
}

// withExpiry marks an expiring token item for the cleanup job's index: it is
// deleted once EX has passed (invitation tokens are kept 30 days longer, so
// that an old link still answers "expired" or "used").
func withExpiry(t tokenItem) tokenItem {
	if t.ExpiresAt == "" {
		return t
	}
	t.LP, t.EX = lpExpiresToken, t.ExpiresAt
	if t.Kind == KindInvite {
		if at, err := time.Parse(TimeFormat, t.ExpiresAt); err == nil {
			t.EX = stamp(at.AddDate(0, 0, 30))
		}
	}
	return t
}
