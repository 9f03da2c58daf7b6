package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/mail"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/settings"
	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/validate"
)

var errDomain = problem.New(http.StatusBadRequest, "email_domain_not_allowed", "invitations may only go to the allowed email domains")

// emailFailed is what a client learns about a failed send: never the cause.
const emailFailed = "the email could not be sent; the invitation is kept, use resend to try again"

type inviteBody struct {
	Email         Opt[string]   `json:"email"`
	Name          Opt[string]   `json:"name"`
	Role          Opt[string]   `json:"role"`
	Workspaces    []store.Grant `json:"workspaces"`
	ExpiresInDays Opt[int]      `json:"expiresInDays"`
	SendEmail     Opt[bool]     `json:"sendEmail"`
}

// inviteResult is the answer to creating or resending an invitation.
type inviteResult struct {
	Invitation store.Invitation `json:"invitation"`
	InviteURL  string           `json:"inviteUrl"`
	EmailSent  bool             `json:"emailSent"`
	EmailError string           `json:"emailError,omitempty"`
}

func link(base, secret string) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "token=" + secret
}

// linkSettings returns the settings in force with the link bases left empty
// (the deployed default) pointing at the console's pages on the host the
// request came to, so invite and reset mails work out of the box.
func (s *Server) linkSettings(r *http.Request) (settings.Settings, error) {
	set, err := s.Settings.Get(r.Context())
	if err != nil || r.Host == "" {
		return set, err
	}
	if set.InviteURLBase == "" {
		set.InviteURLBase = "https://" + r.Host + "/console/accept"
	}
	if set.PasswordResetURLBase == "" {
		set.PasswordResetURLBase = "https://" + r.Host + "/console/reset"
	}
	return set, nil
}

// invite validates one invitation, stores it and sends its mail. With idem,
// the answer is recorded for Idempotency-Key replays.
func (s *Server) invite(ctx context.Context, c *store.Caller, set settings.Settings, b inviteBody, idem *store.Idem) (inviteResult, error) {
	var f problem.Fields
	email := requiredEmail(&f, "email", b.Email)
	var name string
	if b.Name.Set && !b.Name.Null {
		var msg string
		if name, msg = validate.Name(b.Name.V); msg != "" {
			f.Add("name", msg)
		}
	}
	role := set.DefaultInviteRole
	if b.Role.Set && !b.Role.Null {
		role = b.Role.V
		checkRole(&f, role)
	}
	days := set.InviteExpiryDays
	if b.ExpiresInDays.Set && !b.ExpiresInDays.Null {
		if days = b.ExpiresInDays.V; days < 1 || days > 30 {
			f.Add("expiresInDays", "must be from 1 to 30")
		}
	}
	if len(b.Workspaces) > store.MaxGrants {
		f.Add("workspaces", "may name at most 10 workspaces")
	}
	seen := map[string]bool{}
	for i, g := range b.Workspaces {
		field := "workspaces[" + strconv.Itoa(i) + "]"
		switch {
		case g.WorkspaceID == "":
			f.Add(field+".workspaceId", "is required")
		case !ValidID(g.WorkspaceID):
			f.Add(field+".workspaceId", "no such workspace: "+g.WorkspaceID)
		case seen[g.WorkspaceID]:
			f.Add(field+".workspaceId", "names a workspace twice")
		}
		seen[g.WorkspaceID] = true
		if store.WorkspaceRank(g.Role) == 0 {
			f.Add(field+".role", "must be one of "+strings.Join(workspaceRoles, ", "))
		}
	}
	if err := f.Err(); err != nil {
		return inviteResult{}, err
	}
	if !set.EmailDomainAllowed(email) {
		return inviteResult{}, errDomain
	}
	delegatedBy := ""
	if !c.P.Allowed(routes.UsersWrite) {
		// Delegated invitation: only into workspaces the caller administers,
		// as a viewer, with workspace roles no higher than the caller's.
		if len(b.Workspaces) == 0 {
			return inviteResult{}, problem.New(http.StatusForbidden, "forbidden", "you may only invite people into workspaces you administer: name them in workspaces")
		}
		if b.Role.Set && !b.Role.Null && role != string(auth.Viewer) {
			return inviteResult{}, problem.New(http.StatusForbidden, "forbidden", "invitations into your workspaces give the instance role viewer")
		}
		role = string(auth.Viewer)
		c = &store.Caller{P: c.P, Roles: auth.ManagerRoles(routes.WorkspacesWrite)}
		for _, g := range b.Workspaces {
			d, rank, err := s.authority(ctx, c.P, g.WorkspaceID)
			if err != nil {
				return inviteResult{}, err
			}
			if store.WorkspaceRank(g.Role) > rank {
				return inviteResult{}, errAboveOwnRole
			}
			if d != nil {
				delegatedBy = c.P.ID
			}
		}
	} else if !c.P.CanGrant(auth.Role(role)) {
		return inviteResult{}, store.ErrSuperAdminOnly
	}
	inv, secret, err := s.Store.CreateInvitation(ctx, c, store.NewInvitation{Email: email, Name: name, Role: role, Days: days, Workspaces: b.Workspaces,
		InvitedBy: store.Ref{Type: c.P.Type, ID: c.P.ID}, PerHour: set.InvitesPerHourPerActor, DelegatedBy: delegatedBy,
		Idem: idem, Render: func(inv store.Invitation, secret string) []byte {
			return recordInvite(inviteResult{Invitation: inv, InviteURL: link(set.InviteURLBase, secret)})
		}})
	if err != nil {
		return inviteResult{}, err
	}
	res := inviteResult{Invitation: inv, InviteURL: link(set.InviteURLBase, secret)}
	if !b.SendEmail.Set || b.SendEmail.Null || b.SendEmail.V {
		s.sendInvitation(ctx, set, &res, idem)
	}
	return res, nil
}

func recordInvite(res inviteResult) []byte {
	return record(http.StatusCreated, map[string]string{"Location": "/v1/invitations/" + res.Invitation.ID}, res)
}

// sendInvitation mails the link and records the outcome (with idem, in the
// Idempotency-Key's record too, so that a replay tells what happened to the
// mail). A failed send keeps the invitation; the answer says so.
func (s *Server) sendInvitation(ctx context.Context, set settings.Settings, res *inviteResult, idem *store.Idem) {
	inv := &res.Invitation
	expires, _ := time.Parse(store.TimeFormat, inv.ExpiresAt)
	var invitee string
	if inv.Name != nil {
		invitee = *inv.Name
	}
	names, err := s.Store.WorkspaceNames(ctx, grantIDs(inv.Workspaces))
	var wsNames []string
	for _, g := range inv.Workspaces {
		if n, ok := names[g.WorkspaceID]; ok {
			wsNames = append(wsNames, n+" ("+g.Role+")")
		}
	}
	var msg mail.Message
	if err == nil {
		msg, err = mail.InvitationMessage(set.SenderEmail, inv.Email, mail.Invitation{InstanceName: set.InstanceName,
			InviteeName: invitee, Role: inv.Role, Workspaces: wsNames, URL: res.InviteURL, ExpiresAt: expires})
	}
	if err == nil {
		err = s.Mail.Send(ctx, msg)
	}
	res.EmailSent = err == nil
	if err != nil {
		res.EmailError = emailFailed
		s.Log.WarnContext(ctx, "invitation email not sent", "requestId", requestID(ctx), "invitationId", inv.ID, "err", err.Error())
	}
	updated, rerr := s.Store.RecordSend(ctx, *inv, res.EmailSent, idem, func(inv store.Invitation) []byte {
		out := *res
		out.Invitation = inv
		return recordInvite(out)
	})
	if rerr != nil {
		s.Log.ErrorContext(ctx, "recording the email status failed", "requestId", requestID(ctx), "invitationId", inv.ID, "err", rerr.Error())
		if res.EmailSent {
			inv.EmailStatus = store.EmailSent
		} else {
			inv.EmailStatus = store.EmailFailed
		}
		// A replay must still tell what happened to the mail, or a client
		// retrying with the same key could send it twice: best effort.
		if idem != nil {
			if err := s.Store.IdemUpdate(ctx, idem, recordInvite(*res)); err != nil {
				s.Log.ErrorContext(ctx, "recording the replay answer failed", "requestId", requestID(ctx), "invitationId", inv.ID, "err", err.Error())
			}
		}
		return
	}
	*inv = updated
}

func invitationsCreate(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b inviteBody
	if err := decode(r, &b, true); err != nil {
		return err
	}
	set, err := s.linkSettings(r)
	if err != nil {
		return err
	}
	// The key is looked up by the store alongside its own reads and recorded
	// in its transaction; whatever stops a request whose key was used before
	// (the store finding it, a concurrent first use, or a check of this body),
	// the answer is the first response.
	idem, err := idemKey(r, "invitations-create")
	if err != nil {
		return err
	}
	res, err := s.invite(r.Context(), caller(r, routes.UsersWrite), set, b, idem)
	if replayed, rerr := s.replayAfter(w, r, idem, err); replayed {
		return rerr
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/invitations/"+res.Invitation.ID)
	return writeJSON(w, http.StatusCreated, res)
}

type batchResult struct {
	Email      string            `json:"email"`
	Status     int               `json:"status"`
	Invitation *store.Invitation `json:"invitation,omitempty"`
	InviteURL  string            `json:"inviteUrl,omitempty"`
	EmailSent  *bool             `json:"emailSent,omitempty"`
	EmailError string            `json:"emailError,omitempty"`
	Error      *batchError       `json:"error,omitempty"`
}

type batchError struct {
	Code   string               `json:"code"`
	Detail string               `json:"detail"`
	Errors []problem.FieldError `json:"errors,omitempty"`
}

func invitationsBatch(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Invitations []inviteBody `json:"invitations"`
	}
	if err := decode(r, &b, true); err != nil {
		return err
	}
	if len(b.Invitations) == 0 || len(b.Invitations) > 100 {
		return problem.Invalid(problem.FieldError{Field: "invitations", Message: "must hold 1 to 100 invitations"})
	}
	set, err := s.linkSettings(r)
	if err != nil {
		return err
	}
	c := caller(r, routes.UsersWrite)
	results := make([]batchResult, len(b.Invitations))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4) // a few at a time: each is a transaction and a mail
	for i, item := range b.Invitations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res, err := s.invite(r.Context(), c, set, item, nil)
			out := batchResult{Email: strings.TrimSpace(item.Email.V)}
			if err != nil {
				e := problem.As(err)
				if e == problem.ErrInternal {
					s.Log.ErrorContext(r.Context(), "batch invitation failed", "requestId", requestID(r.Context()), "err", err.Error())
				}
				out.Status, out.Error = e.Status, &batchError{Code: e.Code, Detail: e.Detail, Errors: e.Fields}
			} else {
				sent := res.EmailSent
				out.Status, out.Invitation, out.InviteURL, out.EmailSent, out.EmailError = http.StatusCreated, &res.Invitation, res.InviteURL, &sent, res.EmailError
				out.Email = res.Invitation.Email
			}
			results[i] = out
		}()
	}
	wg.Wait()
	return writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

func invitationsList(s *Server, w http.ResponseWriter, r *http.Request) error {
	var f problem.Fields
	status := oneOf(r, &f, "status", store.InvitePending, store.InviteAccepted, store.InviteRevoked, store.InviteExpired)
	var email string
	if v := r.URL.Query().Get("email"); v != "" {
		var msg string
		if email, msg = validate.Email(v); msg != "" {
			f.Add("email", msg)
		}
	}
	limit, cursor := page(r, &f)
	if err := f.Err(); err != nil {
		return err
	}
	p, err := s.Store.ListInvitations(r.Context(), store.InvitationQuery{Status: status, Email: email, Limit: limit, Cursor: cursor})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func invitationsGet(s *Server, w http.ResponseWriter, r *http.Request) error {
	inv, err := s.Store.GetInvitation(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, inv)
}

func invitationsRevoke(s *Server, w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.RevokeInvitation(r.Context(), caller(r, routes.UsersWrite), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func invitationsResend(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b struct {
		ExpiresInDays Opt[int] `json:"expiresInDays"`
	}
	if err := decode(r, &b, false); err != nil {
		return err
	}
	set, err := s.linkSettings(r)
	if err != nil {
		return err
	}
	days := set.InviteExpiryDays
	if b.ExpiresInDays.Set && !b.ExpiresInDays.Null {
		if days = b.ExpiresInDays.V; days < 1 || days > 30 {
			return problem.Invalid(problem.FieldError{Field: "expiresInDays", Message: "must be from 1 to 30"})
		}
	}
	c := caller(r, routes.UsersWrite)
	inv, secret, err := s.Store.ResendInvitation(r.Context(), c, r.PathValue("id"), days, set.InvitesPerHourPerActor)
	if err != nil {
		return err
	}
	res := inviteResult{Invitation: inv, InviteURL: link(set.InviteURLBase, secret)}
	s.sendInvitation(r.Context(), set, &res, nil)
	return writeJSON(w, http.StatusOK, res)
}

type tokenBody struct {
	Token Opt[string] `json:"token"`
}

func requiredToken(f *problem.Fields, v Opt[string]) string {
	if !v.Set || v.Null || strings.TrimSpace(v.V) == "" {
		f.Add("token", "is required")
		return ""
	}
	return strings.TrimSpace(v.V)
}

// previewWorkspace is a workspace as an invitee sees it.
type previewWorkspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func invitationsPreview(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b tokenBody
	if err := decode(r, &b, true); err != nil {
		return err
	}
	var f problem.Fields
	secret := requiredToken(&f, b.Token)
	if err := f.Err(); err != nil {
		return err
	}
	inv, err := s.Store.PreviewInvitation(r.Context(), secret)
	if err != nil {
		return err
	}
	names, err := s.Store.WorkspaceNames(r.Context(), grantIDs(inv.Workspaces))
	if err != nil {
		return err
	}
	ws := []previewWorkspace{}
	for _, g := range inv.Workspaces {
		if name, ok := names[g.WorkspaceID]; ok {
			ws = append(ws, previewWorkspace{ID: g.WorkspaceID, Name: name, Role: g.Role})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"email": inv.Email, "name": inv.Name, "role": inv.Role, "workspaces": ws,
		"expiresAt": inv.ExpiresAt, "invitedBy": inv.InvitedBy})
}

func invitationsAccept(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Token    Opt[string] `json:"token"`
		Name     Opt[string] `json:"name"`
		Password Opt[string] `json:"password"`
	}
	if err := decode(r, &b, true); err != nil {
		return err
	}
	var f problem.Fields
	secret := requiredToken(&f, b.Token)
	var name string
	if b.Name.Set && !b.Name.Null {
		name = requiredName(&f, "name", b.Name)
	}
	pw := present(&f, "password", b.Password)
	if err := f.Err(); err != nil {
		return err
	}
	set, err := s.Settings.Get(r.Context())
	if err != nil {
		return err
	}
	// Check the link before spending a password hash on it; accepting then
	// writes from what this read found.
	l, err := s.Store.OpenInvitation(r.Context(), secret)
	if err != nil {
		return err
	}
	if name == "" && l.Invitation.Name == nil {
		return problem.Invalid(problem.FieldError{Field: "name", Message: "is required: the invitation has no name"})
	}
	hash, err := s.hashPassword(set, pw)
	if err != nil {
		return err
	}
	u, sess, err := s.Store.AcceptLink(r.Context(), l, name, hash, time.Duration(set.SessionTTLHours)*time.Hour)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"user": u, "session": sess})
}

func grantIDs(gs []store.Grant) []string {
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.WorkspaceID
	}
	return ids
}
