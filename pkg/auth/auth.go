// Package auth holds who may do what: the instance and workspace roles, the
// permission matrix of the API contract and the caller's principal.
package auth

import (
	"context"

	"github.com/usherhq/usher/pkg/routes"
)

// Role is an instance role.
type Role string

const (
	SuperAdmin Role = "super_admin"
	Admin      Role = "admin"
	Editor     Role = "editor"
	Operator   Role = "operator"
	Viewer     Role = "viewer"
	APIUser    Role = "api_user"
)

// RoleInfo describes a role for clients that render the permission table.
type RoleInfo struct {
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Permissions []routes.Permission `json:"permissions"`
}

// Roles lists the instance roles, most powerful first, with what each grants.
var Roles = []RoleInfo{
	{"super_admin", "Everything, including granting and revoking super_admin", []routes.Permission{routes.Self, routes.RolesRead, routes.UsersRead, routes.UsersWrite, routes.WorkspacesRead, routes.WorkspacesWrite, routes.WorkspaceMembers, routes.Invite, routes.InstanceManage, "superadmin:grant"}},
	{"admin", "Manages users (except super_admins), invitations, workspaces, admin tokens, settings and the audit trail", []routes.Permission{routes.Self, routes.RolesRead, routes.UsersRead, routes.UsersWrite, routes.WorkspacesRead, routes.WorkspacesWrite, routes.WorkspaceMembers, routes.Invite, routes.InstanceManage}},
	{"editor", "Reads users and invitations; creates and edits workspaces and their members", []routes.Permission{routes.Self, routes.RolesRead, routes.UsersRead, routes.WorkspacesRead, routes.WorkspacesWrite, routes.WorkspaceMembers, routes.Invite}},
	{"operator", "Reads users, invitations, insights and workspaces", []routes.Permission{routes.Self, routes.RolesRead, routes.UsersRead, routes.WorkspacesRead, routes.WorkspaceMembers, routes.Invite}},
	{"viewer", "Reads users, invitations, insights and workspaces", []routes.Permission{routes.Self, routes.RolesRead, routes.UsersRead, routes.WorkspacesRead, routes.WorkspaceMembers, routes.Invite}},
	{"api_user", "Only its own profile, password and API keys (for scripts and integrations)", []routes.Permission{routes.Self}},
}

// WorkspaceRoles lists the roles inside a workspace, most powerful first.
var WorkspaceRoles = []RoleInfo{
	{"owner", "Manages the workspace's members, owners included, and invites people into it; a workspace always keeps one", []routes.Permission{"workspace:read", "workspace:members", "workspace:invite", "workspace:owners"}},
	{"admin", "Manages the workspace's members (up to admin) and invites people into it", []routes.Permission{"workspace:read", "workspace:members", "workspace:invite"}},
	{"member", "Works in the workspace", []routes.Permission{"workspace:read"}},
	{"guest", "Limited access to the workspace", []routes.Permission{"workspace:read"}},
}

var grants = func() map[Role]map[routes.Permission]bool {
	m := map[Role]map[routes.Permission]bool{}
	for _, r := range Roles {
		m[Role(r.Name)] = map[routes.Permission]bool{}
		for _, p := range r.Permissions {
			m[Role(r.Name)][p] = true
		}
	}
	return m
}()

// ValidRole reports whether s names an instance role.
func ValidRole(s string) bool { _, ok := grants[Role(s)]; return ok }

// RoleNames lists the instance roles for error messages.
func RoleNames() []string {
	out := make([]string, len(Roles))
	for i, r := range Roles {
		out[i] = r.Name
	}
	return out
}

// Principal kinds.
const (
	KindUser       = "user"
	KindAdminToken = "admin_token"
)

// Principal is the authenticated caller as the authorizer established it.
type Principal struct {
	Type      string // KindUser or KindAdminToken
	ID        string // user id or admin token id
	Role      Role   // the user's role; admin tokens act as admin
	TokenID   string // id of the API key, session or admin token used
	TokenKind string // "api_key", "session" or "admin_token"

	// An admin token's creator, for the audit trail.
	CreatedByType, CreatedByID string
}

// IsUser reports whether the caller is a user (not an admin token).
func (p Principal) IsUser() bool { return p.Type == KindUser }

// Allowed reports whether the caller's role grants perm.
func (p Principal) Allowed(perm routes.Permission) bool {
	if perm == routes.Public {
		return true
	}
	return grants[p.Role][perm]
}

// CanGrant reports whether the caller may give a user the role r.
func (p Principal) CanGrant(r Role) bool {
	if r == SuperAdmin {
		return p.Role == SuperAdmin
	}
	return p.Allowed(routes.UsersWrite)
}

// CanManage reports whether the caller may change a user who has role r:
// only super_admins touch super_admins.
func (p Principal) CanManage(r Role) bool { return p.CanGrant(r) }

// ManagerRoles are the roles whose holders may run a write that needs perm;
// writes re-check the caller's current role against them in their transaction.
func ManagerRoles(perm routes.Permission) []Role {
	var out []Role
	for _, r := range Roles {
		if grants[Role(r.Name)][perm] {
			out = append(out, Role(r.Name))
		}
	}
	return out
}

type ctxKey struct{}

// WithPrincipal stores the caller in ctx.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the caller stored by WithPrincipal.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}
