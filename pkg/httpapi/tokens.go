package httpapi

import (
	"net/http"

	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/store"
)

// keyOwner says whose API keys a route manages and who may do it.
type keyOwner func(r *http.Request) (userID string, c *store.Caller, decide func(store.User) error)

// userParam: /v1/users/{id}/api-keys, by managers of that user.
func userParam(r *http.Request) (string, *store.Caller, func(store.User) error) {
	c := caller(r, routes.UsersWrite)
	return r.PathValue("id"), c, func(u store.User) error { return mayManage(c, u) }
}

// selfParam: /v1/me/api-keys, the caller's own.
func selfParam(r *http.Request) (string, *store.Caller, func(store.User) error) {
	c := caller(r, routes.Self)
	return c.P.ID, c, func(store.User) error { return nil }
}

type keyWithSecret struct {
	APIKey store.APIKey `json:"apiKey"`
	Secret string       `json:"secret"`
}

// namedExpiry is the body that creates an API key or an admin token.
type namedExpiry struct {
	Name          Opt[string] `json:"name"`
	ExpiresInDays Opt[int]    `json:"expiresInDays"`
}

// decodeNamedExpiry reads the body; ok says whether a number of days is
// allowed (absent or null means no expiry, returned as 0).
func decodeNamedExpiry(r *http.Request, ok func(int) bool, rule string) (name string, days int, err error) {
	var b namedExpiry
	if err := decode(r, &b, true); err != nil {
		return "", 0, err
	}
	var f problem.Fields
	name = requiredName(&f, "name", b.Name)
	if b.ExpiresInDays.Set && !b.ExpiresInDays.Null {
		days = b.ExpiresInDays.V
		if !ok(days) {
			f.Add("expiresInDays", rule)
		}
	}
	return name, days, f.Err()
}

func apiKeysList(owner keyOwner) HandlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		var f problem.Fields
		limit, cursor := page(r, &f)
		if err := f.Err(); err != nil {
			return err
		}
		id, _, decide := owner(r)
		p, err := s.Store.ListAPIKeys(r.Context(), id, limit, cursor, decide)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, p)
	}
}

func apiKeysCreate(owner keyOwner) HandlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		name, days, err := decodeNamedExpiry(r, func(d int) bool { return d >= 1 && d <= 365 }, "must be from 1 to 365, or null for no expiry")
		if err != nil {
			return err
		}
		id, c, decide := owner(r)
		k, secret, err := s.Store.CreateAPIKey(r.Context(), c, id, name, days, decide)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, keyWithSecret{k, secret})
	}
}

func apiKeysRotate(owner keyOwner) HandlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		if err := decode(r, &struct{}{}, false); err != nil {
			return err
		}
		id, c, decide := owner(r)
		k, secret, err := s.Store.RotateAPIKey(r.Context(), c, id, r.PathValue("keyId"), decide)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, keyWithSecret{k, secret})
	}
}

func apiKeysDelete(owner keyOwner) HandlerFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request) error {
		id, c, decide := owner(r)
		if err := s.Store.DeleteAPIKey(r.Context(), c, id, r.PathValue("keyId"), decide); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

type adminTokenWithSecret struct {
	AdminToken store.AdminToken `json:"adminToken"`
	Secret     string           `json:"secret"`
}

func adminTokensCreate(s *Server, w http.ResponseWriter, r *http.Request) error {
	name, days, err := decodeNamedExpiry(r, func(d int) bool { return d == 7 || d == 30 || d == 60 || d == 90 }, "must be 7, 30, 60, 90 or null for no expiry")
	if err != nil {
		return err
	}
	t, secret, err := s.Store.CreateAdminToken(r.Context(), caller(r, routes.InstanceManage), name, days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, adminTokenWithSecret{t, secret})
}

func adminTokensList(s *Server, w http.ResponseWriter, r *http.Request) error {
	var f problem.Fields
	limit, cursor := page(r, &f)
	if err := f.Err(); err != nil {
		return err
	}
	p, err := s.Store.ListAdminTokens(r.Context(), limit, cursor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func adminTokensDelete(s *Server, w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.DeleteAdminToken(r.Context(), caller(r, routes.InstanceManage), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
