package settings

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/usherhq/usher/pkg/validate"
)

// FieldError names a setting that is not valid.
type FieldError struct{ Field, Message string }

// Validate checks every setting and returns all that are wrong.
func (s Settings) Validate(validRole func(string) bool) []FieldError {
	var out []FieldError
	bad := func(f, m string) { out = append(out, FieldError{f, m}) }
	if _, msg := validate.Name(s.InstanceName); msg != "" {
		bad("instanceName", msg)
	}
	if s.SenderEmail != "" {
		if _, msg := validate.Email(s.SenderEmail); msg != "" {
			bad("senderEmail", msg)
		}
	}
	for f, v := range map[string]string{"inviteUrlBase": s.InviteURLBase, "passwordResetUrlBase": s.PasswordResetURLBase} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" {
			bad(f, "must be an absolute http(s) URL without a fragment")
		}
	}
	between := func(f string, v, lo, hi int) {
		if v < lo || v > hi {
			bad(f, fmt.Sprintf("must be from %d to %d", lo, hi))
		}
	}
	between("inviteExpiryDays", s.InviteExpiryDays, 1, 30)
	between("sessionTtlHours", s.SessionTTLHours, 1, 720)
	between("passwordPolicy.minLength", s.PasswordPolicy.MinLength, 8, 128)
	between("invitesPerHourPerActor", s.InvitesPerHourPerActor, 1, 10000)
	between("loginLockout.maxAttempts", s.LoginLockout.MaxAttempts, 1, 100)
	between("loginLockout.lockMinutes", s.LoginLockout.LockMinutes, 1, 1440)
	switch {
	case !validRole(s.DefaultInviteRole):
		bad("defaultInviteRole", "must be an instance role")
	case s.DefaultInviteRole == "super_admin":
		bad("defaultInviteRole", "must not be super_admin: grant that role explicitly")
	}
	if len(s.AllowedEmailDomains) > 100 {
		bad("allowedEmailDomains", "may list at most 100 domains")
	}
	for i, d := range s.AllowedEmailDomains {
		if _, msg := validate.Email("x@" + d); msg != "" || strings.Contains(d, "@") {
			bad(fmt.Sprintf("allowedEmailDomains[%d]", i), "must be a domain name")
		}
	}
	return out
}

// Effective applies stored overrides (a JSON object) to the defaults.
func Effective(defaults Settings, overrides []byte) (Settings, error) {
	s := defaults
	s.AllowedEmailDomains = append([]string{}, defaults.AllowedEmailDomains...)
	if len(overrides) == 0 {
		return s, nil
	}
	err := json.Unmarshal(overrides, &s)
	if s.AllowedEmailDomains == nil {
		s.AllowedEmailDomains = []string{}
	}
	return s, err
}

// Merge lays a patch over stored overrides, one level deep (so that
// {"passwordPolicy":{"minLength":10}} keeps the other policy overrides), and
// names the settings it touched.
func Merge(overrides, patch []byte) ([]byte, []string, error) {
	base := map[string]any{}
	if len(overrides) > 0 {
		if err := json.Unmarshal(overrides, &base); err != nil {
			return nil, nil, err
		}
	}
	var p map[string]any
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, nil, err
	}
	var fields []string
	for k, v := range p {
		if sub, ok := v.(map[string]any); ok {
			cur, _ := base[k].(map[string]any)
			if cur == nil {
				cur = map[string]any{}
			}
			for sk, sv := range sub {
				cur[sk] = sv
				fields = append(fields, k+"."+sk)
			}
			base[k] = cur
			continue
		}
		base[k] = v
		fields = append(fields, k)
	}
	sort.Strings(fields)
	out, err := json.Marshal(base)
	return out, fields, err
}

// Stored is a Source whose overrides live in the table. It caches them for
// TTL, so that a change is in force within a few seconds everywhere.
type Stored struct {
	Defaults Settings
	Load     func(ctx context.Context) ([]byte, error)
	TTL      time.Duration

	mu   sync.Mutex
	at   time.Time
	have Settings
}

// Get returns the settings in force.
func (s *Stored) Get(ctx context.Context) (Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.at.IsZero() && time.Since(s.at) < s.TTL {
		return s.have, nil
	}
	raw, err := s.Load(ctx)
	if err != nil {
		return Settings{}, err
	}
	eff, err := Effective(s.Defaults, raw)
	if err != nil {
		return Settings{}, err
	}
	s.have, s.at = eff, time.Now()
	return eff, nil
}

// Forget drops the cache (after a change made by this process).
func (s *Stored) Forget() {
	s.mu.Lock()
	s.at = time.Time{}
	s.mu.Unlock()
}
