package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/store"
)

// createUserRequest is a POST /v1/users as the middleware hands it to the
// handler: the checked body in the context.
func createUserRequest(b *testing.B) *http.Request {
	b.Helper()
	body := []byte(`{"email":"  Ada.Lovelace@Example.COM ","name":"Ada Lovelace","role":"editor"}`)
	r := httptest.NewRequest("POST", "/v1/users", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	checked, err := readBody(r)
	if err != nil {
		b.Fatal(err)
	}
	return r.WithContext(context.WithValue(r.Context(), bodyKey{}, checked))
}

// BenchmarkDecodeCreateUser is usersCreate's work before storage: the strict
// JSON decode and the validation of every field.
func BenchmarkDecodeCreateUser(b *testing.B) {
	r := createUserRequest(b)
	for b.Loop() {
		var body createUserBody
		if err := decode(r, &body, true); err != nil {
			b.Fatal(err)
		}
		var f problem.Fields
		email := requiredEmail(&f, "email", body.Email)
		name := requiredName(&f, "name", body.Name)
		checkRole(&f, body.Role.V)
		if err := f.Err(); err != nil || email != "ada.lovelace@example.com" || name == "" {
			b.Fatalf("decode: %v %q %q", err, email, name)
		}
	}
}

// BenchmarkReadBody is the middleware's check of a write's body.
func BenchmarkReadBody(b *testing.B) {
	body := `{"email":"ada@example.com","name":"Ada Lovelace","role":"editor"}`
	for b.Loop() {
		r := httptest.NewRequest("POST", "/v1/users", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if _, err := readBody(r); err != nil {
			b.Fatal(err)
		}
	}
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return io.Discard.Write(p) }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkEncodeUsersPage is the response of GET /v1/users: a full page of
// 50 users with a cursor and the total.
func BenchmarkEncodeUsersPage(b *testing.B) {
	login := "2026-11-22T10:00:00.000Z"
	p := store.Page[store.User]{Items: make([]store.User, 50)}
	for i := range p.Items {
		p.Items[i] = store.User{ID: fmt.Sprintf("0192f0c6-1111-7000-8000-%012d", i), Email: fmt.Sprintf("user%d@example.com", i),
			Name: "Ada Lovelace", Role: "viewer", Status: "active", CreatedAt: login, UpdatedAt: login, LastLoginAt: &login,
			InvitedBy: &store.Ref{Type: "user", ID: "0192f0c6-1111-7000-8000-000000000000"}}
	}
	cursor := strings.Repeat("c", 180)
	total := int64(100000)
	p.NextCursor, p.Total = &cursor, &total
	w := &discardWriter{h: http.Header{}}
	for b.Loop() {
		if err := writeJSON(w, http.StatusOK, p); err != nil {
			b.Fatal(err)
		}
	}
}
