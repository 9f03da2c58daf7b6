package httpapi

import (
	"net/http"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/store"
)

type me struct {
	store.User
	Workspaces []store.UserMembership `json:"workspaces"`
}

// profileWorkspaces is how many memberships a profile shows: a profile, not a
// listing (GET /v1/users/{id}/workspaces pages through all of them).
const profileWorkspaces = 200

func meGet(s *Server, w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	u, ws, err := s.Store.Profile(r.Context(), p.ID, profileWorkspaces, "")
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(u.Version))
	return writeJSON(w, http.StatusOK, me{User: u, Workspaces: ws.Items})
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
	// The memberships the answer shows are read while the change is made:
	// renaming the caller changes none of them.
	var ws store.Page[store.UserMembership]
	var wsErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		ws, wsErr = s.Store.OwnMemberships(r.Context(), c.P.ID, profileWorkspaces, "")
	}()
	u, err := s.Store.UpdateUser(r.Context(), c, c.P.ID, version, func(store.User) (store.UserPatch, error) {
		return store.UserPatch{Name: &name}, nil
	})
	<-done
	if err != nil {
		return err
	}
	if wsErr != nil {
		return wsErr
	}
	w.Header().Set("ETag", etag(u.Version))
	return writeJSON(w, http.StatusOK, me{User: u, Workspaces: ws.Items})
}
