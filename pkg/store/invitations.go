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

// Invitation statuses.
const (
	InvitePending  = "pending"
	InviteAccepted = "accepted"
	InviteRevoked  = "revoked"
	InviteExpired  = "expired"
)

// Email statuses of an invitation.
const (
	EmailSent    = "sent"
	EmailFailed  = "failed"
	EmailNotSent = "not_sent"
)

var (
	ErrInvitationExists     = problem.New(http.StatusConflict, "invitation_exists", "a pending invitation for this email already exists")
	ErrInvitationNotPending = problem.New(http.StatusConflict, "invitation_not_pending", "the invitation is no longer pending")
	ErrInvitationExpired    = problem.New(http.StatusGone, "invitation_expired", "this invitation has expired")
	ErrInvitationUsed       = problem.New(http.StatusGone, "invitation_used", "this invitation was already accepted")
	ErrInvitationRevoked    = problem.New(http.StatusGone, "invitation_revoked", "this invitation was revoked")
	ErrGrantWithdrawn       = problem.New(http.StatusConflict, "grant_withdrawn", "whoever invited you may no longer grant this workspace role; ask for a new invitation")
	ErrRateLimited          = &problem.Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Detail: "too many invitations this hour; try again later", RetryAfter: 60}
)

// Grant is a workspace membership an invitation gives.
type Grant struct {
	WorkspaceID string `json:"workspaceId" dynamodbav:"workspaceId"`
	Role        string `json:"role" dynamodbav:"role"`
}

// Invitation is an invitation as the API shows it.
type Invitation struct {
	ID          string  `json:"id"`
	Email       string  `json:"email"`
	Name        *string `json:"name"`
	Role        string  `json:"role"`
	Workspaces  []Grant `json:"workspaces"`
	Status      string  `json:"status"`
	CreatedAt   string  `json:"createdAt"`
	ExpiresAt   string  `json:"expiresAt"`
	InvitedBy   Ref     `json:"invitedBy"`
	AcceptedAt  *string `json:"acceptedAt"`
	UserID      *string `json:"userId"`
	EmailStatus string  `json:"emailStatus"`
	SendCount   int     `json:"sendCount"`
	LastSentAt  *string `json:"lastSentAt"`
	Version     int64   `json:"-"` // of the stored item: RecordSend conditions on it
}

type invitationItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	LP          string `dynamodbav:"LP"`
	SC          string `dynamodbav:"SC"`
	ID          string `dynamodbav:"id"`
	inviteCopy         // flattened: the fields its link token carries too
	AcceptedAt  string `dynamodbav:"acceptedAt,omitempty"`
	UserID      string `dynamodbav:"userId,omitempty"`
	EmailStatus string `dynamodbav:"emailStatus"`
	SendCount   int    `dynamodbav:"sendCount"`
	LastSentAt  string `dynamodbav:"lastSentAt,omitempty"`
	TokenHash   string `dynamodbav:"tokenHash"`
	Version     int64  `dynamodbav:"version"`
}

// view is the invitation as shown at time now: a pending invitation past its
// expiry shows as expired even before the cleanup job records it.
func (it invitationItem) view(now time.Time) Invitation {
	v := Invitation{ID: it.ID, Email: it.Email, Name: optional(it.Name), Role: it.Role, Workspaces: it.Workspaces,
		Status: it.Status, CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt, InvitedBy: Ref{Type: it.InvitedByType, ID: it.InvitedByID},
		AcceptedAt: optional(it.AcceptedAt), UserID: optional(it.UserID), EmailStatus: it.EmailStatus, SendCount: it.SendCount, LastSentAt: optional(it.LastSentAt),
		Version: it.Version}
	if v.Workspaces == nil {
		v.Workspaces = []Grant{}
	}
	if v.Status == InvitePending && it.ExpiresAt <= stamp(now) {
		v.Status = InviteExpired
	}
	return v
}

func invitePK(id string) string     { return "INVITE#" + id }
func inviteGuardPK(e string) string { return "INVEMAIL#" + e }
func inviteCounter(status string) string {
	return "i_" + status
}

const (
	skInvite      = "INVITE"
	skInviteGuard = "INVEMAIL"
	skListEmail   = "LIST#EMAIL"
	lpInvites     = "INVITES"
)

// putInvitation writes the invitation and its listing copies (by status and
// by email); the main item carries cond.
func (s *Store) putInvitation(t *tx, it invitationItem, cond string, vals map[string]types.AttributeValue, onFail error) {
	it.PK, it.SK, it.LP, it.SC = invitePK(it.ID), skInvite, lpInvites, it.CreatedAt+"#"+it.ID
	s.put(t, marshal(it), cond, vals, onFail)
	byStatus, byEmail := it, it
	byStatus.SK, byStatus.LP = skListStatus, lpInvites+"#STATUS#"+it.Status
	byEmail.SK, byEmail.LP = skListEmail, lpInvites+"#EMAIL#"+it.Email
	s.put(t, marshal(byStatus), "", nil, nil)
	s.put(t, marshal(byEmail), "", nil, nil)
}

func (s *Store) getInvitation(ctx context.Context, id string) (invitationItem, error) {
	return getAs[invitationItem](ctx, s, invitePK(id), skInvite)
}

// GetInvitation reads one invitation.
func (s *Store) GetInvitation(ctx context.Context, id string) (Invitation, error) {
	it, err := s.getInvitation(ctx, id)
	if err != nil {
		return Invitation{}, err
	}
	return it.view(s.now()), nil
}

// NewInvitation is what inviting needs.
type NewInvitation struct {
	Email, Name, Role string
	Workspaces        []Grant
	Days              int
	InvitedBy         Ref
	PerHour           int    // the caller's hourly invitation limit
	DelegatedBy       string // set when a workspace owner/admin invites into their workspaces
	Idem              *Idem  // with Render, records the response in the same transaction
	Render            func(inv Invitation, secret string) []byte
}

// MaxGrants bounds the workspaces one invitation joins, so that accepting it
// stays one transaction.
const MaxGrants = 10

func grantSK(invID string) string { return "INVGRANT#" + invID }

// rateLimit counts one invitation against the caller's hourly budget.
func (s *Store) rateLimit(t *tx, actor string, perHour int, now time.Time) {
	hour := now.Format("2006010215")
	s.update(t, "RATE#INVITES#"+actor, hour, "ADD #n :one SET #ttl = :ttl", "attribute_not_exists(#n) OR #n < :limit",
		map[string]types.AttributeValue{":one": num(1), ":limit": num(int64(perHour)), ":ttl": num(now.Add(2 * time.Hour).Unix())}, ErrRateLimited)
}

// CreateInvitation stores a pending invitation with its single-use link
// token. The address must have no user and no live pending invitation; a
// pending one past its expiry is recorded as expired in the same transaction.
//
// With in.Idem, the key is looked up alongside the address guard (one round
// of reads): a key used before returns errIdemRace (IsIdemRace) or
// ErrIdempotencyReused and nothing is written. The record is the first item
// of the transaction, so a concurrent first use of the key also ends there.
func (s *Store) CreateInvitation(ctx context.Context, c *Caller, in NewInvitation) (Invitation, string, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		now := s.now()
		var idemErr error
		wait := func() {}
		if in.Idem != nil && attempt == 0 {
			wait = alongside(func() {
				rep, err := s.IdemLookup(ctx, in.Idem)
				if idemErr = err; err == nil && rep != nil {
					idemErr = errIdemRace
				}
			})
		}
		guard, err := s.getItem(ctx, inviteGuardPK(in.Email), skInviteGuard)
		wait()
		if idemErr != nil {
			return Invitation{}, "", idemErr
		}
		if err != nil {
			return Invitation{}, "", err
		}
		var old *invitationItem
		if guard != nil {
			var g struct {
				InvitationID string `dynamodbav:"invitationId"`
				ExpiresAt    string `dynamodbav:"expiresAt"`
			}
			if err := attributevalue.UnmarshalMap(guard, &g); err != nil {
				return Invitation{}, "", fail(err)
			}
			if g.ExpiresAt > stamp(now) {
				return Invitation{}, "", ErrInvitationExists
			}
			it, err := s.getInvitation(ctx, g.InvitationID)
			if err != nil && err != problem.ErrNotFound {
				return Invitation{}, "", err
			}
			if err == nil {
				old = &it
			}
		}
		secret := token.New(token.Invite)
		exp := now.AddDate(0, 0, in.Days)
		it := invitationItem{ID: newID(), inviteCopy: inviteCopy{Email: in.Email, Name: in.Name, Role: in.Role, Workspaces: in.Workspaces,
			Status: InvitePending, CreatedAt: stamp(now), ExpiresAt: stamp(exp), InvitedByType: in.InvitedBy.Type, InvitedByID: in.InvitedBy.ID,
			DelegatedBy: in.DelegatedBy}.withGrants(), EmailStatus: EmailNotSent, TokenHash: token.Hash(secret), Version: 1}
		var t tx
		if in.Idem != nil {
			s.putIdem(&t, in.Idem, http.StatusCreated, in.Render(it.view(now), secret))
		}
		if in.DelegatedBy != "" {
			s.guardDelegates(&t, in.DelegatedBy, it.Workspaces)
		} else {
			s.guard(&t, c, now)
		}
		for _, g := range it.Workspaces {
			// Indexed under the workspace, so that deleting it withdraws the grant.
			s.put(&t, map[string]types.AttributeValue{attrPK: str(wsPK(g.WorkspaceID)), attrSK: str(grantSK(it.ID)), "invitationId": str(it.ID)},
				"", nil, nil)
			s.check(&t, wsPK(g.WorkspaceID), skWorkspace, "attribute_exists(PK)", nil, problem.Invalid(problem.FieldError{Field: "workspaces", Message: "no such workspace: " + g.WorkspaceID}))
		}
		s.rateLimit(&t, in.InvitedBy.ID, in.PerHour, now)
		s.check(&t, emailPK(in.Email), skEmail, "attribute_not_exists(PK)", nil, ErrUserExists)
		gi := map[string]types.AttributeValue{attrPK: str(inviteGuardPK(in.Email)), attrSK: str(skInviteGuard),
			"invitationId": str(it.ID), "expiresAt": str(it.ExpiresAt), "ttl": num(exp.AddDate(0, 0, 30).Unix())}
		if guard == nil {
			s.put(&t, gi, "attribute_not_exists(PK)", nil, errRetry)
		} else {
			s.put(&t, gi, "#expiresAt = :old", map[string]types.AttributeValue{":old": guard["expiresAt"]}, errRetry)
		}
		if old != nil && old.Status == InvitePending {
			o := *old
			o.Status, o.Version = InviteExpired, o.Version+1
			s.putInvitation(&t, o, "#version = :v", map[string]types.AttributeValue{":v": num(old.Version)}, errRetry)
			s.putInviteToken(&t, o, false)
			t.count(inviteCounter(InvitePending), -1)
			t.count(inviteCounter(InviteExpired), 1)
			s.audit(ctx, &t, System, "invitation.expired", Ref{Type: "invitation", ID: o.ID}, map[string]any{"email": o.Email})
		}
		s.audit(ctx, &t, actorOf(c), "invitation.created", Ref{Type: "invitation", ID: it.ID},
			map[string]any{"email": it.Email, "role": it.Role, "workspaces": len(it.Workspaces), "expiresAt": it.ExpiresAt})
		s.putInvitation(&t, it, "attribute_not_exists(PK)", nil, errRetry)
		s.putExpiryMarker(&t, it)
		s.putInviteToken(&t, it, true)
		t.count(inviteCounter(InvitePending), 1)
		err = s.commit(ctx, &t)
		if errors.Is(err, errRetry) {
			continue
		}
		if err != nil {
			return Invitation{}, "", err
		}
		return it.view(now), secret, nil
	}
	return Invitation{}, "", problem.ErrUnavailable
}

// changeInvitation applies an optimistic change to a stored invitation.
func (s *Store) changeInvitation(ctx context.Context, id string, decide func(it invitationItem, now time.Time) error,
	build func(t *tx, it *invitationItem, now time.Time)) (invitationItem, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		it, err := s.getInvitation(ctx, id)
		if err != nil {
			return it, err
		}
		now := s.now()
		if err := decide(it, now); err != nil {
			return it, err
		}
		var t tx
		next := it
		next.Version++
		build(&t, &next, now)
		s.putInvitation(&t, next, "#version = :v", map[string]types.AttributeValue{":v": num(it.Version)}, errRetry)
		err = s.commit(ctx, &t)
		if errors.Is(err, errRetry) {
			continue
		}
		return next, err
	}
	return invitationItem{}, problem.ErrUnavailable
}

// RecordSend stores the outcome of sending an invitation's mail. inv is the
// invitation as created or resent (its Version says which stored state it
// is): the outcome is written by one transaction conditioned on that version,
// without reading the invitation first, and the answer is inv with the
// outcome applied. Only if the invitation changed meanwhile is it read and
// the outcome applied to what is stored.
//
// With idem, the stored Idempotency-Key answer is replaced in the same
// transaction by render's (so that a replay tells what happened to the mail).
// Should that record be gone, the outcome is recorded without it.
func (s *Store) RecordSend(ctx context.Context, inv Invitation, sent bool, idem *Idem, render func(Invitation) []byte) (Invitation, error) {
	for {
		out, err := s.recordSend(ctx, inv, sent, idem, render)
		if errors.Is(err, errIdemGone) && idem != nil {
			idem = nil
			continue
		}
		return out, err
	}
}

func (s *Store) recordSend(ctx context.Context, inv Invitation, sent bool, idem *Idem, render func(Invitation) []byte) (Invitation, error) {
	now := s.now()
	next := inv
	next.Version++
	expr := "SET #emailStatus = :es ADD #version :one"
	vals := map[string]types.AttributeValue{":es": str(EmailFailed), ":one": num(1)}
	if sent {
		next.EmailStatus, next.SendCount, next.LastSentAt = EmailSent, inv.SendCount+1, optional(stamp(now))
		expr = "SET #emailStatus = :es, #lastSentAt = :now ADD #sendCount :one, #version :one"
		vals[":es"], vals[":now"] = str(EmailSent), str(stamp(now))
	} else {
		next.EmailStatus = EmailFailed
	}
	cond := map[string]types.AttributeValue{":v": num(inv.Version)}
	for k, v := range vals {
		cond[k] = v
	}
	var t tx
	s.update(&t, invitePK(inv.ID), skInvite, expr, "#version = :v", cond, errRetry)
	// The listing copies hold the same fields: the same change keeps them equal.
	s.update(&t, invitePK(inv.ID), skListStatus, expr, "", vals, nil)
	s.update(&t, invitePK(inv.ID), skListEmail, expr, "", vals, nil)
	if idem != nil {
		s.idemAnswer(&t, idem, render(next))
	}
	err := s.commit(ctx, &t)
	if err == nil {
		return next, nil
	}
	if !errors.Is(err, errRetry) {
		return inv, err
	}
	// Changed since (a concurrent resend, revoke or accept): apply the
	// outcome to what is stored now.
	it, err := s.changeInvitation(ctx, inv.ID, func(invitationItem, time.Time) error { return nil }, func(t *tx, it *invitationItem, now time.Time) {
		if sent {
			it.EmailStatus, it.SendCount, it.LastSentAt = EmailSent, it.SendCount+1, stamp(now)
		} else {
			it.EmailStatus = EmailFailed
		}
		if idem != nil {
			s.idemAnswer(t, idem, render(it.view(now)))
		}
	})
	if err != nil {
		return inv, err
	}
	return it.view(s.now()), nil
}

// ResendInvitation gives a pending invitation a new link and expiry; the old
// link stops working.
// mayHandle refuses a caller who could not have granted what the
// invitation grants: its link is as good as the role it carries.
func mayHandle(c *Caller, it invitationItem) error {
	if c != nil && !c.P.CanGrant(auth.Role(it.Role)) {
		return ErrSuperAdminOnly
	}
	return nil
}

// pendingFor lets c act on an invitation it may handle that is still pending.
func pendingFor(c *Caller) func(invitationItem, time.Time) error {
	return func(it invitationItem, _ time.Time) error {
		if err := mayHandle(c, it); err != nil {
			return err
		}
		if it.Status != InvitePending {
			return ErrInvitationNotPending
		}
		return nil
	}
}

func (s *Store) ResendInvitation(ctx context.Context, c *Caller, id string, days, perHour int) (Invitation, string, error) {
	secret := token.New(token.Invite)
	it, err := s.changeInvitation(ctx, id, pendingFor(c), func(t *tx, it *invitationItem, now time.Time) {
		exp := now.AddDate(0, 0, days)
		s.guard(t, c, now)
		s.rateLimit(t, c.P.ID, perHour, now)
		s.del(t, tokenPK(it.TokenHash), skToken, "", nil, nil)
		it.TokenHash, it.ExpiresAt = token.Hash(secret), stamp(exp)
		s.putExpiryMarker(t, *it)
		s.putInviteToken(t, *it, true)
		s.put(t, map[string]types.AttributeValue{attrPK: str(inviteGuardPK(it.Email)), attrSK: str(skInviteGuard),
			"invitationId": str(it.ID), "expiresAt": str(it.ExpiresAt), "ttl": num(exp.AddDate(0, 0, 30).Unix())}, "#invitationId = :id",
			map[string]types.AttributeValue{":id": str(it.ID)}, errRetry)
		s.audit(ctx, t, actorOf(c), "invitation.resent", Ref{Type: "invitation", ID: it.ID}, map[string]any{"email": it.Email, "expiresAt": it.ExpiresAt})
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return it.view(s.now()), secret, nil
}

// RevokeInvitation revokes a pending invitation; its link stops working.
func (s *Store) RevokeInvitation(ctx context.Context, c *Caller, id string) error {
	_, err := s.changeInvitation(ctx, id, pendingFor(c), func(t *tx, it *invitationItem, now time.Time) {
		s.guard(t, c, now)
		it.Status = InviteRevoked
		s.putInviteToken(t, *it, false) // the link now answers "revoked" by itself
		s.del(t, invitePK(it.ID), skExpiry, "", nil, nil)
		s.del(t, inviteGuardPK(it.Email), skInviteGuard, "#invitationId = :id", map[string]types.AttributeValue{":id": str(it.ID)}, errRetry)
		t.count(inviteCounter(InvitePending), -1)
		t.count(inviteCounter(InviteRevoked), 1)
		s.audit(ctx, t, actorOf(c), "invitation.revoked", Ref{Type: "invitation", ID: it.ID}, map[string]any{"email": it.Email})
	})
	return err
}

// usable refuses an invitation that can no longer be accepted.
func usable(it invitationItem, now time.Time) error {
	switch {
	case it.Status == InviteAccepted:
		return ErrInvitationUsed
	case it.Status == InviteRevoked:
		return ErrInvitationRevoked
	case it.Status == InviteExpired || it.ExpiresAt <= stamp(now):
		return ErrInvitationExpired
	}
	return nil
}

// PreviewInvitation shows what the holder of a link token is invited to (its
// email status fields are not filled in).
func (s *Store) PreviewInvitation(ctx context.Context, secret string) (Invitation, error) {
	l, err := s.OpenInvitation(ctx, secret)
	if err != nil {
		return Invitation{}, err
	}
	return l.Invitation, nil
}

// AcceptInvitation spends a link token: in one transaction the invitation
// becomes accepted (exactly once, whatever the concurrency), the user is
// created with the role the invitation holds, and a session opens.
func (s *Store) AcceptInvitation(ctx context.Context, secret, name, passwordHash string, sessionTTL time.Duration) (User, Session, error) {
	l, err := s.OpenInvitation(ctx, secret)
	if err != nil {
		return User{}, Session{}, err
	}
	return s.AcceptLink(ctx, l, name, passwordHash, sessionTTL)
}

// AcceptLink is AcceptInvitation for a link already opened: its first
// attempt writes from what OpenInvitation read, without reading again. That
// is safe because the transaction requires the invitation to be pending,
// unexpired and still on this link, and every workspace it joins to exist;
// what else it copies (email, name, role, inviter) never changes. Should any
// condition fail, the invitation is read afresh and the answer decided by it.
func (s *Store) AcceptLink(ctx context.Context, l *InviteLink, name, passwordHash string, sessionTTL time.Duration) (User, Session, error) {
	it := l.it
	for attempt := 0; attempt < maxAttempts; attempt++ {
		now := s.now()
		// First attempt: every granted workspace is taken to exist; the
		// transaction's condition on each says otherwise.
		grants := it.Workspaces
		if attempt > 0 {
			var err error
			if it, err = s.invitationWithLink(ctx, it.ID, it.TokenHash); err != nil {
				return User{}, Session{}, err
			}
			if grants, err = s.liveGrants(ctx, it); err != nil {
				return User{}, Session{}, err
			}
		}
		if err := usable(it, now); err != nil {
			return User{}, Session{}, err
		}
		if name == "" {
			name = it.Name
		}
		u := s.newUserItem(NewUser{Email: it.Email, Name: name, Role: it.Role, PasswordHash: passwordHash,
			InvitedBy: &Ref{Type: it.InvitedByType, ID: it.InvitedByID}}, now)
		u.TokenRev = 1
		u.WsCount = int64(len(grants))
		sessSecret := token.New(token.Session)
		sessExp := now.Add(sessionTTL)
		sessID := newID()

		// The invitation and its copies change by update, not by rewrite:
		// fields not read here (the email status) stay as stored.
		var t tx
		vals := map[string]types.AttributeValue{":acc": str(InviteAccepted), ":now": str(stamp(now)), ":uid": str(u.ID), ":one": num(1)}
		set := "SET #status = :acc, #acceptedAt = :now, #userId = :uid ADD #version :one"
		cond := map[string]types.AttributeValue{":pending": str(InvitePending), ":h": str(it.TokenHash)}
		for k, v := range vals {
			cond[k] = v
		}
		s.update(&t, invitePK(it.ID), skInvite, set, "#status = :pending AND #expiresAt > :now AND #tokenHash = :h", cond, errRetry)
		s.update(&t, invitePK(it.ID), skListEmail, set, "", vals, nil)
		byStatus := map[string]types.AttributeValue{":lp": str(lpInvites + "#STATUS#" + InviteAccepted)}
		for k, v := range vals {
			byStatus[k] = v
		}
		s.update(&t, invitePK(it.ID), skListStatus, "SET #status = :acc, #acceptedAt = :now, #userId = :uid, #LP = :lp ADD #version :one", "", byStatus, nil)
		next := it
		next.Status, next.AcceptedAt, next.UserID = InviteAccepted, stamp(now), u.ID
		s.putInviteToken(&t, next, false) // the link now answers "used" by itself
		s.del(&t, inviteGuardPK(it.Email), skInviteGuard, "", nil, nil)
		s.del(&t, invitePK(it.ID), skExpiry, "", nil, nil)
		s.addUserCreate(&t, u)
		s.countSuper(&t, false, u.isActiveSuper())
		s.put(&t, marshal(sessionItem{PK: userPK(u.ID), SK: skSession + sessID, ID: sessID, CreatedAt: stamp(now),
			ExpiresAt: stamp(sessExp), Hash: token.Hash(sessSecret)}), "", nil, nil)
		s.putUserToken(&t, u, KindSession, sessID, sessSecret, stamp(sessExp), ttlAfter(sessExp))
		t.count(inviteCounter(InvitePending), -1)
		t.count(inviteCounter(InviteAccepted), 1)
		invitee := AuditActor{Type: "user", ID: u.ID, Email: u.Email}
		var granted []map[string]any
		for _, g := range grants {
			granted = append(granted, map[string]any{"workspaceId": g.WorkspaceID, "role": g.Role})
		}
		s.audit(ctx, &t, invitee, "invitation.accepted", Ref{Type: "invitation", ID: it.ID}, map[string]any{"userId": u.ID, "memberships": granted})
		s.audit(ctx, &t, invitee, "user.created", Ref{Type: "user", ID: u.ID}, map[string]any{"email": u.Email, "role": u.Role, "invitationId": it.ID})
		if it.DelegatedBy != "" && len(grants) > 0 {
			// A delegated grant holds only while its inviter may still give it.
			s.check(&t, userPK(it.DelegatedBy), skUser, "#status = :active", map[string]types.AttributeValue{":active": str(StatusActive)}, ErrGrantWithdrawn)
		}
		for _, g := range grants {
			s.putMembership(&t, memberItem{WorkspaceID: g.WorkspaceID, UserID: u.ID, Role: g.Role, AddedAt: stamp(now)}, "", nil, nil)
			expr, vals := "ADD #memberCount :one", map[string]types.AttributeValue{":one": num(1)}
			if g.Role == WorkspaceOwner {
				expr += ", #ownerCount :one"
			}
			s.update(&t, wsPK(g.WorkspaceID), skWorkspace, expr, "attribute_exists(PK)", vals, errRetry)
			t.count(counterMemberships, 1)
			if it.DelegatedBy != "" {
				s.checkGrantor(&t, it.DelegatedBy, g)
			}
		}
		err := s.commit(ctx, &t)
		if errors.Is(err, errRetry) {
			continue // re-read: the invitation's new state decides the answer
		}
		if err != nil {
			return User{}, Session{}, err
		}
		return u.user(), Session{Token: sessSecret, ExpiresAt: stamp(sessExp)}, nil
	}
	return User{}, Session{}, problem.ErrUnavailable
}

// InvitationQuery selects a page of invitations, newest first.
type InvitationQuery struct {
	Status, Email string
	Limit         int
	Cursor        string
}

// ListInvitations pages through invitations. The exact total comes from the
// counters (or, for one address, from its few invitations), read alongside.
func (s *Store) ListInvitations(ctx context.Context, q InvitationQuery) (Page[Invitation], error) {
	lp := lpInvites
	switch {
	case q.Email != "":
		lp = lpInvites + "#EMAIL#" + q.Email
	case q.Status != "":
		lp = lpInvites + "#STATUS#" + q.Status
	}
	scope := "invitations|" + lp + "|" + q.Status
	keyAttrs := []string{attrPK, attrSK, attrLP, attrSC}
	start, err := s.decodeCursor(scope, q.Cursor, keyAttrs...)
	if err != nil {
		return Page[Invitation]{}, err
	}
	now := s.now()
	in := &dynamodb.QueryInput{
		IndexName: aws.String(indexByCreated), ScanIndexForward: aws.Bool(false), ExclusiveStartKey: start,
		KeyConditionExpression:    aws.String("LP = :lp"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":lp": str(lp)},
	}
	switch {
	case q.Email != "" && q.Status != "":
		in.FilterExpression = aws.String("#status = :st")
		in.ExpressionAttributeNames = map[string]string{"#status": "status"}
		in.ExpressionAttributeValues[":st"] = str(q.Status)
	case q.Status == InvitePending:
		// Past its expiry a pending invitation shows as expired: keep it out
		// of the pending list even before the cleanup job records it.
		in.FilterExpression = aws.String("#expiresAt > :now")
		in.ExpressionAttributeNames = map[string]string{"#expiresAt": "expiresAt"}
		in.ExpressionAttributeValues[":now"] = str(stamp(now))
	}
	return withTotal(func() (Page[Invitation], error) {
		return queryPage(ctx, s, in, scope, q.Limit, keyAttrs, func(it invitationItem) Invitation { return it.view(now) })
	}, func() (int64, error) {
		if q.Email != "" {
			return s.countPartition(ctx, lp, q.Status)
		}
		c, err := s.Counters(ctx)
		var total int64
		for _, st := range []string{InvitePending, InviteAccepted, InviteRevoked, InviteExpired} {
			if q.Status == "" || q.Status == st {
				total += c.values[inviteCounter(st)]
			}
		}
		return total, err
	})
}

// countPartition counts one address's invitations (a handful at most).
func (s *Store) countPartition(ctx context.Context, lp, status string) (int64, error) {
	in := &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(indexByCreated), Select: types.SelectCount,
		KeyConditionExpression:    aws.String("LP = :lp"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":lp": str(lp)},
	}
	if status != "" {
		in.FilterExpression = aws.String("#status = :st")
		in.ExpressionAttributeNames = map[string]string{"#status": "status"}
		in.ExpressionAttributeValues[":st"] = str(status)
	}
	var n int64
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return 0, fail(err)
		}
		n += int64(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// liveGrants are the invitation's grants on workspaces that still exist.
func (s *Store) liveGrants(ctx context.Context, it invitationItem) ([]Grant, error) {
	ids := make([]string, len(it.Workspaces))
	for i, g := range it.Workspaces {
		ids[i] = g.WorkspaceID
	}
	ws, err := s.workspacesByIDRaw(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []Grant
	for _, g := range it.Workspaces {
		if _, ok := ws[g.WorkspaceID]; ok {
			out = append(out, g)
		}
	}
	return out, nil
}

// guardDelegates checks that a delegated inviter is active and still an
// owner or admin of every workspace, able to give each role.
func (s *Store) guardDelegates(t *tx, userID string, grants []Grant) {
	s.check(t, userPK(userID), skUser, "#status = :active", map[string]types.AttributeValue{":active": str(StatusActive)}, ErrCallerChanged)
	for _, g := range grants {
		s.checkGrantor(t, userID, g)
	}
}

// checkGrantor checks that userID may give role g.Role in g's workspace: an
// owner gives any role, an admin any but owner.
func (s *Store) checkGrantor(t *tx, userID string, g Grant) {
	vals := map[string]types.AttributeValue{":o": str(WorkspaceOwner)}
	cond := "#role = :o"
	if g.Role != WorkspaceOwner {
		cond = "#role IN (:o, :a)"
		vals[":a"] = str(WorkspaceAdmin)
	}
	s.check(t, wsPK(g.WorkspaceID), memberSK(userID), cond, vals, ErrGrantWithdrawn)
}

// dropGrant withdraws a deleted workspace from a pending invitation.
func (s *Store) dropGrant(ctx context.Context, invID, wsID string) error {
	_, err := s.changeInvitation(ctx, invID, func(it invitationItem, _ time.Time) error {
		for _, g := range it.Workspaces {
			if g.WorkspaceID == wsID && it.Status == InvitePending {
				return nil
			}
		}
		return errNothingToDo
	}, func(_ *tx, it *invitationItem, _ time.Time) {
		kept := []Grant{}
		for _, g := range it.Workspaces {
			if g.WorkspaceID != wsID {
				kept = append(kept, g)
			}
		}
		it.Workspaces = kept
	})
	if err == errNothingToDo || err == problem.ErrNotFound {
		return nil
	}
	return err
}

var errNothingToDo = errors.New("store: nothing to do")

const skExpiry = "EXPIRY"

// putExpiryMarker lets the cleanup job find a pending invitation by its expiry.
func (s *Store) putExpiryMarker(t *tx, it invitationItem) {
	s.put(t, map[string]types.AttributeValue{attrPK: str(invitePK(it.ID)), attrSK: str(skExpiry),
		attrLP: str(lpExpiresInvite), "EX": str(it.ExpiresAt), "invitationId": str(it.ID)}, "", nil, nil)
}
