package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/settings"
	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/validate"
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
	action := oneOf(r, &f, "action", AuditActions...)
	since, until := timeParam(r, &f, "since"), timeParam(r, &f, "until")
	if since != "" && until != "" && since > until {
		f.Add("until", "must not be before since")
	}
	limit, cursor := page(r, &f)
	if err := f.Err(); err != nil {
		return err
	}
	actorID, targetID := idParam(r, &f, "actorId"), auditTarget(r, &f)
	if err := f.Err(); err != nil {
		return err
	}
	p, err := s.Store.ListAudit(r.Context(), store.AuditQuery{ActorID: actorID, TargetID: targetID, Action: action,
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
	eff, err := settings.Effective(s.defaults(r), raw)
	return eff, raw, version, err
}

// defaults are the settings before overrides: the deployment's.
func (s *Server) defaults(r *http.Request) settings.Settings {
	if st, ok := s.Settings.(*settings.Stored); ok {
		return st.Defaults
	}
	d, _ := s.Settings.Get(r.Context()) // a fixed source (tests): its values are the defaults
	return d
}

func settingsGet(s *Server, w http.ResponseWriter, r *http.Request) error {
	eff, _, version, err := s.current(r)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(version+1))
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

// normalised turns a decoded patch into the overrides to store: trimmed,
// normalised values (as validation sees them), nulls refused, empty refused.
func (p settingsPatch) normalised() (map[string]any, error) {
	var f problem.Fields
	out := map[string]any{}
	str := func(name string, o Opt[string], norm func(string) string) {
		switch {
		case o.Null:
			f.Add(name, "must not be null: use POST /v1/settings/reset to go back to the defaults")
		case o.Set:
			out[name] = norm(o.V)
		}
	}
	integer := func(into map[string]any, name, field string, o Opt[int]) {
		switch {
		case o.Null:
			f.Add(field, "must not be null")
		case o.Set:
			into[name] = o.V
		}
	}
	boolean := func(into map[string]any, name, field string, o Opt[bool]) {
		switch {
		case o.Null:
			f.Add(field, "must not be null")
		case o.Set:
			into[name] = o.V
		}
	}
	trim := strings.TrimSpace
	str("instanceName", p.InstanceName, func(v string) string { n, _ := validate.Name(v); return orRaw(n, v) })
	str("senderEmail", p.SenderEmail, func(v string) string { e, _ := validate.Email(v); return orRaw(e, v) })
	str("inviteUrlBase", p.InviteURLBase, trim)
	str("passwordResetUrlBase", p.PasswordResetURLBase, trim)
	str("defaultInviteRole", p.DefaultInviteRole, trim)
	integer(out, "inviteExpiryDays", "inviteExpiryDays", p.InviteExpiryDays)
	integer(out, "sessionTtlHours", "sessionTtlHours", p.SessionTTLHours)
	integer(out, "invitesPerHourPerActor", "invitesPerHourPerActor", p.InvitesPerHourPerActor)
	switch {
	case p.AllowedEmailDomains.Null:
		f.Add("allowedEmailDomains", "must not be null: use [] for any domain")
	case p.AllowedEmailDomains.Set:
		ds := []string{}
		for _, d := range p.AllowedEmailDomains.V {
			ds = append(ds, strings.ToLower(trim(d)))
		}
		out["allowedEmailDomains"] = ds
	}
	if p.PasswordPolicy.Null {
		f.Add("passwordPolicy", "must not be null")
	} else if p.PasswordPolicy.Set {
		pp, v := map[string]any{}, p.PasswordPolicy.V
		integer(pp, "minLength", "passwordPolicy.minLength", v.MinLength)
		boolean(pp, "requireUppercase", "passwordPolicy.requireUppercase", v.RequireUppercase)
		boolean(pp, "requireLowercase", "passwordPolicy.requireLowercase", v.RequireLowercase)
		boolean(pp, "requireNumber", "passwordPolicy.requireNumber", v.RequireNumber)
		boolean(pp, "requireSymbol", "passwordPolicy.requireSymbol", v.RequireSymbol)
		boolean(pp, "rejectCommon", "passwordPolicy.rejectCommon", v.RejectCommon)
		if len(pp) > 0 {
			out["passwordPolicy"] = pp
		}
	}
	if p.LoginLockout.Null {
		f.Add("loginLockout", "must not be null")
	} else if p.LoginLockout.Set {
		ll := map[string]any{}
		integer(ll, "maxAttempts", "loginLockout.maxAttempts", p.LoginLockout.V.MaxAttempts)
		integer(ll, "lockMinutes", "loginLockout.lockMinutes", p.LoginLockout.V.LockMinutes)
		if len(ll) > 0 {
			out["loginLockout"] = ll
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, problem.Invalid(problem.FieldError{Field: "body", Message: "give at least one setting to change"})
	}
	return out, nil
}

// orRaw keeps the value as sent when it does not normalise: validation then
// names the field.
func orRaw(normalised, raw string) string {
	if normalised == "" {
		return raw
	}
	return normalised
}

func settingsUpdate(s *Server, w http.ResponseWriter, r *http.Request) error {
	var p settingsPatch
	if err := decode(r, &p, true); err != nil {
		return err
	}
	patch, err := p.normalised()
	if err != nil {
		return err
	}
	body, _ := json.Marshal(patch)
	want, err := ifMatch(r)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		_, raw, version, err := s.current(r)
		if err != nil {
			return err
		}
		if want != 0 && want != version+1 { // the ETag is version+1: "1" for the defaults
			return problem.ErrPreconditionFailed
		}
		merged, fields, err := settings.Merge(raw, body)
		if err != nil {
			return err
		}
		eff, err := settings.Effective(s.defaults(r), merged)
		if err != nil {
			return err
		}
		if bad := eff.Validate(auth.ValidRole); len(bad) > 0 {
			var f problem.Fields
			for _, b := range bad {
				f.Add(b.Field, b.Message)
			}
			return f.Err()
		}
		err = s.Store.SaveSettings(r.Context(), caller(r, routes.InstanceManage), merged, version, fields)
		if e := problem.As(err); err != nil && e.Code == "settings_changed" && attempt < 3 && want == 0 {
			continue
		}
		if err != nil {
			return err
		}
		if st, ok := s.Settings.(*settings.Stored); ok {
			st.Forget()
		}
		w.Header().Set("ETag", etag(version+2)) // the stored version is now version+1
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

// auditTarget reads targetId: an id, or an email (failed logins of unknown
// addresses are recorded against the address).
func auditTarget(r *http.Request, f *problem.Fields) string {
	v := r.URL.Query().Get("targetId")
	if v == "" || ValidID(v) {
		return v
	}
	if e, msg := validate.Email(v); msg == "" {
		return e
	}
	f.Add("targetId", "is not a valid id")
	return ""
}
