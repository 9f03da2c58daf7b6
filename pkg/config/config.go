// Package config reads Usher's configuration from the environment once, at
// start-up, and builds the AWS clients from it.
package config

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Version is set at build time with -ldflags "-X .../config.Version=…".
var Version = "dev"

// Config is the environment of a function or of the local server.
type Config struct {
	Table              string // TABLE_NAME
	Stage              string // STAGE
	SenderEmail        string // SENDER_EMAIL
	InviteURLBase      string // INVITE_URL_BASE
	ResetURLBase       string // PASSWORD_RESET_URL_BASE
	CursorSecret       string // CURSOR_SECRET
	AuditRetentionDays int    // AUDIT_RETENTION_DAYS
	DynamoDBEndpoint   string // DYNAMODB_ENDPOINT: local DynamoDB, empty in AWS
	SESEndpoint        string // SES_ENDPOINT: local SES emulator, empty in AWS
	LogLevel           slog.Level

	// StorageTimeout bounds one attempt of an AWS call (0: 2 s, which keeps
	// three attempts inside a Lambda's 10 s). Tests on a loaded machine
	// raise it.
	StorageTimeout time.Duration
}

// FromEnv reads the configuration.
func FromEnv() Config {
	c := Config{
		Table:              os.Getenv("TABLE_NAME"),
		Stage:              env("STAGE", "dev"),
		SenderEmail:        os.Getenv("SENDER_EMAIL"),
		InviteURLBase:      os.Getenv("INVITE_URL_BASE"),
		ResetURLBase:       os.Getenv("PASSWORD_RESET_URL_BASE"),
		CursorSecret:       env("CURSOR_SECRET", "usher"),
		AuditRetentionDays: func() int { n, _ := strconv.Atoi(os.Getenv("AUDIT_RETENTION_DAYS")); return n }(),
		DynamoDBEndpoint:   os.Getenv("DYNAMODB_ENDPOINT"),
		SESEndpoint:        os.Getenv("SES_ENDPOINT"),
	}
	_ = c.LogLevel.UnmarshalText([]byte(env("LOG_LEVEL", "INFO")))
	return c
}

func env(k, def string) string {
	if v := strings.TrimSpace(os.Getenv(k)); v != "" {
		return v
	}
	return def
}

// AWS loads the AWS configuration. Against local emulators it uses static
// dummy credentials so that no real account is ever touched.
func (c Config) AWS(ctx context.Context) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		// Fail fast: three attempts of at most 2 s with short back-offs keep a
		// stalled storage call well inside the 10 s Lambda timeout, so it
		// becomes a 503 rather than a gateway timeout.
		awsconfig.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(c.storageTimeout())),
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.AddWithMaxBackoffDelay(retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 3 }), 300*time.Millisecond)
		}),
	}
	if c.DynamoDBEndpoint != "" || c.SESEndpoint != "" {
		opts = append(opts,
			awsconfig.WithRegion(env("AWS_REGION", "us-east-1")),
			awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	return awsconfig.LoadDefaultConfig(ctx, opts...)
}

// DynamoDB returns the DynamoDB client for this configuration.
func (c Config) DynamoDB(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if c.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(c.DynamoDBEndpoint)
			// DynamoDB Local's CRC32 header does not match what the SDK
			// computes for its responses; AWS's own is checked as usual.
			o.DisableValidateResponseChecksum = true
		}
	})
}

func (c Config) storageTimeout() time.Duration {
	if c.StorageTimeout > 0 {
		return c.StorageTimeout
	}
	return 2 * time.Second
}
