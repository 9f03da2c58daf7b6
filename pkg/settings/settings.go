// Package settings holds the instance settings of API.md §4 and their
// defaults. Every service reads them through a Source, so that stored
// overrides (PATCH /v1/settings) only have to plug in here.
package settings

import (
	"context"
	"os"
	"strconv"
	"strings"

	"github.com/usherhq/usher/pkg/password"
)

// Lockout is the login lockout policy.
type Lockout struct {
	MaxAttempts int `json:"maxAttempts"`
	LockMinutes int `json:"lockMinutes"`
}

// Settings are the instance settings.
type Settings struct {
	InstanceName           string          `json:"instanceName"`
	SenderEmail            string          `json:"senderEmail"`
	InviteURLBase          string          `json:"inviteUrlBase"`
	PasswordResetURLBase   string          `json:"passwordResetUrlBase"`
	InviteExpiryDays       int             `json:"inviteExpiryDays"`
	DefaultInviteRole      string          `json:"defaultInviteRole"`
	AllowedEmailDomains    []string        `json:"allowedEmailDomains"`
	SessionTTLHours        int             `json:"sessionTtlHours"`
	PasswordPolicy         password.Policy `json:"passwordPolicy"`
	InvitesPerHourPerActor int             `json:"invitesPerHourPerActor"`
	LoginLockout           Lockout         `json:"loginLockout"`
}

// Defaults are the settings before any override. The sender and the link
// bases come from the deployment (template parameters); the rest may be
// tuned through the environment.
func Defaults(senderEmail, inviteURLBase, resetURLBase string) Settings {
	return Settings{
		InstanceName:           env("INSTANCE_NAME", "Usher"),
		SenderEmail:            senderEmail,
		InviteURLBase:          inviteURLBase,
		PasswordResetURLBase:   resetURLBase,
		InviteExpiryDays:       envInt("INVITE_EXPIRY_DAYS", 7),
		DefaultInviteRole:      env("DEFAULT_INVITE_ROLE", "viewer"),
		AllowedEmailDomains:    []string{},
		SessionTTLHours:        envInt("SESSION_TTL_HOURS", 12),
		PasswordPolicy:         password.DefaultPolicy,
		InvitesPerHourPerActor: envInt("INVITES_PER_HOUR_PER_ACTOR", 100),
		LoginLockout:           Lockout{MaxAttempts: 10, LockMinutes: 15},
	}
}

// Source gives the settings in force for a request.
type Source interface {
	Get(ctx context.Context) (Settings, error)
}

// Static is a Source that never changes.
type Static Settings

// Get returns the fixed settings.
func (s Static) Get(context.Context) (Settings, error) { return Settings(s), nil }

// EmailDomainAllowed reports whether an address may be invited.
func (s Settings) EmailDomainAllowed(email string) bool {
	if len(s.AllowedEmailDomains) == 0 {
		return true
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	for _, d := range s.AllowedEmailDomains {
		if strings.EqualFold(d, domain) {
			return true
		}
	}
	return false
}

func env(k, def string) string {
	if v := strings.TrimSpace(os.Getenv(k)); v != "" {
		return v
	}
	return def
}

func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return def
}
