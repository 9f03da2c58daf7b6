// Package app wires Usher together from its configuration: the store, the
// HTTP handlers and the authorizer, for a Lambda function or the local server.
package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/usherhq/usher/pkg/authorizer"
	"github.com/usherhq/usher/pkg/config"
	"github.com/usherhq/usher/pkg/console"
	"github.com/usherhq/usher/pkg/gateway"
	"github.com/usherhq/usher/pkg/httpapi"
	"github.com/usherhq/usher/pkg/mail"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/settings"
	"github.com/usherhq/usher/pkg/store"
)

// App is a wired instance.
type App struct {
	Config     config.Config
	Store      *store.Store
	HTTP       *httpapi.Server
	Authorizer *authorizer.Authorizer
	Log        *slog.Logger
}

// Logger returns the JSON logger every component writes to.
func Logger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// New builds an App; it does no network I/O.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	awsCfg, err := cfg.AWS(ctx)
	if err != nil {
		return nil, err
	}
	return WithAWS(cfg, awsCfg, log), nil
}

// WithAWS builds an App on AWS clients configured by the caller (the bench
// adds its metering middleware to awsCfg).
func WithAWS(cfg config.Config, awsCfg aws.Config, log *slog.Logger) *App {
	st := store.New(cfg.DynamoDB(awsCfg), cfg.Table, cfg.CursorSecret)
	st.AuditRetentionDays = cfg.AuditRetentionDays
	defaults := settings.Defaults(cfg.SenderEmail, cfg.InviteURLBase, cfg.ResetURLBase)
	// Overrides are read at most every few seconds per process.
	src := &settings.Stored{Defaults: defaults, TTL: 3 * time.Second, Load: func(ctx context.Context) ([]byte, error) {
		raw, _, err := st.SettingsOverrides(ctx)
		return raw, err
	}}
	return &App{
		Config: cfg,
		Store:  st,
		HTTP: &httpapi.Server{Store: st, Log: log, Version: config.Version, Settings: src,
			// Sending is bounded well inside the Lambda timeout.
			Mail: mail.NewSES(mail.NewClient(awsCfg, cfg.SESEndpoint), 4*time.Second)},
		Authorizer: &authorizer.Authorizer{Auth: st, Log: log},
		Log:        log,
	}
}

// Gateway serves every route as API Gateway would in front of the functions.
func (a *App) Gateway() http.Handler {
	site := httpadapter.NewV2(console.Handler()).ProxyWithContext
	return gateway.New(routes.Functions(), func(rt routes.Route) gateway.RouteFunc {
		if rt.Static {
			return site
		}
		return a.HTTP.Lambda(rt)
	}, a.Authorizer.Handle, a.Log)
}

func fromEnv() *App {
	cfg := config.FromEnv()
	log := Logger(os.Stdout, cfg.LogLevel)
	a, err := New(context.Background(), cfg, log)
	if err != nil {
		log.Error("start-up failed", "err", err.Error())
		os.Exit(1)
	}
	return a
}

// StartRoute is the main of a route's Lambda function; h is the route's own
// code, passed in so that the binary links no other route's.
func StartRoute(name string, h httpapi.HandlerFunc) {
	rt, ok := routes.ByName(name)
	if !ok {
		panic("unknown route " + name)
	}
	lambda.Start(fromEnv().HTTP.RouteLambda(rt, h))
}

// StartAuthorizer is the main of the authorizer function.
func StartAuthorizer() {
	lambda.Start(fromEnv().Authorizer.Handle)
}

// RunCleanup runs one cleanup pass until done or until stopBy nears, and
// logs one JSON summary line.
func (a *App) RunCleanup(ctx context.Context, stopBy time.Time) (store.CleanupReport, error) {
	rep, err := a.Store.Cleanup(ctx, stopBy)
	attrs := []any{"invitationsExpired", rep.InvitationsExpired, "sessions", rep.Sessions, "apiKeys", rep.APIKeys,
		"adminTokens", rep.AdminTokens, "resetTokens", rep.ResetTokens, "inviteTokens", rep.InviteTokens,
		"idempotencyRecords", rep.IdempotencyRecords, "workspaceSweeps", rep.WorkspaceSweeps, "skipped", rep.Skipped,
		"finished", rep.Finished, "durationMs", rep.DurationMs}
	if err != nil {
		a.Log.ErrorContext(ctx, "cleanup", append(attrs, "err", err.Error())...)
		return rep, err
	}
	a.Log.InfoContext(ctx, "cleanup", attrs...)
	return rep, nil
}

// StartCleanup is the main of the scheduled cleanup function. It stops a few
// seconds before the Lambda deadline; a failure is returned so that the
// schedule's retry policy and dead-letter queue see it.
func StartCleanup() {
	lambda.Start(fromEnv().CleanupHandler)
}

// CleanupHandler handles the schedule's event.
func (a *App) CleanupHandler(ctx context.Context, _ events.EventBridgeEvent) (store.CleanupReport, error) {
	stopBy, ok := ctx.Deadline()
	if !ok {
		stopBy = time.Now().Add(4 * time.Minute)
	}
	return a.RunCleanup(ctx, stopBy)
}
