package httpapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/settings"
	"github.com/usherhq/usher/pkg/testenv"
	"github.com/usherhq/usher/pkg/token"
)

// forget removes an attribute from a link's token item, as links issued
// before it existed have none.
func forget(t *testing.T, table, secret, attr string) {
	t.Helper()
	_, err := testenv.Client().UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: &table,
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "TOKEN#" + token.Hash(secret)}, "SK": &types.AttributeValueMemberS{Value: "TOKEN"}},
		UpdateExpression: aws.String("REMOVE #a"), ConditionExpression: aws.String("attribute_exists(#a)"),
		ExpressionAttributeNames: map[string]string{"#a": attr}})
	if err != nil {
		t.Fatalf("removing %s from a token item: %v", attr, err)
	}
}

// Tokens carry what preview, accept and reset need; those written before
// they did still work, through the items they point at.
func TestLinksIssuedBeforeTheirCopies(t *testing.T) {
	t.Parallel()
	table := testenv.NewTable(t)
	e := newEnvOn(t, testenv.Endpoint(), testenv.SESEndpoint(), table)
	ws := e.workspace(t, "Old links", e.admin)
	invite := func(name string) (string, string) {
		r := e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": uniq(t, name), "name": "Old", "role": "editor", "sendEmail": false,
			"workspaces": []any{map[string]any{"workspaceId": ws, "role": "member"}}})
		want(t, r, 201)
		tok := linkToken(t, r.str("inviteUrl"))
		e.secrets = append(e.secrets, tok)
		forget(t, table, tok, "invite")
		return r.JSON()["invitation"].(map[string]any)["id"].(string), tok
	}

	_, tok := invite("old")
	pv := e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": tok})
	want(t, pv, 200)
	if pv.str("role") != "editor" || len(pv.JSON()["workspaces"].([]any)) != 1 {
		t.Fatalf("preview of a link without a copy: %s", pv.Body)
	}
	acc := e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "a long enough secret"})
	want(t, acc, 201)
	e.secrets = append(e.secrets, acc.JSON()["session"].(map[string]any)["token"].(string))
	if n := e.memberCount(t, ws); n != 2 {
		t.Fatalf("memberCount %v, want 2", n)
	}
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": tok}), 410, "invitation_used")

	id, tok := invite("revoked")
	want(t, e.call("DELETE", "/v1/invitations/"+id, e.admin, nil), 204)
	want(t, e.call("POST", "/v1/invitations/preview", "", map[string]any{"token": tok}), 410, "invitation_revoked")
	want(t, e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "a long enough secret"}), 410, "invitation_revoked")

	// A reset link without the user's copy.
	uid, email := e.member(t, "viewer", "correct horse battery")
	s := e.login(t, email, "correct horse battery").str("token")
	r := e.call("POST", "/v1/users/"+uid+"/password-reset", e.admin, nil)
	want(t, r, 202)
	reset := linkToken(t, r.str("resetUrl"))
	e.secrets = append(e.secrets, reset)
	forget(t, table, reset, "reset")
	want(t, e.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": reset, "password": "a fresh passphrase"}), 204)
	gateway(t, e.call("GET", "/v1/me", s, nil), 403, "Forbidden")
	want(t, e.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": reset, "password": "another passphrase"}), 410, "reset_token_invalid")
	want(t, e.login(t, email, "a fresh passphrase"), 200)
}

// A reset link carries the user's sessions when it was made; completing it
// must also end those opened (and honour changes made) since.
func TestResetEndsSessionsOpenedAfterTheLink(t *testing.T) {
	e := newEnv(t)
	uid, email := e.member(t, "viewer", "correct horse battery")
	before := e.login(t, email, "correct horse battery").str("token")
	r := e.call("POST", "/v1/users/"+uid+"/password-reset", e.admin, nil)
	want(t, r, 202)
	reset := linkToken(t, r.str("resetUrl"))
	e.secrets = append(e.secrets, reset)
	after := e.login(t, email, "correct horse battery").str("token")
	want(t, e.call("PATCH", "/v1/users/"+uid, e.admin, map[string]any{"name": "Renamed"}), 200)
	want(t, e.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": reset, "password": "a fresh passphrase"}), 204)
	for _, s := range []string{before, after} {
		gateway(t, e.call("GET", "/v1/me", s, nil), 403, "Forbidden")
	}
	want(t, e.login(t, email, "correct horse battery"), 401, "invalid_credentials")
	want(t, e.login(t, email, "a fresh passphrase"), 200)

	// Deactivated since the link was made: the link is dead.
	r = e.call("POST", "/v1/users/"+uid+"/password-reset", e.admin, nil)
	want(t, r, 202)
	reset = linkToken(t, r.str("resetUrl"))
	e.secrets = append(e.secrets, reset)
	want(t, e.call("POST", "/v1/users/"+uid+"/deactivate", e.admin, nil), 200)
	want(t, e.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": reset, "password": "yet another passphrase"}), 410, "reset_token_invalid")
}

// An invitation's Idempotency-Key is looked up alongside the request's own
// reads, not before them: whatever the request now runs into, a key used
// before answers with the first response, or 422 for another body.
func TestInvitationKeysReplayWhateverHappenedSince(t *testing.T) {
	e := newEnv(t)
	email := uniq(t, "idem")
	body := map[string]any{"email": email, "name": "Idem"}
	first := e.call("POST", "/v1/invitations", e.admin, body, "Idempotency-Key", "k-1")
	want(t, first, 201)
	tok := linkToken(t, first.str("inviteUrl"))
	e.secrets = append(e.secrets, tok)
	inv := first.JSON()["invitation"].(map[string]any)
	if inv["emailStatus"] != "sent" || inv["sendCount"] != float64(1) {
		t.Fatalf("first: %s", first.Body)
	}
	same := func(label string) {
		t.Helper()
		r := e.call("POST", "/v1/invitations", e.admin, body, "Idempotency-Key", "k-1")
		want(t, r, 201)
		if string(r.Body) != string(first.Body) || r.Header.Get("Idempotent-Replayed") != "true" || r.Header.Get("Location") != first.Header.Get("Location") {
			t.Fatalf("%s: replay differs:\n%s\n%s", label, first.Body, r.Body)
		}
	}
	same("pending")
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": email, "name": "Other"}, "Idempotency-Key", "k-1"), 422, "idempotency_key_reused")
	want(t, e.call("POST", "/v1/invitations", e.admin, map[string]any{"email": "not an email"}, "Idempotency-Key", "k-1"), 422, "idempotency_key_reused")
	// The request would now fail its own checks: still the first answer.
	e.setSettings(func(s *settings.Settings) { s.AllowedEmailDomains = []string{"elsewhere.example"} })
	same("domain no longer allowed")
	e.setSettings(func(s *settings.Settings) { s.AllowedEmailDomains = nil })
	acc := e.call("POST", "/v1/invitations/accept", "", map[string]any{"token": tok, "password": "a long enough secret"})
	want(t, acc, 201)
	e.secrets = append(e.secrets, acc.JSON()["session"].(map[string]any)["token"].(string))
	same("accepted since")
	if n := len(testenv.MailsTo(t, email, 2)); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
	// A fresh key for an address that now has a user.
	want(t, e.call("POST", "/v1/invitations", e.admin, body, "Idempotency-Key", "k-2"), 409, "user_exists")
}
