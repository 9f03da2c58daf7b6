package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/problem"
)

// CleanupReport says what one run of the cleanup did.
type CleanupReport struct {
	InvitationsExpired int   `json:"invitationsExpired"`
	Sessions           int   `json:"sessions"`
	APIKeys            int   `json:"apiKeys"`
	AdminTokens        int   `json:"adminTokens"`
	ResetTokens        int   `json:"resetTokens"`
	InviteTokens       int   `json:"inviteTokens"`
	IdempotencyRecords int   `json:"idempotencyRecords"`
	WorkspaceSweeps    int   `json:"workspaceSweeps"`
	Skipped            int   `json:"skipped"` // changed meanwhile by someone else: nothing to do
	Finished           bool  `json:"finished"`
	DurationMs         int64 `json:"durationMs"`
}

// cleanupBatch is how many expired items one query returns.
const cleanupBatch = 50

// Cleanup expires pending invitations past their expiry and deletes expired
// sessions, API keys, admin tokens, reset and invitation tokens and
// idempotency records, and finishes interrupted workspace sweeps. It finds
// them through the ByExpiry index (never a Scan), works in small batches of
// conditional transactions (so two runs at once, or a run racing an accept
// or a revoke, change each thing once), and stops once stopBy is near; the
// next run goes on where this one stopped.
func (s *Store) Cleanup(ctx context.Context, stopBy time.Time) (CleanupReport, error) {
	start := time.Now()
	var rep CleanupReport
	margin := 2 * time.Second
	now := stamp(s.now())
	for _, lp := range []string{lpExpiresInvite, lpExpiresToken, lpExpiresIdem} {
		// Read on past what was skipped, so that items someone else holds
		// never stall the run.
		var startKey map[string]types.AttributeValue
		for {
			if time.Until(stopBy) < margin {
				rep.DurationMs = time.Since(start).Milliseconds()
				return rep, nil
			}
			out, err := s.db.Query(ctx, &dynamodb.QueryInput{
				TableName: &s.table, IndexName: aws.String(indexByExpiry), Limit: aws.Int32(cleanupBatch), ExclusiveStartKey: startKey,
				KeyConditionExpression:    aws.String("LP = :lp AND EX < :now"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":lp": str(lp), ":now": str(now)},
			})
			if err != nil {
				return rep, fail(err)
			}
			for _, item := range out.Items {
				if err := s.cleanOne(ctx, lp, item, &rep); err != nil {
					return rep, err
				}
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			startKey = out.LastEvaluatedKey
		}
	}
	sweeps, _, err := s.queryKeys(ctx, pkSweep, "")
	if err != nil {
		return rep, err
	}
	for _, k := range sweeps {
		if time.Until(stopBy) < margin {
			rep.DurationMs = time.Since(start).Milliseconds()
			return rep, nil
		}
		if id, ok := k[attrSK].(*types.AttributeValueMemberS); ok && len(id.Value) > 3 {
			if err := s.SweepWorkspace(ctx, id.Value[3:]); err != nil {
				return rep, err
			}
			rep.WorkspaceSweeps++
		}
	}
	rep.Finished = true
	rep.DurationMs = time.Since(start).Milliseconds()
	return rep, nil
}

// cleanOne handles one expired item. A failed condition means someone else
// changed it first: it is skipped (the GSI read may also lag the table).
func (s *Store) cleanOne(ctx context.Context, lp string, item map[string]types.AttributeValue, rep *CleanupReport) error {
	var t tx
	var counter *int
	switch lp {
	case lpExpiresInvite:
		id, _ := item["invitationId"].(*types.AttributeValueMemberS)
		if id == nil {
			return nil
		}
		it, err := s.getInvitation(ctx, id.Value)
		if err == problem.ErrNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if it.Status != InvitePending || it.ExpiresAt <= stamp(s.now()) {
			s.del(&t, invitePK(id.Value), skExpiry, "", nil, nil)
		}
		if it.Status == InvitePending && it.ExpiresAt <= stamp(s.now()) {
			next := it
			next.Status, next.Version = InviteExpired, it.Version+1
			s.putInvitation(&t, next, "#version = :v AND #status = :pending", map[string]types.AttributeValue{
				":v": num(it.Version), ":pending": str(InvitePending)}, errRetry)
			s.putInviteToken(&t, next, false) // its link's copy says expired too
			// The guard may be gone already (its TTL backstop).
			s.del(&t, inviteGuardPK(it.Email), skInviteGuard, "attribute_not_exists(PK) OR #invitationId = :id", map[string]types.AttributeValue{":id": str(it.ID)}, errRetry)
			t.count(inviteCounter(InvitePending), -1)
			t.count(inviteCounter(InviteExpired), 1)
			s.audit(ctx, &t, System, "invitation.expired", Ref{Type: "invitation", ID: it.ID}, map[string]any{"email": it.Email, "expiresAt": it.ExpiresAt})
			counter = &rep.InvitationsExpired
		} else if it.Status == InvitePending {
			s.putExpiryMarker(&t, it) // resent since: keep watching the new expiry
		}
	case lpExpiresToken:
		var ti tokenItem
		if err := attributevalue.UnmarshalMap(item, &ti); err != nil {
			return fail(err)
		}
		s.del(&t, ti.PK, skToken, "attribute_exists(PK) AND #EX = :ex", map[string]types.AttributeValue{":ex": str(ti.EX)}, errRetry)
		switch ti.Kind {
		case KindSession:
			s.del(&t, userPK(ti.UserID), skSession+ti.TokenID, "", nil, nil)
			counter = &rep.Sessions
		case KindAPIKey:
			s.del(&t, userPK(ti.UserID), skAPIKey+ti.TokenID, "attribute_exists(PK)", nil, errRetry)
			s.update(&t, userPK(ti.UserID), skUser, "ADD #apiKeyCount :minus", "attribute_exists(PK)", map[string]types.AttributeValue{":minus": num(-1)}, errRetry)
			t.count(counterAPIKeys, -1)
			counter = &rep.APIKeys
		case KindAdminToken:
			s.del(&t, pkAdminTokens, ti.TokenID, "attribute_exists(PK)", nil, errRetry)
			t.count(counterAdminTokens, -1)
			counter = &rep.AdminTokens
		case KindReset:
			s.del(&t, userPK(ti.UserID), skReset+ti.TokenID, "", nil, nil)
			counter = &rep.ResetTokens
		case KindInvite:
			counter = &rep.InviteTokens
		}
	case lpExpiresIdem:
		pk, _ := item[attrPK].(*types.AttributeValueMemberS)
		ex, _ := item["EX"].(*types.AttributeValueMemberS)
		if pk == nil || ex == nil {
			return nil
		}
		s.del(&t, pk.Value, "IDEM", "#EX = :ex", map[string]types.AttributeValue{":ex": str(ex.Value)}, errRetry)
		counter = &rep.IdempotencyRecords
	}
	err := s.commit(ctx, &t)
	switch {
	case errors.Is(err, errRetry):
		rep.Skipped++
		return nil
	case err != nil:
		return err
	}
	if counter != nil {
		*counter++
	}
	return nil
}
