package httpapi

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/mail"
	"github.com/usherhq/usher/pkg/password"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/routes"
	"github.com/usherhq/usher/pkg/settings"
	"github.com/usherhq/usher/pkg/store"
	"github.com/usherhq/usher/pkg/validate"
)

var errTooManyAttempts = problem.New(http.StatusTooManyRequests, "too_many_attempts", "too many failed logins for this address; try again later")

// hashPassword checks pw against the policy in force and hashes it.
func (s *Server) hashPassword(set settings.Settings, pw string) (string, error) {
	if msgs := set.PasswordPolicy.Check(pw); len(msgs) > 0 {
		return "", weakPassword(msgs)
	}
	return password.Hash(pw), nil
}

// present records "is required" when v is missing or null and returns it
// as given: passwords, and the address of a login, are checked later and
// answered without naming a rule.
func present(f *problem.Fields, field string, v Opt[string]) string {
	if !v.Set || v.Null {
		f.Add(field, "is required")
	}
	return v.V
}

// dummyHash is verified against when there is no account, so that a login
// for an unknown address costs as much as one with a wrong password.
var dummyHash = sync.OnceValue(func() string { return password.Hash("usher: no such account") })

func authLogin(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Email    Opt[string] `json:"email"`
		Password Opt[string] `json:"password"`
	}
	if err := decode(r, &b, true); err != nil {
		return err
	}
	var f problem.Fields
	present(&f, "email", b.Email)
	pw := present(&f, "password", b.Password)
	if err := f.Err(); err != nil {
		return err
	}
	set, err := s.Settings.Get(r.Context())
	if err != nil {
		return err
	}
	email, msg := validate.Email(b.Email.V)
	if msg != "" {
		_, _ = password.Verify(pw, dummyHash())
		return store.ErrInvalidCredentials
	}
	st, err := s.Store.LoginState(r.Context(), email)
	if err != nil {
		return err
	}
	if !st.LockedUntil.IsZero() {
		e := *errTooManyAttempts
		e.RetryAfter = int(time.Until(st.LockedUntil).Seconds()) + 1
		return &e
	}
	verifies := func(st store.LoginState) bool {
		hash := st.PasswordHash
		if st.UserID == "" || st.Status != store.StatusActive || hash == "" {
			hash = dummyHash()
		}
		ok, _ := password.Verify(pw, hash)
		return ok && hash == st.PasswordHash && st.Status == store.StatusActive
	}
	ok := verifies(st)
	if !ok && st.Hinted() {
		// The state came from an index that may lag: a failure is decided
		// on the table itself (a success is checked by the transaction).
		exact, err := s.Store.ConfirmLogin(r.Context(), st)
		if err != nil {
			return err
		}
		if exact.UserID != st.UserID || exact.Status != st.Status || exact.PasswordHash != st.PasswordHash {
			ok = verifies(exact)
		}
		st = exact
	}
	failed := func() error {
		lockFor := time.Duration(set.LoginLockout.LockMinutes) * time.Minute
		if _, err := s.Store.LoginFailed(r.Context(), email, st.UserID, set.LoginLockout.MaxAttempts, lockFor); err != nil {
			return err
		}
		return store.ErrInvalidCredentials
	}
	if !ok {
		return failed()
	}
	u, sess, err := s.Store.OpenSessionFor(r.Context(), st, time.Duration(set.SessionTTLHours)*time.Hour)
	if errors.Is(err, store.ErrInvalidCredentials) {
		// The user changed between the check and the session (password,
		// status, email, or gone): a failure like any other, counted.
		return failed()
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"token": sess.Token, "expiresAt": sess.ExpiresAt, "user": u})
}

func authLogout(s *Server, w http.ResponseWriter, r *http.Request) error {
	if err := decode(r, &struct{}{}, false); err != nil {
		return err
	}
	p, _ := auth.FromContext(r.Context())
	if p.TokenKind != store.KindSession {
		return store.ErrNotASession
	}
	if err := s.Store.CloseSession(r.Context(), p.ID, p.TokenID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decodePassword reads a {"password"} body and the settings in force.
func (s *Server) decodePassword(r *http.Request) (string, settings.Settings, error) {
	var b struct {
		Password Opt[string] `json:"password"`
	}
	if err := decode(r, &b, true); err != nil {
		return "", settings.Settings{}, err
	}
	var f problem.Fields
	pw := present(&f, "password", b.Password)
	if err := f.Err(); err != nil {
		return "", settings.Settings{}, err
	}
	set, err := s.Settings.Get(r.Context())
	return pw, set, err
}

func passwordValidate(s *Server, w http.ResponseWriter, r *http.Request) error {
	pw, set, err := s.decodePassword(r)
	if err != nil {
		return err
	}
	if msgs := set.PasswordPolicy.Check(pw); len(msgs) > 0 {
		return weakPassword(msgs)
	}
	return writeJSON(w, http.StatusOK, map[string]bool{"valid": true})
}

func mePassword(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b struct {
		CurrentPassword Opt[string] `json:"currentPassword"`
		Password        Opt[string] `json:"password"`
	}
	if err := decode(r, &b, true); err != nil {
		return err
	}
	var f problem.Fields
	current := present(&f, "currentPassword", b.CurrentPassword)
	pw := present(&f, "password", b.Password)
	if err := f.Err(); err != nil {
		return err
	}
	set, err := s.Settings.Get(r.Context())
	if err != nil {
		return err
	}
	c := caller(r, routes.Self)
	ps, err := s.Store.PasswordState(r.Context(), c.P.ID)
	if err != nil {
		return err
	}
	proves := func(stored string) error {
		if ok, _ := password.Verify(current, stored); !ok || stored == "" {
			return problem.Invalid(problem.FieldError{Field: "currentPassword", Message: "is not your current password"})
		}
		return nil
	}
	if err := proves(ps.Hash); err != nil {
		return err
	}
	hash, err := s.hashPassword(set, pw)
	if err != nil {
		return err
	}
	keep := ""
	if c.P.TokenKind == store.KindSession {
		keep = c.P.TokenID
	}
	if err := s.Store.ChangePassword(r.Context(), c, c.P.ID, ps, hash, keep, proves); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func usersSetPassword(s *Server, w http.ResponseWriter, r *http.Request) error {
	pw, set, err := s.decodePassword(r)
	if err != nil {
		return err
	}
	hash, err := s.hashPassword(set, pw)
	if err != nil {
		return err
	}
	c := caller(r, routes.UsersWrite)
	if err := s.Store.SetPassword(r.Context(), c, r.PathValue("id"), hash, "", func(u store.User) error { return mayManage(c, u) }); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func usersPasswordReset(s *Server, w http.ResponseWriter, r *http.Request) error {
	if err := decode(r, &struct{}{}, false); err != nil {
		return err
	}
	set, err := s.linkSettings(r)
	if err != nil {
		return err
	}
	c := caller(r, routes.UsersWrite)
	u, secret, expires, err := s.Store.CreateReset(r.Context(), c, r.PathValue("id"), func(u store.User) error { return mayManage(c, u) })
	if err != nil {
		return err
	}
	url := link(set.PasswordResetURLBase, secret)
	msg, err := mail.PasswordResetMessage(set.SenderEmail, u.Email, mail.PasswordReset{InstanceName: set.InstanceName, UserName: u.Name, URL: url, ExpiresAt: expires})
	if err == nil {
		err = s.Mail.Send(r.Context(), msg)
	}
	if err != nil {
		s.Log.WarnContext(r.Context(), "password reset email not sent", "requestId", requestID(r.Context()), "userId", u.ID, "err", err.Error())
	}
	return writeJSON(w, http.StatusAccepted, map[string]any{"emailSent": err == nil, "resetUrl": url})
}

func passwordResetComplete(s *Server, w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Token    Opt[string] `json:"token"`
		Password Opt[string] `json:"password"`
	}
	if err := decode(r, &b, true); err != nil {
		return err
	}
	var f problem.Fields
	secret := requiredToken(&f, b.Token)
	pw := present(&f, "password", b.Password)
	if err := f.Err(); err != nil {
		return err
	}
	set, err := s.Settings.Get(r.Context())
	if err != nil {
		return err
	}
	hash, err := s.hashPassword(set, pw)
	if err != nil {
		return err
	}
	if err := s.Store.CompleteReset(r.Context(), secret, hash); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
