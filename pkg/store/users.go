package store

import (
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/auth"
	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/validate"
)

// User statuses.
const (
	StatusActive      = "active"
	StatusDeactivated = "deactivated"
)

// Errors of user changes.
var (
	ErrUserExists     = problem.New(http.StatusConflict, "user_exists", "a user with this email already exists")
	ErrLastSuperAdmin = problem.New(http.StatusConflict, "last_super_admin", "the last active super_admin cannot be demoted, deactivated or deleted")
	ErrCallerChanged  = problem.New(http.StatusForbidden, "forbidden", "your role or status no longer allows this")
	ErrSuperAdminOnly = problem.New(http.StatusForbidden, "forbidden", "only a super_admin may change a super_admin or grant that role")
)

// Ref names who did something: a user, an admin token or the system.
type Ref struct {
	Type  string `json:"type" dynamodbav:"type"`
	ID    string `json:"id" dynamodbav:"id"`
	Email string `json:"email,omitempty" dynamodbav:"email,omitempty"`
}

// User is a user as the API shows it.
type User struct {
	ID          string  `json:"id"`
	Email       string  `json:"email"`
	Name        string  `json:"name"`
	Role        string  `json:"role"`
	Status      string  `json:"status"`
	CreatedAt   string  `json:"createdAt"`
	UpdatedAt   string  `json:"updatedAt"`
	LastLoginAt *string `json:"lastLoginAt"`
	InvitedBy   *Ref    `json:"invitedBy"`
	Version     int64   `json:"-"` // ETag
}

// userItem is a user as stored (the item and its listing copies).
type userItem struct {
	PK            string `dynamodbav:"PK"`
	SK            string `dynamodbav:"SK"`
	LP            string `dynamodbav:"LP,omitempty"`
	SC            string `dynamodbav:"SC,omitempty"`
	SE            string `dynamodbav:"SE,omitempty"`
	SN            string `dynamodbav:"SN,omitempty"`
	ID            string `dynamodbav:"id"`
	Email         string `dynamodbav:"email"`
	Name          string `dynamodbav:"name"`
	Role          string `dynamodbav:"role"`
	Status        string `dynamodbav:"status"`
	CreatedAt     string `dynamodbav:"createdAt"`
	UpdatedAt     string `dynamodbav:"updatedAt"`
	LastLoginAt   string `dynamodbav:"lastLoginAt,omitempty"`
	InvitedByType string `dynamodbav:"invitedByType,omitempty"`
	InvitedByID   string `dynamodbav:"invitedById,omitempty"`
	PasswordHash  string `dynamodbav:"passwordHash,omitempty"`
	Version       int64  `dynamodbav:"version"`
	TokenRev      int64  `dynamodbav:"tokenRev"`
	APIKeyCount   int64  `dynamodbav:"apiKeyCount"`
	WsCount       int64  `dynamodbav:"wsCount"` // memberships: a user is deleted only once it has none
}

// searchItem indexes a user under one word prefix.
type searchItem struct {
	PK    string   `dynamodbav:"PK"`
	SK    string   `dynamodbav:"SK"`
	LP    string   `dynamodbav:"LP"`
	SE    string   `dynamodbav:"SE"`
	ID    string   `dynamodbav:"id"`
	Words []string `dynamodbav:"words"`
}

func (it *userItem) user() User {
	u := User{ID: it.ID, Email: it.Email, Name: it.Name, Role: it.Role, Status: it.Status,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, Version: it.Version}
	if it.LastLoginAt != "" {
		v := it.LastLoginAt
		u.LastLoginAt = &v
	}
	if it.InvitedByID != "" {
		u.InvitedBy = &Ref{Type: it.InvitedByType, ID: it.InvitedByID}
	}
	return u
}

func sortName(name, id string) string { return strings.ToLower(name) + "#" + id }

// copies returns the user item and its three listing copies.
func (it userItem) copies() []userItem {
	base := it
	base.PK, base.SK, base.LP = userPK(it.ID), skUser, lpUsers
	base.SC, base.SE, base.SN = it.CreatedAt+"#"+it.ID, it.Email, sortName(it.Name, it.ID)
	out := []userItem{base}
	for _, c := range []struct{ sk, lp string }{
		{skListRole, lpRole(it.Role)}, {skListStatus, lpStatus(it.Status)}, {skListRS, lpRS(it.Role, it.Status)},
	} {
		cp := base
		cp.SK, cp.LP, cp.PasswordHash = c.sk, c.lp, ""
		out = append(out, cp)
	}
	return out
}

// searchItems returns the search entries of a user.
func (it userItem) searchItems() map[string]searchItem {
	words := validate.SearchWords(it.Name, it.Email)
	out := map[string]searchItem{}
	for _, p := range searchPrefixes(words) {
		out[skSearch+p] = searchItem{PK: userPK(it.ID), SK: skSearch + p, LP: lpPrefix(p), SE: it.Email, ID: it.ID, Words: words}
	}
	return out
}

func marshal(v any) map[string]types.AttributeValue {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		panic("store: marshal: " + err.Error()) // only fixed struct types are marshalled
	}
	return m
}

// isActiveSuper reports whether the user counts toward last_super_admin.
func (it userItem) isActiveSuper() bool {
	return it.Role == string(auth.SuperAdmin) && it.Status == StatusActive
}
