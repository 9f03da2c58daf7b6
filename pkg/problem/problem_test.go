package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// outage mimics the store's storage failure: it unwraps to ErrUnavailable and
// to the AWS error, whose text must never reach the client.
type outage struct{ cause error }

func (e outage) Error() string   { return "storage unavailable: " + e.cause.Error() }
func (e outage) Unwrap() []error { return []error{ErrUnavailable, e.cause} }

const secretText = "AccessDeniedException: arn:aws:iam::123456789012 token hash=deadbeef"

// written is what Write answered.
type written struct {
	status      int
	contentType string
	retryAfter  []string
	raw         string
	doc         map[string]any
}

func write(t *testing.T, err error) written {
	t.Helper()
	rec := httptest.NewRecorder()
	Write(rec, err)
	w := written{
		status:      rec.Code,
		contentType: rec.Header().Get("Content-Type"),
		retryAfter:  rec.Header().Values("Retry-After"),
		raw:         rec.Body.String(),
	}
	if e := json.Unmarshal(rec.Body.Bytes(), &w.doc); e != nil {
		t.Fatalf("Write(%v) body %q is not JSON: %v", err, w.raw, e)
	}
	return w
}

func TestWrite(t *testing.T) {
	t.Parallel()
	fields := []FieldError{{"email", "must be a valid email address"}, {"name", "must not be empty"}}
	cases := []struct {
		name       string
		err        error
		status     int
		code       string
		detail     string
		errors     []any // nil: no "errors" member
		retryAfter string
	}{
		{"not found", ErrNotFound, 404, "not_found", ErrNotFound.Detail, nil, ""},
		{"forbidden", ErrForbidden, 403, "forbidden", ErrForbidden.Detail, nil, ""},
		{"precondition failed", ErrPreconditionFailed, 412, "precondition_failed", ErrPreconditionFailed.Detail, nil, ""},
		{"invalid cursor", ErrInvalidCursor, 400, "invalid_cursor", ErrInvalidCursor.Detail, nil, ""},
		{"internal", ErrInternal, 500, "internal", "an unexpected error occurred", nil, ""},
		{"unavailable", ErrUnavailable, 503, "unavailable", ErrUnavailable.Detail, nil, "2"},
		{"conflict", New(http.StatusConflict, "user_exists", "a user with this email already exists"), 409, "user_exists", "a user with this email already exists", nil, ""},
		{"unprocessable entity", New(http.StatusUnprocessableEntity, "idempotency_key_reused", "x"), 422, "idempotency_key_reused", "x", nil, ""},
		{"rate limited", &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Detail: "slow down", RetryAfter: 60}, 429, "rate_limited", "slow down", nil, "60"},
		{"no detail", New(http.StatusGone, "invitation_expired", ""), 410, "invitation_expired", "", nil, ""},
		{"invalid with fields", Invalid(fields...), 400, "invalid_request", "the request has invalid fields", []any{
			map[string]any{"field": "email", "message": "must be a valid email address"},
			map[string]any{"field": "name", "message": "must not be empty"},
		}, ""},
		{"invalid without fields", Invalid(), 400, "invalid_request", "the request has invalid fields", nil, ""},
		{"wrapped coded error", fmt.Errorf("get user 42: %w", ErrNotFound), 404, "not_found", ErrNotFound.Detail, nil, ""},
		{"joined coded error", errors.Join(errors.New(secretText), ErrForbidden), 403, "forbidden", ErrForbidden.Detail, nil, ""},
		{"storage outage", outage{errors.New(secretText)}, 503, "unavailable", ErrUnavailable.Detail, nil, "2"},
		{"wrapped storage outage", fmt.Errorf("create user: %w", outage{errors.New(secretText)}), 503, "unavailable", ErrUnavailable.Detail, nil, "2"},
		{"plain error", errors.New(secretText), 500, "internal", "an unexpected error occurred", nil, ""},
		{"wrapped plain error", fmt.Errorf("handler: %w", errors.New(secretText)), 500, "internal", "an unexpected error occurred", nil, ""},
		{"nil error", nil, 500, "internal", "an unexpected error occurred", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := write(t, c.err)
			if w.status != c.status {
				t.Errorf("status = %d; want %d", w.status, c.status)
			}
			if w.contentType != "application/problem+json" {
				t.Errorf("Content-Type = %q; want application/problem+json", w.contentType)
			}
			if c.retryAfter == "" && len(w.retryAfter) > 0 {
				t.Errorf("Retry-After = %q; want none", w.retryAfter)
			}
			if c.retryAfter != "" && !slices.Equal(w.retryAfter, []string{c.retryAfter}) {
				t.Errorf("Retry-After = %q; want [%q]", w.retryAfter, c.retryAfter)
			}
			want := map[string]any{
				"type":   "about:blank",
				"title":  http.StatusText(c.status),
				"status": float64(c.status),
				"code":   c.code,
			}
			if c.detail != "" {
				want["detail"] = c.detail
			}
			if c.errors != nil {
				want["errors"] = c.errors
			}
			if got, wantJSON := mustJSON(t, w.doc), mustJSON(t, want); got != wantJSON {
				t.Errorf("body = %s\nwant   %s", got, wantJSON)
			}
			if strings.Contains(w.raw, "AccessDenied") || strings.Contains(w.raw, "arn:aws") || strings.Contains(w.raw, "deadbeef") {
				t.Errorf("body %s leaks the original error text", w.raw)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteTitleIsStatusText(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 409, 410, 412, 413, 415, 422, 429, 500, 503} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			w := write(t, New(status, "c", "d"))
			if got := w.doc["title"]; got != http.StatusText(status) {
				t.Fatalf("title = %v; want %q", got, http.StatusText(status))
			}
			if got := w.doc["status"]; got != float64(status) {
				t.Fatalf("status member = %v; want %d", got, status)
			}
		})
	}
}

func TestAs(t *testing.T) {
	t.Parallel()
	conflict := New(http.StatusConflict, "user_exists", "a user with this email already exists")
	cases := []struct {
		name string
		err  error
		want *Error
	}{
		{"coded", conflict, conflict},
		{"wrapped coded", fmt.Errorf("x: %w", conflict), conflict},
		{"doubly wrapped", fmt.Errorf("y: %w", fmt.Errorf("x: %w", ErrNotFound)), ErrNotFound},
		{"multi-unwrap", outage{errors.New(secretText)}, ErrUnavailable},
		{"plain", errors.New(secretText), ErrInternal},
		{"wrapped plain", fmt.Errorf("x: %w", errors.New(secretText)), ErrInternal},
		{"nil", nil, ErrInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := As(c.err)
			if got != c.want {
				t.Fatalf("As(%v) = %#v; want %#v", c.err, got, c.want)
			}
			if strings.Contains(got.Detail, "AccessDenied") || strings.Contains(got.Error(), "AccessDenied") {
				t.Fatalf("As(%v) = %#v carries the original error text", c.err, got)
			}
		})
	}
	t.Run("internal is generic", func(t *testing.T) {
		t.Parallel()
		got := As(errors.New(secretText))
		if got.Status != 500 || got.Code != "internal" || got.Detail != "an unexpected error occurred" || got.Fields != nil || got.RetryAfter != 0 {
			t.Fatalf("As(plain) = %#v; want 500 internal with the generic detail", got)
		}
	})
}

func TestFieldsErr(t *testing.T) {
	t.Parallel()
	t.Run("nil fields", func(t *testing.T) {
		t.Parallel()
		var f Fields
		if err := f.Err(); err != nil {
			t.Fatalf("Fields(nil).Err() = %v; want nil", err)
		}
	})
	t.Run("empty fields", func(t *testing.T) {
		t.Parallel()
		f := Fields{}
		if err := f.Err(); err != nil {
			t.Fatalf("Fields{}.Err() = %v; want nil", err)
		}
	})
	t.Run("every field kept in order", func(t *testing.T) {
		t.Parallel()
		var f Fields
		f.Add("email", "must be a valid email address")
		f.Add("name", "must not be empty")
		f.Add("email", "is required")
		err := f.Err()
		if err == nil {
			t.Fatal("Err() = nil; want invalid_request")
		}
		e := As(err)
		want := []FieldError{{"email", "must be a valid email address"}, {"name", "must not be empty"}, {"email", "is required"}}
		if e.Status != 400 || e.Code != "invalid_request" || !slices.Equal(e.Fields, want) {
			t.Fatalf("Err() = %#v; want 400 invalid_request with %v", e, want)
		}
	})
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	if got, want := New(404, "not_found", "gone").Error(), "not_found: gone"; got != want {
		t.Fatalf("Error() = %q; want %q", got, want)
	}
}
