package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/usherhq/usher/pkg/settings"
)

// member creates a user with a password and returns its id and email.
func (e *env) member(t *testing.T, role, pw string) (string, string) {
	t.Helper()
	email := uniq(t, role)
	r := e.call("POST", "/v1/users", e.admin, map[string]any{"email": email, "name": "Member", "role": role, "password": pw})
	want(t, r, 201)
	return r.str("id"), email
}

func (e *env) login(t *testing.T, email, pw string) resp {
	t.Helper()
	r := e.call("POST", "/v1/auth/login", "", map[string]any{"email": email, "password": pw})
	if tok := r.str("token"); tok != "" {
		e.mu.Lock()
		e.secrets = append(e.secrets, tok)
		e.mu.Unlock()
	}
	return r
}

func TestLoginAnswersAlikeAndLocksOut(t *testing.T) {
	e := newEnv(t)
	e.setSettings(func(s *settings.Settings) { s.LoginLockout = settings.Lockout{MaxAttempts: 3, LockMinutes: 15} })
	id, email := e.member(t, "viewer", "correct horse battery")
	wrong := e.login(t, email, "wrong password here")
	want(t, wrong, 401, "invalid_credentials")
	unknown := e.login(t, "nobody@example.com", "wrong password here")
	want(t, unknown, 401, "invalid_credentials")
	if string(wrong.Body) != string(unknown.Body) {
		t.Fatalf("unknown email and wrong password answer differently:\n%s\n%s", wrong.Body, unknown.Body)
	}
	ok := e.login(t, email, "correct horse battery")
	want(t, ok, 200)
	if !strings.HasPrefix(ok.str("token"), "ushs_") || ok.JSON()["user"].(map[string]any)["id"] != id {
		t.Fatalf("login: %s", ok.Body)
	}
	// A success resets the count: three straight failures lock, even the right password.
	for i := 0; i < 3; i++ {
		want(t, e.login(t, email, "wrong password here"), 401, "invalid_credentials")
	}
	locked := e.login(t, email, "correct horse battery")
	want(t, locked, 429, "too_many_attempts")
	if locked.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	e.setClock(time.Now().Add(16 * time.Minute))
	want(t, e.login(t, email, "correct horse battery"), 200)

	// Deactivated: the same 401 as a wrong password.
	want(t, e.call("POST", "/v1/users/"+id+"/deactivate", e.admin, nil), 200)
	d := e.login(t, email, "correct horse battery")
	want(t, d, 401, "invalid_credentials")
	if string(d.Body) != string(wrong.Body) {
		t.Fatalf("deactivated answers differently: %s", d.Body)
	}
	want(t, e.call("POST", "/v1/auth/login", "", map[string]any{"email": email}), 400, "invalid_request")
}

func TestSessionsEndWhenTheyShould(t *testing.T) {
	e := newEnv(t)
	id, email := e.member(t, "editor", "correct horse battery")
	a := e.login(t, email, "correct horse battery").str("token")
	b := e.login(t, email, "correct horse battery").str("token")
	want(t, e.call("GET", "/v1/me", a, nil), 200)

	// Logout ends only the calling session; an API key cannot log out.
	want(t, e.call("POST", "/v1/auth/logout", a, nil), 204)
	gateway(t, e.call("GET", "/v1/me", a, nil), 403, "Forbidden")
	want(t, e.call("GET", "/v1/me", b, nil), 200)
	want(t, e.call("POST", "/v1/auth/logout", e.admin, nil), 400, "not_a_session")

	// Changing one's password keeps the calling session and ends the others.
	c := e.login(t, email, "correct horse battery").str("token")
	want(t, e.call("PUT", "/v1/me/password", b, map[string]any{"currentPassword": "not it at all", "password": "a brand new passphrase"}), 400, "invalid_request")
	want(t, e.call("PUT", "/v1/me/password", b, map[string]any{"currentPassword": "correct horse battery", "password": "short"}), 400, "weak_password")
	want(t, e.call("PUT", "/v1/me/password", b, map[string]any{"currentPassword": "correct horse battery", "password": "a brand new passphrase"}), 204)
	want(t, e.call("GET", "/v1/me", b, nil), 200)
	gateway(t, e.call("GET", "/v1/me", c, nil), 403, "Forbidden")
	want(t, e.login(t, email, "correct horse battery"), 401, "invalid_credentials")
	d := e.login(t, email, "a brand new passphrase").str("token")

	// An admin setting the password ends every session.
	want(t, e.call("PUT", "/v1/users/"+id+"/password", e.admin, map[string]any{"password": "password1234"}), 400, "weak_password")
	want(t, e.call("PUT", "/v1/users/"+id+"/password", e.admin, map[string]any{"password": "set by the admin today"}), 204)
	for _, s := range []string{b, d} {
		gateway(t, e.call("GET", "/v1/me", s, nil), 403, "Forbidden")
	}
	want(t, e.login(t, email, "set by the admin today"), 200)

	// Session lifetime comes from the settings; expiry is checked at use.
	e.setSettings(func(s *settings.Settings) { s.SessionTTLHours = 1 })
	short := e.login(t, email, "set by the admin today")
	exp, _ := time.Parse(time.RFC3339, short.str("expiresAt"))
	if d := time.Until(exp); d < 59*time.Minute || d > 61*time.Minute {
		t.Fatalf("sessionTtlHours 1 gave expiresAt %s", short.str("expiresAt"))
	}
	e.setClock(time.Now().Add(61 * time.Minute))
	gateway(t, e.call("GET", "/v1/me", short.str("token"), nil), 403, "Forbidden")
}

func TestPasswordReset(t *testing.T) {
	e := newEnv(t)
	id, email := e.member(t, "viewer", "correct horse battery")
	s := e.login(t, email, "correct horse battery").str("token")
	r := e.call("POST", "/v1/users/"+id+"/password-reset", e.admin, nil)
	want(t, r, 202)
	if r.JSON()["emailSent"] != true {
		t.Fatalf("reset: %s", r.Body)
	}
	tok := mailedToken(t, email, 1)
	if tok != linkToken(t, r.str("resetUrl")) || !strings.HasPrefix(tok, "ushr_") {
		t.Fatalf("mailed token differs from resetUrl")
	}
	gateway(t, e.call("GET", "/v1/me", tok, nil), 403, "Forbidden") // never a bearer
	want(t, e.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": tok, "password": "tiny"}), 400, "weak_password")
	want(t, e.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": s, "password": "a fresh passphrase"}), 410, "reset_token_invalid")
	want(t, e.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": tok, "password": "a fresh passphrase"}), 204)
	want(t, e.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": tok, "password": "another passphrase"}), 410, "reset_token_invalid")
	gateway(t, e.call("GET", "/v1/me", s, nil), 403, "Forbidden")
	want(t, e.login(t, email, "a fresh passphrase"), 200)

	// A newer link replaces an older one; links last one hour.
	want(t, e.call("POST", "/v1/users/"+id+"/password-reset", e.admin, nil), 202)
	older := mailedToken(t, email, 2)
	want(t, e.call("POST", "/v1/users/"+id+"/password-reset", e.admin, nil), 202)
	newer := mailedToken(t, email, 3)
	want(t, e.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": older, "password": "a fresh passphrase"}), 410, "reset_token_invalid")
	e.setClock(time.Now().Add(61 * time.Minute))
	want(t, e.call("POST", "/v1/password-reset/complete", "", map[string]any{"token": newer, "password": "a fresh passphrase"}), 410, "reset_token_invalid")
	want(t, e.call("POST", "/v1/users/nope/password-reset", e.admin, nil), 404, "not_found")
	_, adminKey := e.userWithKey(uniq(t, "adm"), "admin")
	want(t, e.call("POST", "/v1/users/"+e.adminID+"/password-reset", adminKey, nil), 403, "forbidden")
	want(t, e.call("PUT", "/v1/users/"+e.adminID+"/password", adminKey, map[string]any{"password": "takeover attempt!"}), 403, "forbidden")
}

func TestPasswordValidate(t *testing.T) {
	e := newEnv(t)
	want(t, e.call("POST", "/v1/password/validate", "", map[string]any{"password": "a perfectly fine passphrase"}), 200)
	r := e.call("POST", "/v1/password/validate", "", map[string]any{"password": "password1234"})
	want(t, r, 400, "weak_password")
	e.setSettings(func(s *settings.Settings) {
		s.PasswordPolicy.MinLength, s.PasswordPolicy.RequireUppercase, s.PasswordPolicy.RequireNumber, s.PasswordPolicy.RequireSymbol = 8, true, true, true
	})
	r = e.call("POST", "/v1/password/validate", "", map[string]any{"password": "abc"})
	want(t, r, 400, "weak_password")
	if n := len(r.JSON()["errors"].([]any)); n != 4 {
		t.Fatalf("%d errors, want one per unmet rule (length, uppercase, number, symbol): %s", n, r.Body)
	}
	want(t, e.call("POST", "/v1/password/validate", "", map[string]any{"password": "Abcdefg1!"}), 200)
	long := strings.Repeat("x", 257)
	want(t, e.call("POST", "/v1/password/validate", "", map[string]any{"password": long}), 400, "weak_password")
}
