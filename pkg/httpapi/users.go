package httpapi

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/validate"
)

var errSelf = problem.New(http.StatusConflict, "self_modification", "you cannot change your own role, deactivate or delete yourself through the admin routes")

// caller is the principal with the roles that may run a write needing perm.
func caller(r *http.Request, perm routes.Permission) *store.Caller {
	p, _ := auth.FromContext(r.Context())
	return &store.Caller{P: p, Roles: auth.ManagerRoles(perm)}
}

// mayManage refuses changes by admins to super_admins.
func mayManage(c *store.Caller, target store.User) error {
	if !c.P.CanManage(auth.Role(target.Role)) {
		return store.ErrSuperAdminOnly
	}
	return nil
}

func checkRole(f *problem.Fields, role string) {
	if !auth.ValidRole(role) {
		f.Add("role", "must be one of "+strings.Join(auth.RoleNames(), ", "))
	}
}

func usersList(s *Server, w http.ResponseWriter, r *http.Request) error {
	var f problem.Fields
	qv := r.URL.Query()
	q := strings.TrimSpace(qv.Get("q"))
	if qv.Has("q") && (q == "" || utf8.RuneCountInString(q) > 100) {
		f.Add("q", "must be 1 to 100 characters")
	}
	role := qv.Get("role")
	if role != "" {
		checkRole(&f, role)
	}
	status := oneOf(r, &f, "status", store.StatusActive, store.StatusDeactivated)
	sort := oneOf(r, &f, "sort", "createdAt", "email", "name")
	order := oneOf(r, &f, "order", "asc", "desc")
	if q != "" && sort != "" && sort != "email" {
		f.Add("sort", "search results are ordered by email: leave sort out or use email")
	}
	wsID := idParam(r, &f, "workspaceId")
	if wsID != "" && q != "" {
		f.Add("workspaceId", "give q or workspaceId, not both")
	}
	if wsID != "" && (sort != "" || order != "" || role != "" || status != "") {
		f.Add("workspaceId", "lists the workspace's members: no sort, order, role or status with it")
	}
	limit, cursor := page(r, &f)
	if err := f.Err(); err != nil {
		return err
	}
	if wsID != "" {
		p, err := s.Store.WorkspaceUsers(r.Context(), wsID, limit, cursor)
		if err == problem.ErrNotFound {
			return problem.Invalid(problem.FieldError{Field: "workspaceId", Message: "no such workspace"})
		}
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, p)
	}
	if sort == "" {
		sort = "createdAt"
	}
	p, err := s.Store.ListUsers(r.Context(), store.UserQuery{Q: q, Role: role, Status: status, Sort: sort, Desc: order == "desc", Limit: limit, Cursor: cursor})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

type createUserBody struct {
	Email    Opt[string] `json:"email"`
	Name     Opt[string] `json:"name"`
	Role     Opt[string] `json:"role"`
	Password Opt[string] `json:"password"`
}

func usersCreate(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b createUserBody
	if err := decode(r, &b, true); err != nil {
		return err
	}
	var f problem.Fields
	email := requiredEmail(&f, "email", b.Email)
	name := requiredName(&f, "name", b.Name)
	if !b.Role.Set || b.Role.Null {
		f.Add("role", "is required")
	} else {
		checkRole(&f, b.Role.V)
	}
	if err := f.Err(); err != nil {
		return err
	}
	c := caller(r, routes.UsersWrite)
	if !c.P.CanGrant(auth.Role(b.Role.V)) {
		return store.ErrSuperAdminOnly
	}
	var hash string
	if b.Password.Set && !b.Password.Null {
		set, err := s.Settings.Get(r.Context())
		if err != nil {
			return err
		}
		if hash, err = s.hashPassword(set, b.Password.V); err != nil {
			return err
		}
	}
	u, err := s.Store.CreateUser(r.Context(), c, store.NewUser{Email: email, Name: name, Role: b.Role.V, PasswordHash: hash,
		InvitedBy: &store.Ref{Type: c.P.Type, ID: c.P.ID}})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/users/"+u.ID)
	w.Header().Set("ETag", etag(u.Version))
	return writeJSON(w, http.StatusCreated, u)
}

func weakPassword(msgs []string) error {
	e := &problem.Error{Status: http.StatusBadRequest, Code: "weak_password", Detail: "the password does not meet the password policy"}
	for _, m := range msgs {
		e.Fields = append(e.Fields, problem.FieldError{Field: "password", Message: m})
	}
	return e
}

func requiredEmail(f *problem.Fields, field string, v Opt[string]) string {
	return required(f, field, v, validate.Email)
}

func requiredName(f *problem.Fields, field string, v Opt[string]) string {
	return required(f, field, v, validate.Name)
}

// required checks a string field that must be present, recording the
// normaliser's message when it refuses the value.
func required(f *problem.Fields, field string, v Opt[string], normalise func(string) (string, string)) string {
	if !v.Set || v.Null {
		f.Add(field, "is required")
		return ""
	}
	out, msg := normalise(v.V)
	if msg != "" {
		f.Add(field, msg)
	}
	return out
}

func userWithETag(w http.ResponseWriter, u store.User) error {
	w.Header().Set("ETag", etag(u.Version))
	return writeJSON(w, http.StatusOK, u)
}

func usersGet(s *Server, w http.ResponseWriter, r *http.Request) error {
	u, err := s.Store.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return userWithETag(w, u)
}

type updateUserBody struct {
	Name  Opt[string] `json:"name"`
	Email Opt[string] `json:"email"`
	Role  Opt[string] `json:"role"`
}

func usersUpdate(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b updateUserBody
	if err := decode(r, &b, true); err != nil {
		return err
	}
	var f problem.Fields
	var patch store.UserPatch
	if b.Name.Set {
		n := requiredName(&f, "name", b.Name)
		patch.Name = &n
	}
	if b.Email.Set {
		e := requiredEmail(&f, "email", b.Email)
		patch.Email = &e
	}
	if b.Role.Set {
		if b.Role.Null {
			f.Add("role", "must not be null")
		} else {
			checkRole(&f, b.Role.V)
		}
		patch.Role = &b.Role.V
	}
	if !b.Name.Set && !b.Email.Set && !b.Role.Set {
		f.Add("body", "give at least one of name, email, role")
	}
	if err := f.Err(); err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	c := caller(r, routes.UsersWrite)
	u, err := s.Store.UpdateUser(r.Context(), c, r.PathValue("id"), version, func(cur store.User) (store.UserPatch, error) {
		if err := mayManage(c, cur); err != nil {
			return patch, err
		}
		if patch.Role != nil && *patch.Role != cur.Role {
			if cur.ID == c.P.ID {
				return patch, errSelf
			}
			if !c.P.CanGrant(auth.Role(*patch.Role)) {
				return patch, store.ErrSuperAdminOnly
			}
		}
		return patch, nil
	})
	if err != nil {
		return err
	}
	return userWithETag(w, u)
}

func usersDelete(s *Server, w http.ResponseWriter, r *http.Request) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	c := caller(r, routes.UsersWrite)
	err = s.Store.DeleteUser(r.Context(), c, r.PathValue("id"), version, func(cur store.User) error {
		if cur.ID == c.P.ID {
			return errSelf
		}
		return mayManage(c, cur)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func usersSetStatus(status string) HandlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		if err := decode(r, &struct{}{}, false); err != nil {
			return err
		}
		version, err := ifMatch(r)
		if err != nil {
			return err
		}
		c := caller(r, routes.UsersWrite)
		u, err := s.Store.UpdateUser(r.Context(), c, r.PathValue("id"), version, func(cur store.User) (store.UserPatch, error) {
			if err := mayManage(c, cur); err != nil {
				return store.UserPatch{}, err
			}
			if cur.ID == c.P.ID {
				return store.UserPatch{}, errSelf
			}
			return store.UserPatch{Status: &status}, nil
		})
		if err != nil {
			return err
		}
		return userWithETag(w, u)
	}
}
