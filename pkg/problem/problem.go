// Package problem is Usher's one error vocabulary: coded errors that map to an
// HTTP status and are written as RFC 9457 problem documents. Nothing but the
// code, a fixed title and a detail written for clients ever leaves the API.
package problem

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// FieldError names one bad field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a coded error meant for the client.
type Error struct {
	Status     int
	Code       string
	Detail     string
	Fields     []FieldError
	RetryAfter int // seconds, for 429 and 503
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

// New returns a coded error.
func New(status int, code, detail string) *Error {
	return &Error{Status: status, Code: code, Detail: detail}
}

// Common errors.
var (
	ErrNotFound           = New(http.StatusNotFound, "not_found", "the resource does not exist")
	ErrForbidden          = New(http.StatusForbidden, "forbidden", "you are not allowed to do this")
	ErrPreconditionFailed = New(http.StatusPreconditionFailed, "precondition_failed", "the resource has changed since you read it (If-Match does not match its ETag)")
	ErrUnavailable        = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Detail: "the service is temporarily unavailable; nothing was changed, try again", RetryAfter: 2}
	ErrInternal           = New(http.StatusInternalServerError, "internal", "an unexpected error occurred")
	ErrInvalidCursor      = New(http.StatusBadRequest, "invalid_cursor", "the cursor is malformed, tampered with or belongs to another listing")
)

// Invalid returns a 400 invalid_request listing every bad field.
func Invalid(fields ...FieldError) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_request", Detail: "the request has invalid fields", Fields: fields}
}

// Fields collects field errors so that a request reports all of them at once.
type Fields []FieldError

// Add records a bad field.
func (f *Fields) Add(field, message string) { *f = append(*f, FieldError{field, message}) }

// Err returns nil when no field was bad, else an invalid_request error.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}

// As extracts a coded error; other errors are reported as internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrInternal
}

type document struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Code   string       `json:"code"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
}

// Write answers with the problem document for err.
func Write(w http.ResponseWriter, err error) {
	e := As(err)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(document{
		Type: "about:blank", Title: http.StatusText(e.Status), Status: e.Status,
		Code: e.Code, Detail: e.Detail, Errors: e.Fields,
	})
}
