package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/token"
)

// ErrBootstrapped refuses a second bootstrap.
var ErrBootstrapped = errors.New("an active super_admin already exists: bootstrap only creates the first one")

// Bootstrap creates the first super_admin with an API key, in one transaction
// that fails if any active super_admin exists.
func (s *Store) Bootstrap(ctx context.Context, email, name string) (User, APIKey, string, error) {
	now := s.now()
	it := s.newUserItem(NewUser{Email: email, Name: name, Role: string(auth.SuperAdmin)}, now)
	it.TokenRev, it.APIKeyCount = 1, 1
	secret := token.New(token.APIKey)
	key := apiKeyItem{PK: userPK(it.ID), SK: skAPIKey + newID(), Name: "bootstrap", Prefix: token.DisplayPrefix(secret),
		CreatedAt: stamp(now), Hash: token.Hash(secret)}
	key.ID = key.SK[len(skAPIKey):]
	var t tx
	s.update(&t, pkCounters, skSuperAdmins, "ADD #active :one", "attribute_not_exists(#active) OR #active < :one",
		map[string]types.AttributeValue{":one": num(1)}, ErrBootstrapped)
	s.addUserCreate(&t, it)
	s.put(&t, marshal(key), "", nil, nil)
	s.putUserToken(&t, it, KindAPIKey, key.ID, secret, "", 0)
	t.count(counterAPIKeys, 1)
	s.audit(ctx, &t, AuditActor{Type: "system", ID: "bootstrap"}, "user.created", Ref{Type: "user", ID: it.ID}, map[string]any{"email": it.Email, "role": it.Role})
	if err := s.commit(ctx, &t); err != nil {
		return User{}, APIKey{}, "", err
	}
	return it.user(), key.apiKey(), secret, nil
}

// UserIDByEmail finds a user by (normalised) email.
func (s *Store) UserIDByEmail(ctx context.Context, email string) (string, error) {
	item, err := s.getItem(ctx, emailPK(email), skEmail)
	if err != nil {
		return "", err
	}
	if item == nil {
		return "", problem.ErrNotFound
	}
	v, _ := item["userId"].(*types.AttributeValueMemberS)
	if v == nil {
		return "", problem.ErrNotFound
	}
	return v.Value, nil
}
