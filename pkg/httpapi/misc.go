package httpapi

import (
	"net/http"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/openapi"
)

func health(s *Server, w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.Ping(r.Context()); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
}

func openAPI(_ *Server, w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openapi.JSON())
	return err
}

func rolesList(_ *Server, w http.ResponseWriter, _ *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"instanceRoles": auth.Roles, "workspaceRoles": auth.WorkspaceRoles})
}
