package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/settings"
	"github.com/usherhq/usher/pkg/store"
)

// AuditActions lists every action the audit trail records.
var AuditActions = []string{
	"user.created", "user.updated", "user.role_changed", "user.deactivated", "user.reactivated", "user.deleted",
	"user.password_set", "user.password_reset_requested",
	"invitation.created", "invitation.resent", "invitation.revoked", "invitation.accepted", "invitation.expired",
	"admin_token.created", "admin_token.deleted", "api_key.created", "api_key.rotated", "api_key.deleted",
	"workspace.created", "workspace.updated", "workspace.deleted", "membership.added", "membership.changed", "membership.removed",
	"settings.updated", "settings.reset", "auth.login_failed", "auth.locked",
}

func insightsGet(s *Server, w http.ResponseWriter, r *http.Request) error {
	in, err := s.Store.Insights(r.Context(), auth.RoleNames())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, in)
}

// timeParam reads an RFC 3339 query parameter as the store's timestamp form.
func timeParam(r *http.Request, f *problem.Fields, name string) string {
	v := r.URL.Query().Get(name)
	if v == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		f.Add(name, "must be an RFC 3339 timestamp, e.g. 2026-11-22T10:00:00.000Z")
		return ""
	}
	return t.UTC().Format(store.TimeFormat)
}

func auditList(s *Server, w http.ResponseWriter, r *http.Request) error {
	var f problem.Fields
	qv := r.URL.Query()
	action := oneOf(r, &f, "action", AuditActions...)
	since, until := timeParam(r, &f, "since"), timeParam(r, &f, "until")
	if since != "" && until != "" && since > until {
		f.Add("until", "must not be before since")
	}
	limit, cursor := page(r, &f)
	if err := f.Err(); err != nil {
		return err
	}
	p, err := s.Store.ListAudit(r.Context(), store.AuditQuery{ActorID: qv.Get("actorId"), TargetID: qv.Get("targetId"), Action: action,
		Since: since, Until: until, Limit: limit, Cursor: cursor})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

// current reads the settings in force straight from the table (not the cache).
func (s *Server) current(r *http.Request) (settings.Settings, []byte, int64, error) {
	raw, version, err := s.Store.SettingsOverrides(r.Context())
	if err != nil {
		return settings.Settings{}, nil, 0, err
	}
	d, err := s.Settings.Get(r.Context())
	if st, ok := s.Settings.(*settings.Stored); ok {
		d = st.Defaults
	}
	if err != nil {
		return settings.Settings{}, nil, 0, err
	}
	eff, err := settings.Effective(d, raw)
	return eff, raw, version, err
}

func settingsGet(s *Server, w http.ResponseWriter, r *http.Request) error {
	eff, _, _, err := s.current(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, eff)
}

// settingsPatch mirrors the settings so that unknown fields are refused and
// every type is checked before anything is stored.
type settingsPatch struct {
	InstanceName         Opt[string]   `json:"instanceName"`
	SenderEmail          Opt[string]   `json:"senderEmail"`
	InviteURLBase        Opt[string]   `json:"inviteUrlBase"`
	PasswordResetURLBase Opt[string]   `json:"passwordResetUrlBase"`
	InviteExpiryDays     Opt[int]      `json:"inviteExpiryDays"`
	DefaultInviteRole    Opt[string]   `json:"defaultInviteRole"`
	AllowedEmailDomains  Opt[[]string] `json:"allowedEmailDomains"`
	SessionTTLHours      Opt[int]      `json:"sessionTtlHours"`
	PasswordPolicy       Opt[struct {
		MinLength        Opt[int]  `json:"minLength"`
		RequireUppercase Opt[bool] `json:"requireUppercase"`
		RequireLowercase Opt[bool] `json:"requireLowercase"`
		RequireNumber    Opt[bool] `json:"requireNumber"`
		RequireSymbol    Opt[bool] `json:"requireSymbol"`
		RejectCommon     Opt[bool] `json:"rejectCommon"`
	}] `json:"passwordPolicy"`
	InvitesPerHourPerActor Opt[int] `json:"invitesPerHourPerActor"`
	LoginLockout           Opt[struct {
		MaxAttempts Opt[int] `json:"maxAttempts"`
		LockMinutes Opt[int] `json:"lockMinutes"`
	}] `json:"loginLockout"`
}

func settingsUpdate(s *Server, w http.ResponseWriter, r *http.Request) error {
	var p settingsPatch
	if err := decode(r, &p, true); err != nil {
		return err
	}
	body, _ := r.Context().Value(bodyKey{}).([]byte)
	if strings.Contains(string(body), "null") {
		// A null would erase a default rather than set a value.
		var f problem.Fields
		for _, n := range nulls(body) {
			f.Add(n, "must not be null: use POST /v1/settings/reset to go back to the defaults")
		}
		if err := f.Err(); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		_, raw, version, err := s.current(r)
		if err != nil {
			return err
		}
		merged, fields, err := settings.Merge(raw, body)
		if err != nil {
			return problem.Invalid(problem.FieldError{Field: "body", Message: "must be a JSON object of settings"})
		}
		d, _ := s.Settings.Get(r.Context())
		if st, ok := s.Settings.(*settings.Stored); ok {
			d = st.Defaults
		}
		eff, err := settings.Effective(d, merged)
		if err != nil {
			return problem.Invalid(problem.FieldError{Field: "body", Message: "has a value of the wrong type"})
		}
		if bad := eff.Validate(auth.ValidRole); len(bad) > 0 {
			var f problem.Fields
			for _, b := range bad {
				f.Add(b.Field, b.Message)
			}
			return f.Err()
		}
		err = s.Store.SaveSettings(r.Context(), caller(r, routes.InstanceManage), merged, version, fields)
		if e := problem.As(err); err != nil && e.Code == "settings_changed" && attempt < 3 {
			continue
		}
		if err != nil {
			return err
		}
		if st, ok := s.Settings.(*settings.Stored); ok {
			st.Forget()
		}
		return writeJSON(w, http.StatusOK, eff)
	}
}

func settingsReset(s *Server, w http.ResponseWriter, r *http.Request) error {
	if err := decode(r, &struct{}{}, false); err != nil {
		return err
	}
	if err := s.Store.ResetSettings(r.Context(), caller(r, routes.InstanceManage)); err != nil {
		return err
	}
	if st, ok := s.Settings.(*settings.Stored); ok {
		st.Forget()
	}
	eff, _, _, err := s.current(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, eff)
}

// nulls names the fields of a settings patch that are null (one level deep).
func nulls(body []byte) []string {
	var m map[string]any
	_ = jsonUnmarshal(body, &m)
	var out []string
	for k, v := range m {
		if v == nil {
			out = append(out, k)
		}
		if sub, ok := v.(map[string]any); ok {
			for sk, sv := range sub {
				if sv == nil {
					out = append(out, k+"."+sk)
				}
			}
		}
	}
	return out
}
