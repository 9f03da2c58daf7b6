// Package httpapi is the HTTP face of Usher: one net/http handler per route
// of the route table, with the middleware every route shares (request id,
// headers, identity from the authorizer, permission check, logging).
package httpapi

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/authorizer"
	"github.com/usherhq/usher/pkg/mail"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/settings"
	"github.com/usherhq/usher/pkg/store"
)

// Server holds what handlers need.
type Server struct {
	Store    *store.Store
	Settings settings.Source
	Mail     mail.Sender
	Log      *slog.Logger
	Version  string
}

// HandlerFunc is the code of one route.
type HandlerFunc func(s *Server, w http.ResponseWriter, r *http.Request) error

// The code of every route, one exported value each: a route's function names
// its own (functions/<route>/main.go) and links nothing of the other routes'
// code, which keeps mail rendering and its reflection out of most binaries.
var (
	Health                 HandlerFunc = health
	Openapi                HandlerFunc = openAPI
	RolesList              HandlerFunc = rolesList
	UsersList              HandlerFunc = usersList
	UsersCreate            HandlerFunc = usersCreate
	UsersGet               HandlerFunc = usersGet
	UsersUpdate            HandlerFunc = usersUpdate
	UsersDelete            HandlerFunc = usersDelete
	UsersDeactivate        HandlerFunc = usersSetStatus(store.StatusDeactivated)
	UsersReactivate        HandlerFunc = usersSetStatus(store.StatusActive)
	UserApiKeysList        HandlerFunc = apiKeysList(userParam)
	UserApiKeysCreate      HandlerFunc = apiKeysCreate(userParam)
	UserApiKeysRotate      HandlerFunc = apiKeysRotate(userParam)
	UserApiKeysDelete      HandlerFunc = apiKeysDelete(userParam)
	InvitationsCreate      HandlerFunc = invitationsCreate
	InvitationsBatch       HandlerFunc = invitationsBatch
	InvitationsList        HandlerFunc = invitationsList
	InvitationsGet         HandlerFunc = invitationsGet
	InvitationsRevoke      HandlerFunc = invitationsRevoke
	InvitationsResend      HandlerFunc = invitationsResend
	InvitationsPreview     HandlerFunc = invitationsPreview
	InvitationsAccept      HandlerFunc = invitationsAccept
	UsersSetPassword       HandlerFunc = usersSetPassword
	UsersPasswordReset     HandlerFunc = usersPasswordReset
	PasswordResetComplete  HandlerFunc = passwordResetComplete
	PasswordValidate       HandlerFunc = passwordValidate
	AuthLogin              HandlerFunc = authLogin
	AuthLogout             HandlerFunc = authLogout
	MePassword             HandlerFunc = mePassword
	WorkspacesCreate       HandlerFunc = workspacesCreate
	WorkspacesList         HandlerFunc = workspacesList
	WorkspacesGet          HandlerFunc = workspacesGet
	WorkspacesUpdate       HandlerFunc = workspacesUpdate
	WorkspacesDelete       HandlerFunc = workspacesDelete
	WorkspaceMembersList   HandlerFunc = membersList
	WorkspaceMembersPut    HandlerFunc = membersPut
	WorkspaceMembersDelete HandlerFunc = membersDelete
	UserWorkspacesList     HandlerFunc = userWorkspacesList
	MeGet                  HandlerFunc = meGet
	MeUpdate               HandlerFunc = meUpdate
	MeApiKeysList          HandlerFunc = apiKeysList(selfParam)
	MeApiKeysCreate        HandlerFunc = apiKeysCreate(selfParam)
	MeApiKeysRotate        HandlerFunc = apiKeysRotate(selfParam)
	MeApiKeysDelete        HandlerFunc = apiKeysDelete(selfParam)
	InsightsGet            HandlerFunc = insightsGet
	AuditEventsList        HandlerFunc = auditList
	SettingsGet            HandlerFunc = settingsGet
	SettingsUpdate         HandlerFunc = settingsUpdate
	SettingsReset          HandlerFunc = settingsReset
	AdminTokensCreate      HandlerFunc = adminTokensCreate
	AdminTokensList        HandlerFunc = adminTokensList
	AdminTokensDelete      HandlerFunc = adminTokensDelete
)

// handlers binds every route name of the route table to its code, for the
// local server and tests; a test checks that the two agree. Lambda functions
// never build it.
func handlers() map[string]HandlerFunc {
	return map[string]HandlerFunc{
		"health":                   Health,
		"openapi":                  Openapi,
		"roles-list":               RolesList,
		"users-list":               UsersList,
		"users-create":             UsersCreate,
		"users-get":                UsersGet,
		"users-update":             UsersUpdate,
		"users-delete":             UsersDelete,
		"users-deactivate":         UsersDeactivate,
		"users-reactivate":         UsersReactivate,
		"user-api-keys-list":       UserApiKeysList,
		"user-api-keys-create":     UserApiKeysCreate,
		"user-api-keys-rotate":     UserApiKeysRotate,
		"user-api-keys-delete":     UserApiKeysDelete,
		"invitations-create":       InvitationsCreate,
		"invitations-batch":        InvitationsBatch,
		"invitations-list":         InvitationsList,
		"invitations-get":          InvitationsGet,
		"invitations-revoke":       InvitationsRevoke,
		"invitations-resend":       InvitationsResend,
		"invitations-preview":      InvitationsPreview,
		"invitations-accept":       InvitationsAccept,
		"users-set-password":       UsersSetPassword,
		"users-password-reset":     UsersPasswordReset,
		"password-reset-complete":  PasswordResetComplete,
		"password-validate":        PasswordValidate,
		"auth-login":               AuthLogin,
		"auth-logout":              AuthLogout,
		"me-password":              MePassword,
		"workspaces-create":        WorkspacesCreate,
		"workspaces-list":          WorkspacesList,
		"workspaces-get":           WorkspacesGet,
		"workspaces-update":        WorkspacesUpdate,
		"workspaces-delete":        WorkspacesDelete,
		"workspace-members-list":   WorkspaceMembersList,
		"workspace-members-put":    WorkspaceMembersPut,
		"workspace-members-delete": WorkspaceMembersDelete,
		"user-workspaces-list":     UserWorkspacesList,
		"me-get":                   MeGet,
		"me-update":                MeUpdate,
		"me-api-keys-list":         MeApiKeysList,
		"me-api-keys-create":       MeApiKeysCreate,
		"me-api-keys-rotate":       MeApiKeysRotate,
		"me-api-keys-delete":       MeApiKeysDelete,
		"insights-get":             InsightsGet,
		"audit-events-list":        AuditEventsList,
		"settings-get":             SettingsGet,
		"settings-update":          SettingsUpdate,
		"settings-reset":           SettingsReset,
		"admin-tokens-create":      AdminTokensCreate,
		"admin-tokens-list":        AdminTokensList,
		"admin-tokens-delete":      AdminTokensDelete,
	}
}

// HasHandler reports whether a route name has code behind it.
func HasHandler(name string) bool { _, ok := handlers()[name]; return ok }

// Handler serves one route, as its Lambda function does.
func (s *Server) Handler(rt routes.Route) http.Handler {
	h, ok := handlers()[rt.Name]
	if !ok {
		panic("httpapi: no handler for route " + rt.Name)
	}
	return s.serve(rt, h)
}

func (s *Server) serve(rt routes.Route, h HandlerFunc) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(rt.Pattern(), s.wrap(rt, h))
	mux.Handle("/", s.wrap(routes.Route{Name: "not-found", Permission: routes.Public}, func(*Server, http.ResponseWriter, *http.Request) error {
		return problem.New(http.StatusNotFound, "not_found", "no such route")
	}))
	return mux
}

// Lambda is the function entry point for one route: API Gateway v2 events in
// and out through the same net/http handler.
func (s *Server) Lambda(rt routes.Route) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return httpadapter.NewV2(s.Handler(rt)).ProxyWithContext
}

// RouteLambda is Lambda for a route function's main, given the route's own
// code so that nothing else is linked.
func (s *Server) RouteLambda(rt routes.Route, h HandlerFunc) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return httpadapter.NewV2(s.serve(rt, h)).ProxyWithContext
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

type bodyKey struct{}

func (s *Server) wrap(rt routes.Route, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		gw, _ := core.GetAPIGatewayV2ContextFromContext(r.Context())
		rid := gw.RequestID
		if rid == "" {
			rid = newRequestID()
		}
		w.Header().Set("X-Request-Id", rid)
		w.Header().Set("Cache-Control", "no-store")
		rec := &recorder{ResponseWriter: w}
		var p auth.Principal
		var err error
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("panic: %v", v)
				problem.Write(rec, problem.ErrInternal)
			}
			s.logRequest(r, rt, rid, p, rec.status, time.Since(start), err)
		}()
		ctx := store.WithRequestID(context.WithValue(r.Context(), ridKey{}, rid), rid)
		if !rt.Public() {
			var degraded, ok bool
			var lambda map[string]any
			if gw.Authorizer != nil {
				lambda = gw.Authorizer.Lambda
			}
			p, degraded, ok = authorizer.Principal(lambda)
			switch {
			case degraded:
				err = problem.ErrUnavailable
			case !ok:
				err = problem.New(http.StatusUnauthorized, "unauthorized", "no authenticated caller")
			case !p.Allowed(rt.Permission):
				err = problem.ErrForbidden
			case rt.Permission == routes.Self && !p.IsUser():
				err = problem.New(http.StatusForbidden, "forbidden", "admin tokens have no profile: use a user's API key or session")
			}
			ctx = auth.WithPrincipal(ctx, p)
		}
		// Count the request beside the work, never in front of it: the
		// counter's round trip runs while the handler runs.
		counted := make(chan struct{})
		go func() {
			defer close(counted)
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			if cerr := s.Store.CountRequest(cctx); cerr != nil {
				s.Log.WarnContext(ctx, "request not counted", "requestId", rid, "err", cerr.Error())
			}
		}()
		defer func() { <-counted }()
		if err == nil {
			var body []byte
			body, err = readBody(r)
			ctx = context.WithValue(ctx, bodyKey{}, body)
		}
		if err == nil {
			err = checkPathIDs(rt, r)
		}
		if err == nil {
			err = h(s, rec, r.WithContext(ctx))
		}
		if err != nil {
			if rec.status != 0 {
				return // already answered; the error is only logged
			}
			problem.Write(rec, err)
		}
		if rec.status == 0 {
			rec.WriteHeader(http.StatusNoContent)
		}
	})
}

type ridKey struct{}

// requestID returns the id of the request being served.
func requestID(ctx context.Context) string { v, _ := ctx.Value(ridKey{}).(string); return v }

func (s *Server) logRequest(r *http.Request, rt routes.Route, rid string, p auth.Principal, status int, d time.Duration, err error) {
	attrs := []any{"requestId", rid, "route", rt.Name, "method", r.Method, "status", status, "latencyMs", float64(d.Microseconds()) / 1000}
	if p.ID != "" {
		attrs = append(attrs, "principalType", p.Type, "principalId", p.ID)
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
		if err != nil {
			attrs = append(attrs, "err", err.Error()) // internal detail: logs only
		}
	}
	s.Log.Log(r.Context(), level, "request", attrs...)
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}
