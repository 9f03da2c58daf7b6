package httpapi

import (
	"net/http"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/store"
)

// Membership is one of the caller's workspaces.
type Membership struct {
	Workspace struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"workspace"`
	Role    string `json:"role"`
	AddedAt string `json:"addedAt"`
}

type me struct {
	store.User
	Workspaces []Membership `json:"workspaces"`
}

func meGet(s *Server, w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	u, err := s.Store.GetUser(r.Context(), p.ID)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u.Version))
	return writeJSON(w, http.StatusOK, me{User: u, Workspaces: []Membership{}})
}

type updateMeBody struct {
	Name Opt[string] `json:"name"`
}

func meUpdate(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b updateMeBody
	if err := decode(r, &b, true); err != nil {
		return err
	}
	var f problem.Fields
	name := requiredName(&f, "name", b.Name)
	if err := f.Err(); err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	c := caller(r, routes.Self)
	u, err := s.Store.UpdateUser(r.Context(), c, c.P.ID, version, func(store.User) (store.UserPatch, error) {
		return store.UserPatch{Name: &name}, nil
	})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u.Version))
	return writeJSON(w, http.StatusOK, me{User: u, Workspaces: []Membership{}})
}
