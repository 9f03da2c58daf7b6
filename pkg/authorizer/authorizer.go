// Package authorizer is the API Gateway Lambda authorizer (HTTP API, payload
// 2.0, simple responses): it says who the caller is, never what they may do.
// The local server runs the same code.
package authorizer

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/store"
)

// Context keys the authorizer hands to every route.
const (
	keyType      = "principalType"
	keyID        = "principalId"
	keyRole      = "role"
	keyTokenID   = "tokenId"
	keyTokenKind = "tokenKind"
	keyDegraded  = "degraded"
	keyCreatedBy = "tokenCreatedBy" // an admin token's creator, "type:id"
)

// Authenticator resolves a bearer secret.
type Authenticator interface {
	Authenticate(ctx context.Context, secret string) (auth.Principal, error)
}

// Authorizer handles authorizer events.
type Authorizer struct {
	Auth Authenticator
	Log  *slog.Logger
}

// Handle answers one authorizer request.
func (a *Authorizer) Handle(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	header := ev.Headers["authorization"]
	if header == "" && len(ev.IdentitySource) > 0 {
		header = ev.IdentitySource[0]
	}
	scheme, secret, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return deny(), nil
	}
	p, err := a.Auth.Authenticate(ctx, strings.TrimSpace(secret))
	switch {
	case err == nil:
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: Context(p)}, nil
	case errors.Is(err, store.ErrDenied):
		return deny(), nil
	case errors.Is(err, problem.ErrUnavailable):
		// Storage is down: let the request through marked degraded, so the
		// route answers 503 problem+json (it performs nothing) instead of the
		// gateway's bare 500.
		a.Log.ErrorContext(ctx, "authorizer: storage unavailable", "err", err.Error(), "requestId", ev.RequestContext.RequestID)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{keyDegraded: true}}, nil
	default:
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
	}
}

func deny() events.APIGatewayV2CustomAuthorizerSimpleResponse {
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}
}

// Context is what the authorizer passes on for a principal.
func Context(p auth.Principal) map[string]any {
	m := map[string]any{keyType: p.Type, keyID: p.ID, keyRole: string(p.Role), keyTokenID: p.TokenID, keyTokenKind: p.TokenKind}
	if p.CreatedByID != "" {
		m[keyCreatedBy] = p.CreatedByType + ":" + p.CreatedByID
	}
	return m
}

// Principal reads the authorizer context as API Gateway delivers it.
// degraded reports that storage was unavailable when the caller was checked.
func Principal(lambda map[string]any) (p auth.Principal, degraded, ok bool) {
	if d, _ := lambda[keyDegraded].(bool); d {
		return auth.Principal{}, true, false
	}
	get := func(k string) string { v, _ := lambda[k].(string); return v }
	p = auth.Principal{Type: get(keyType), ID: get(keyID), Role: auth.Role(get(keyRole)), TokenID: get(keyTokenID), TokenKind: get(keyTokenKind)}
	p.CreatedByType, p.CreatedByID, _ = strings.Cut(get(keyCreatedBy), ":")
	return p, false, p.ID != "" && (p.Type == auth.KindUser || p.Type == auth.KindAdminToken)
}
