package httpapi

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/store"
)

// managerRank stands above every workspace role: instance managers may grant any.
const managerRank = 5

var workspaceRoles = []string{store.WorkspaceOwner, store.WorkspaceAdmin, store.WorkspaceMember, store.WorkspaceGuest}

// authority says how the caller may act on a workspace's members: as an
// instance manager (no delegate) or as one of its owners or admins (a
// delegate, capped at their own role). Others get 404 when they are not in
// the workspace, and 403 when they are.
func (s *Server) authority(ctx context.Context, p auth.Principal, wsID string) (*store.Delegate, int, error) {
	if p.Allowed(routes.WorkspacesWrite) {
		return nil, managerRank, nil
	}
	role, err := s.Store.Membership(ctx, wsID, p.ID)
	if err != nil {
		return nil, 0, err
	}
	return delegateAs(p, wsID, role)
}

// delegateAs is authority's decision given the caller's role in the workspace.
func delegateAs(p auth.Principal, wsID, role string) (*store.Delegate, int, error) {
	switch role {
	case "":
		return nil, 0, problem.ErrNotFound
	case store.WorkspaceOwner, store.WorkspaceAdmin:
		return &store.Delegate{UserID: p.ID, WorkspaceID: wsID}, store.WorkspaceRank(role), nil
	}
	return nil, 0, problem.ErrForbidden
}

// memberAccess is authority for a membership change: the store reads the
// caller's role (when it matters) in the same round as the change's other
// reads, and the decision sets *d and *rank.
func memberAccess(p auth.Principal, wsID string, d **store.Delegate, rank *int) store.MemberAccess {
	if p.Allowed(routes.WorkspacesWrite) {
		*d, *rank = nil, managerRank
		return store.MemberAccess{}
	}
	return store.MemberAccess{CallerID: p.ID, Authorize: func(role string) (*store.Delegate, error) {
		var err error
		*d, *rank, err = delegateAs(p, wsID, role)
		return *d, err
	}}
}

var errAboveOwnRole = problem.New(http.StatusForbidden, "forbidden", "you cannot grant or change a workspace role above your own")

func checkDescription(f *problem.Fields, v Opt[string]) *string {
	if !v.Set {
		return nil
	}
	d := strings.TrimSpace(v.V)
	if v.Null {
		d = ""
	}
	if utf8.RuneCountInString(d) > 500 {
		f.Add("description", "must be at most 500 characters")
	}
	return &d
}

func workspacesCreate(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Name        Opt[string] `json:"name"`
		Description Opt[string] `json:"description"`
		OwnerID     Opt[string] `json:"ownerId"`
	}
	if err := decode(r, &b, true); err != nil {
		return err
	}
	c := caller(r, routes.WorkspacesWrite)
	var f problem.Fields
	name := requiredName(&f, "name", b.Name)
	desc := checkDescription(&f, b.Description)
	owner := c.P.ID
	if b.OwnerID.Set && !b.OwnerID.Null {
		owner = b.OwnerID.V
		if !ValidID(owner) {
			f.Add("ownerId", "no such user")
		}
	} else if !c.P.IsUser() {
		f.Add("ownerId", "is required when an admin token creates a workspace")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if desc == nil {
		desc = new(string)
	}
	idem, replayed, err := s.idempotency(w, r, "workspaces-create")
	if err != nil || replayed {
		return err
	}
	headers := func(ws store.Workspace) map[string]string {
		return map[string]string{"Location": "/v1/workspaces/" + ws.ID, "ETag": etag(ws.Version)}
	}
	ws, err := s.Store.CreateWorkspace(r.Context(), c, store.NewWorkspace{Name: name, Description: *desc, OwnerID: owner,
		CreatedBy: store.Ref{Type: c.P.Type, ID: c.P.ID}}, idem, func(ws store.Workspace) []byte {
		return record(http.StatusCreated, headers(ws), ws)
	})
	if store.IsIdemRace(err) {
		_, err = s.replay(w, r, idem)
		return err
	}
	if err != nil {
		return err
	}
	for k, v := range headers(ws) {
		w.Header().Set(k, v)
	}
	return writeJSON(w, http.StatusCreated, ws)
}

func workspacesList(s *Server, w http.ResponseWriter, r *http.Request) error {
	var f problem.Fields
	qv := r.URL.Query()
	q := strings.TrimSpace(qv.Get("q"))
	if qv.Has("q") && (q == "" || utf8.RuneCountInString(q) > 100) {
		f.Add("q", "must be 1 to 100 characters")
	}
	userID := idParam(r, &f, "userId")
	if q != "" && userID != "" {
		f.Add("userId", "give q or userId, not both")
	}
	limit, cursor := page(r, &f)
	if err := f.Err(); err != nil {
		return err
	}
	// The user is read alongside the page: its absence decides first.
	var userErr error
	done := make(chan struct{})
	if userID != "" {
		go func() {
			defer close(done)
			_, userErr = s.Store.GetUser(r.Context(), userID)
		}()
	} else {
		close(done)
	}
	p, err := s.Store.ListWorkspaces(r.Context(), store.WorkspaceQuery{Q: q, UserID: userID, Limit: limit, Cursor: cursor})
	<-done
	if userErr == problem.ErrNotFound {
		return problem.Invalid(problem.FieldError{Field: "userId", Message: "no such user"})
	} else if userErr != nil {
		return userErr
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func workspacesGet(s *Server, w http.ResponseWriter, r *http.Request) error {
	ws, err := s.Store.GetWorkspace(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(ws.Version))
	return writeJSON(w, http.StatusOK, ws)
}

func workspacesUpdate(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Name        Opt[string] `json:"name"`
		Description Opt[string] `json:"description"`
	}
	if err := decode(r, &b, true); err != nil {
		return err
	}
	var f problem.Fields
	var name *string
	if b.Name.Set {
		n := requiredName(&f, "name", b.Name)
		name = &n
	}
	desc := checkDescription(&f, b.Description)
	if !b.Name.Set && !b.Description.Set {
		f.Add("body", "give at least one of name, description")
	}
	if err := f.Err(); err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	ws, err := s.Store.UpdateWorkspace(r.Context(), caller(r, routes.WorkspacesWrite), nil, r.PathValue("id"), version, name, desc)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(ws.Version))
	return writeJSON(w, http.StatusOK, ws)
}

func workspacesDelete(s *Server, w http.ResponseWriter, r *http.Request) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteWorkspace(r.Context(), caller(r, routes.WorkspacesWrite), nil, r.PathValue("id"), version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func membersList(s *Server, w http.ResponseWriter, r *http.Request) error {
	var f problem.Fields
	role := oneOf(r, &f, "role", workspaceRoles...)
	limit, cursor := page(r, &f)
	if err := f.Err(); err != nil {
		return err
	}
	p, err := s.Store.ListMembers(r.Context(), r.PathValue("id"), role, limit, cursor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

// errSelfMember keeps managers from granting themselves workspace roles (the
// contract's self_modification rule), with words that fit memberships.
var errSelfMember = problem.New(http.StatusConflict, "self_modification",
	"you cannot add yourself to a workspace, change your own role in it or remove yourself: another manager has to")

func membersPut(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Role Opt[string] `json:"role"`
	}
	if err := decode(r, &b, true); err != nil {
		return err
	}
	if !b.Role.Set || b.Role.Null || store.WorkspaceRank(b.Role.V) == 0 {
		return problem.Invalid(problem.FieldError{Field: "role", Message: "must be one of " + strings.Join(workspaceRoles, ", ")})
	}
	wsID, userID, role := r.PathValue("id"), r.PathValue("userId"), b.Role.V
	c := caller(r, routes.WorkspacesWrite)
	var d *store.Delegate
	var rank int
	created, m, err := s.Store.PutMember(r.Context(), c, memberAccess(c.P, wsID, &d, &rank), wsID, userID, role, func(cur string) error {
		if userID == c.P.ID {
			return errSelfMember
		}
		if d != nil {
			d.NeedOwner = role == store.WorkspaceOwner || cur == store.WorkspaceOwner
		}
		if store.WorkspaceRank(role) > rank || store.WorkspaceRank(cur) > rank {
			return errAboveOwnRole
		}
		return nil
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, m)
}

func membersDelete(s *Server, w http.ResponseWriter, r *http.Request) error {
	wsID, userID := r.PathValue("id"), r.PathValue("userId")
	c := caller(r, routes.WorkspacesWrite)
	var d *store.Delegate
	var rank int
	err := s.Store.DropMember(r.Context(), c, memberAccess(c.P, wsID, &d, &rank), wsID, userID, func(cur string) error {
		if userID == c.P.ID {
			return errSelfMember
		}
		if d != nil {
			d.NeedOwner = cur == store.WorkspaceOwner
		}
		if store.WorkspaceRank(cur) > rank {
			return errAboveOwnRole
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func userWorkspacesList(s *Server, w http.ResponseWriter, r *http.Request) error {
	var f problem.Fields
	limit, cursor := page(r, &f)
	if err := f.Err(); err != nil {
		return err
	}
	p, err := s.Store.UserMemberships(r.Context(), r.PathValue("id"), limit, cursor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}
