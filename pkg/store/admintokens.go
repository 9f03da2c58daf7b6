package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/token"
)

// AdminToken is an instance-level token as the API shows it.
type AdminToken struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	CreatedBy  Ref     `json:"createdBy"`
	CreatedAt  string  `json:"createdAt"`
	ExpiresAt  *string `json:"expiresAt"`
	LastUsedAt *string `json:"lastUsedAt"`
}

type adminTokenItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	ID             string `dynamodbav:"id"`
	Name           string `dynamodbav:"name"`
	CreatedByType  string `dynamodbav:"createdByType"`
	CreatedByID    string `dynamodbav:"createdById"`
	CreatedByEmail string `dynamodbav:"createdByEmail,omitempty"`
	CreatedAt      string `dynamodbav:"createdAt"`
	ExpiresAt      string `dynamodbav:"expiresAt,omitempty"`
	LastUsedAt     string `dynamodbav:"lastUsedAt,omitempty"`
	Hash           string `dynamodbav:"hash"`
}

func (a adminTokenItem) adminToken() AdminToken {
	return AdminToken{ID: a.ID, Name: a.Name, CreatedBy: Ref{Type: a.CreatedByType, ID: a.CreatedByID, Email: a.CreatedByEmail},
		CreatedAt: a.CreatedAt, ExpiresAt: optional(a.ExpiresAt), LastUsedAt: optional(a.LastUsedAt)}
}

// CreateAdminToken creates an admin token (days 0 = no expiry) and returns
// its secret, shown once.
func (s *Store) CreateAdminToken(ctx context.Context, c *Caller, name string, days int) (AdminToken, string, error) {
	by := Ref{Type: c.P.Type, ID: c.P.ID}
	if c.P.IsUser() {
		u, err := s.getUserItem(ctx, c.P.ID)
		if err != nil {
			if err == problem.ErrNotFound {
				return AdminToken{}, "", ErrCallerChanged
			}
			return AdminToken{}, "", err
		}
		by.Email = u.Email
	}
	now := s.now()
	secret := token.New(token.Admin)
	exp, ttl := expiry(now, days)
	it := adminTokenItem{PK: pkAdminTokens, SK: newID(), Name: name, CreatedByType: by.Type, CreatedByID: by.ID,
		CreatedByEmail: by.Email, CreatedAt: stamp(now), ExpiresAt: exp, Hash: token.Hash(secret)}
	it.ID = it.SK
	var t tx
	s.guard(&t, c, now)
	s.put(&t, marshal(it), "attribute_not_exists(PK)", nil, errRetry)
	s.put(&t, marshal(withExpiry(tokenItem{PK: tokenPK(it.Hash), SK: skToken, Kind: KindAdminToken, TokenID: it.ID, ExpiresAt: exp, TTL: ttl,
		CreatedByType: by.Type, CreatedByID: by.ID})), "attribute_not_exists(PK)", nil, errRetry)
	t.count(counterAdminTokens, 1)
	s.audit(ctx, &t, actorOf(c), "admin_token.created", Ref{Type: "admin_token", ID: it.ID}, map[string]any{"name": name, "expiresAt": exp})
	if err := s.commit(ctx, &t); err != nil {
		if err == errRetry {
			return AdminToken{}, "", problem.ErrUnavailable
		}
		return AdminToken{}, "", err
	}
	return it.adminToken(), secret, nil
}

// DeleteAdminToken revokes an admin token at once.
func (s *Store) DeleteAdminToken(ctx context.Context, c *Caller, id string) error {
	item, err := s.getItem(ctx, pkAdminTokens, id)
	if err != nil {
		return err
	}
	if item == nil {
		return problem.ErrNotFound
	}
	var it adminTokenItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return fail(err)
	}
	var t tx
	if c.P.Type != auth.KindAdminToken || c.P.ID != id { // a token revoking itself needs no other check
		s.guard(&t, c, s.now())
	}
	s.del(&t, pkAdminTokens, id, "attribute_exists(PK)", nil, problem.ErrNotFound)
	s.del(&t, tokenPK(it.Hash), skToken, "", nil, nil)
	t.count(counterAdminTokens, -1)
	s.audit(ctx, &t, actorOf(c), "admin_token.deleted", Ref{Type: "admin_token", ID: id}, map[string]any{"name": it.Name})
	return s.commit(ctx, &t)
}

// ListAdminTokens pages through admin tokens, oldest first.
func (s *Store) ListAdminTokens(ctx context.Context, limit int, cursor string) (Page[AdminToken], error) {
	const scope = "admintokens"
	start, err := s.decodeCursor(scope, cursor, attrPK, attrSK)
	if err != nil {
		return Page[AdminToken]{}, err
	}
	return queryPage(ctx, s, &dynamodb.QueryInput{
		ConsistentRead: aws.Bool(true), ExclusiveStartKey: start,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pkAdminTokens)},
	}, scope, limit, []string{attrPK, attrSK}, adminTokenItem.adminToken)
}
