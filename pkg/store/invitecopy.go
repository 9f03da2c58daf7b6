package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/token"
)

// inviteCopy is the part of an invitation that its link token (TOKEN#<hash>)
// carries, so that preview and accept find the invitation with one GetItem.
// The invitation item embeds it, so the two cannot drift apart.
//
// It is exact for every field it holds: each change of them rewrites the
// token item in the same transaction (create, resend, revoke, accept, expiry
// by the cleanup or by a new invitation to the address). The one exception is
// Workspaces: withdrawing the grant of a deleted workspace (dropGrant) leaves
// it listed here, and readers skip workspaces that no longer exist (preview
// shows only named ones; accept's transaction requires each workspace).
// Email status fields (emailStatus, sendCount, lastSentAt) and the version are
// not copied: recording a send does not touch the token.
//
// Links issued before the copy existed have none; they are read through the
// invitation item as before, and get a copy when their status next changes.
type inviteCopy struct {
	Email         string  `dynamodbav:"email"`
	Name          string  `dynamodbav:"name,omitempty"`
	Role          string  `dynamodbav:"role"`
	Workspaces    []Grant `dynamodbav:"workspaces"`
	Status        string  `dynamodbav:"status"`
	CreatedAt     string  `dynamodbav:"createdAt"`
	ExpiresAt     string  `dynamodbav:"expiresAt"`
	InvitedByType string  `dynamodbav:"invitedByType"`
	InvitedByID   string  `dynamodbav:"invitedById"`
	DelegatedBy   string  `dynamodbav:"delegatedBy,omitempty"` // a workspace owner/admin who invited by delegation
}

// withGrants is c with an empty, never a null, list of workspaces.
func (c inviteCopy) withGrants() inviteCopy {
	if c.Workspaces == nil {
		c.Workspaces = []Grant{}
	}
	return c
}

func (it invitationItem) linkCopy() *inviteCopy {
	c := it.inviteCopy.withGrants()
	return &c
}

// item is the invitation as far as the copy knows it.
func (c inviteCopy) item(id, hash string) invitationItem {
	return invitationItem{ID: id, inviteCopy: c.withGrants(), TokenHash: hash}
}

// putInviteToken writes an invitation's link token with its copy. A new
// link is put only where none exists (fresh: the hash must be unused); the
// current link is overwritten, so that its copy follows the invitation.
func (s *Store) putInviteToken(t *tx, it invitationItem, fresh bool) {
	exp, _ := time.Parse(TimeFormat, it.ExpiresAt)
	item := marshal(withExpiry(tokenItem{PK: tokenPK(it.TokenHash), SK: skToken, Kind: KindInvite, TokenID: it.ID, ExpiresAt: it.ExpiresAt,
		TTL: exp.AddDate(0, 0, 30).Unix(), Invite: it.linkCopy()}))
	if fresh {
		s.put(t, item, "attribute_not_exists(PK)", nil, errRetry)
		return
	}
	s.put(t, item, "", nil, nil)
}

// InviteLink is an invitation found by its link token, still usable when it
// was read: what preview shows and what accept spends.
type InviteLink struct {
	// Invitation is the invitation as the link shows it. Read through the
	// token's copy, its email status fields are not filled in.
	Invitation Invitation
	it         invitationItem
}

// OpenInvitation finds the invitation of a link token with one read (two for
// links issued before tokens carried a copy) and refuses one that can no
// longer be accepted. Unknown tokens (never issued, or replaced by a resend)
// are not_found.
func (s *Store) OpenInvitation(ctx context.Context, secret string) (*InviteLink, error) {
	if k, err := token.Parse(secret); err != nil || k != token.Invite {
		return nil, problem.ErrNotFound
	}
	hash := token.Hash(secret)
	item, err := s.getItem(ctx, tokenPK(hash), skToken)
	if err != nil {
		return nil, err
	}
	var ti tokenItem
	if item == nil || attributevalue.UnmarshalMap(item, &ti) != nil || ti.Kind != KindInvite {
		return nil, problem.ErrNotFound
	}
	var it invitationItem
	if ti.Invite != nil {
		it = ti.Invite.item(ti.TokenID, hash)
	} else if it, err = s.invitationWithLink(ctx, ti.TokenID, hash); err != nil {
		return nil, err
	}
	now := s.now()
	if err := usable(it, now); err != nil {
		return nil, err
	}
	return &InviteLink{Invitation: it.view(now), it: it}, nil
}

// invitationWithLink reads an invitation whose current link has hash.
func (s *Store) invitationWithLink(ctx context.Context, id, hash string) (invitationItem, error) {
	it, err := s.getInvitation(ctx, id)
	if err != nil {
		return it, err
	}
	if it.TokenHash != hash {
		return it, problem.ErrNotFound
	}
	return it, nil
}
