// Package routes is the single source of truth for the HTTP API surface: every
// route, the Lambda function that serves it and the permission it needs. The
// local server serves it, template.yaml is generated from it and the OpenAPI
// file is checked against it.
package routes

import "strings"

// Permission names what a caller must be allowed to do to call a route.
type Permission string

const (
	Public          Permission = "public"           // no authorizer
	Self            Permission = "self"             // any authenticated user acting on itself
	UsersRead       Permission = "users:read"       // list and read users, invitations, insights
	UsersWrite      Permission = "users:write"      // create/modify/delete users, others' API keys
	RolesRead       Permission = "roles:read"       // read the role catalogue
	InstanceManage  Permission = "instance:manage"  // admin tokens, settings, audit
	WorkspacesRead  Permission = "workspaces:read"  // read workspaces and members
	WorkspacesWrite Permission = "workspaces:write" // create/edit/delete workspaces and memberships

	// Delegated administration: any role but api_user may call these; the
	// handler allows instance managers, and owners and admins of the
	// workspaces concerned.
	WorkspaceMembers Permission = "workspaces:members" // manage the members of a workspace
	Invite           Permission = "invitations:create" // invite people (into workspaces one administers)
)

// Route is one HTTP route served by one Lambda function.
type Route struct {
	Name       string     // function folder under functions/ and the SAM logical id stem
	Method     string     // HTTP method
	Path       string     // API Gateway path, with {param} placeholders
	Permission Permission // what the caller needs
	ReadOnly   bool       // the function only reads the table (least-privilege IAM)
	SendsMail  bool       // the function sends email through SES
	Static     bool       // serves embedded files: every path below Path too, no table, no mail
	Summary    string     // one line for docs
}

// Public reports whether the route bypasses the authorizer.
func (r Route) Public() bool { return r.Permission == Public }

// Pattern is the net/http ServeMux pattern of the route.
func (r Route) Pattern() string { return MuxPattern(r.Method, r.Path) }

// All lists every route of the API.
var All = []Route{
	{Name: "health", Method: "GET", Path: "/v1/health", Permission: Public, ReadOnly: true, Summary: "Liveness and storage check"},
	{Name: "openapi", Method: "GET", Path: "/v1/openapi.json", Permission: Public, ReadOnly: true, Summary: "This API's OpenAPI document"},
	{Name: "roles-list", Method: "GET", Path: "/v1/roles", Permission: RolesRead, ReadOnly: true, Summary: "Instance and workspace roles with their permissions"},

	{Name: "users-list", Method: "GET", Path: "/v1/users", Permission: UsersRead, ReadOnly: true, Summary: "List and search users"},
	{Name: "users-create", Method: "POST", Path: "/v1/users", Permission: UsersWrite, Summary: "Create a user directly"},
	{Name: "users-get", Method: "GET", Path: "/v1/users/{id}", Permission: UsersRead, ReadOnly: true, Summary: "Get one user"},
	{Name: "users-update", Method: "PATCH", Path: "/v1/users/{id}", Permission: UsersWrite, Summary: "Change a user's name, email or role"},
	{Name: "users-delete", Method: "DELETE", Path: "/v1/users/{id}", Permission: UsersWrite, Summary: "Delete a user with its keys and sessions"},
	{Name: "users-deactivate", Method: "POST", Path: "/v1/users/{id}/deactivate", Permission: UsersWrite, Summary: "Deactivate a user; its tokens stop working"},
	{Name: "users-reactivate", Method: "POST", Path: "/v1/users/{id}/reactivate", Permission: UsersWrite, Summary: "Reactivate a user"},

	{Name: "user-api-keys-list", Method: "GET", Path: "/v1/users/{id}/api-keys", Permission: UsersWrite, ReadOnly: true, Summary: "List a user's API keys"},
	{Name: "user-api-keys-create", Method: "POST", Path: "/v1/users/{id}/api-keys", Permission: UsersWrite, Summary: "Create an API key for a user"},
	{Name: "user-api-keys-rotate", Method: "POST", Path: "/v1/users/{id}/api-keys/{keyId}/rotate", Permission: UsersWrite, Summary: "Rotate a user's API key"},
	{Name: "user-api-keys-delete", Method: "DELETE", Path: "/v1/users/{id}/api-keys/{keyId}", Permission: UsersWrite, Summary: "Delete a user's API key"},

	{Name: "invitations-create", Method: "POST", Path: "/v1/invitations", Permission: Invite, SendsMail: true, Summary: "Invite someone by email"},
	{Name: "invitations-batch", Method: "POST", Path: "/v1/invitations/batch", Permission: Invite, SendsMail: true, Summary: "Invite up to 100 people at once"},
	{Name: "invitations-list", Method: "GET", Path: "/v1/invitations", Permission: UsersRead, ReadOnly: true, Summary: "List invitations"},
	{Name: "invitations-get", Method: "GET", Path: "/v1/invitations/{id}", Permission: UsersRead, ReadOnly: true, Summary: "Get one invitation"},
	{Name: "invitations-revoke", Method: "DELETE", Path: "/v1/invitations/{id}", Permission: UsersWrite, Summary: "Revoke a pending invitation"},
	{Name: "invitations-resend", Method: "POST", Path: "/v1/invitations/{id}/resend", Permission: UsersWrite, SendsMail: true, Summary: "Send an invitation again with a new link"},
	{Name: "invitations-preview", Method: "POST", Path: "/v1/invitations/preview", Permission: Public, ReadOnly: true, Summary: "What an invitation link offers"},
	{Name: "invitations-accept", Method: "POST", Path: "/v1/invitations/accept", Permission: Public, Summary: "Accept an invitation: create the user and a session"},

	{Name: "users-set-password", Method: "PUT", Path: "/v1/users/{id}/password", Permission: UsersWrite, Summary: "Set a user's password; ends its sessions"},
	{Name: "users-password-reset", Method: "POST", Path: "/v1/users/{id}/password-reset", Permission: UsersWrite, SendsMail: true, Summary: "Email a user a password-reset link"},
	{Name: "password-reset-complete", Method: "POST", Path: "/v1/password-reset/complete", Permission: Public, Summary: "Set a new password with a reset link's token"},
	{Name: "password-validate", Method: "POST", Path: "/v1/password/validate", Permission: Public, ReadOnly: true, Summary: "Check a password against the policy"},
	{Name: "auth-login", Method: "POST", Path: "/v1/auth/login", Permission: Public, Summary: "Log in with email and password"},
	{Name: "auth-logout", Method: "POST", Path: "/v1/auth/logout", Permission: Self, Summary: "End the calling session"},

	{Name: "workspaces-create", Method: "POST", Path: "/v1/workspaces", Permission: WorkspacesWrite, Summary: "Create a workspace with its first owner"},
	{Name: "workspaces-list", Method: "GET", Path: "/v1/workspaces", Permission: WorkspacesRead, ReadOnly: true, Summary: "List and search workspaces"},
	{Name: "workspaces-get", Method: "GET", Path: "/v1/workspaces/{id}", Permission: WorkspacesRead, ReadOnly: true, Summary: "Get one workspace"},
	{Name: "workspaces-update", Method: "PATCH", Path: "/v1/workspaces/{id}", Permission: WorkspacesWrite, Summary: "Rename or describe a workspace"},
	{Name: "workspaces-delete", Method: "DELETE", Path: "/v1/workspaces/{id}", Permission: WorkspacesWrite, Summary: "Delete a workspace with all its memberships"},
	{Name: "workspace-members-list", Method: "GET", Path: "/v1/workspaces/{id}/members", Permission: WorkspacesRead, ReadOnly: true, Summary: "List a workspace's members"},
	{Name: "workspace-members-put", Method: "PUT", Path: "/v1/workspaces/{id}/members/{userId}", Permission: WorkspaceMembers, Summary: "Add a member or change their role"},
	{Name: "workspace-members-delete", Method: "DELETE", Path: "/v1/workspaces/{id}/members/{userId}", Permission: WorkspaceMembers, Summary: "Remove a member"},
	{Name: "user-workspaces-list", Method: "GET", Path: "/v1/users/{id}/workspaces", Permission: UsersRead, ReadOnly: true, Summary: "A user's workspace memberships"},

	{Name: "me-get", Method: "GET", Path: "/v1/me", Permission: Self, ReadOnly: true, Summary: "The calling user's profile"},
	{Name: "me-update", Method: "PATCH", Path: "/v1/me", Permission: Self, Summary: "Change the calling user's name"},
	{Name: "me-password", Method: "PUT", Path: "/v1/me/password", Permission: Self, Summary: "Change own password; ends other sessions"},
	{Name: "me-api-keys-list", Method: "GET", Path: "/v1/me/api-keys", Permission: Self, ReadOnly: true, Summary: "List own API keys"},
	{Name: "me-api-keys-create", Method: "POST", Path: "/v1/me/api-keys", Permission: Self, Summary: "Create an own API key"},
	{Name: "me-api-keys-rotate", Method: "POST", Path: "/v1/me/api-keys/{keyId}/rotate", Permission: Self, Summary: "Rotate an own API key"},
	{Name: "me-api-keys-delete", Method: "DELETE", Path: "/v1/me/api-keys/{keyId}", Permission: Self, Summary: "Delete an own API key"},

	{Name: "insights-get", Method: "GET", Path: "/v1/insights", Permission: UsersRead, ReadOnly: true, Summary: "Exact counts for the dashboard"},
	{Name: "audit-events-list", Method: "GET", Path: "/v1/audit-events", Permission: InstanceManage, ReadOnly: true, Summary: "The audit trail, newest first"},
	{Name: "settings-get", Method: "GET", Path: "/v1/settings", Permission: InstanceManage, ReadOnly: true, Summary: "Instance settings in force"},
	{Name: "settings-update", Method: "PATCH", Path: "/v1/settings", Permission: InstanceManage, Summary: "Override instance settings"},
	{Name: "settings-reset", Method: "POST", Path: "/v1/settings/reset", Permission: InstanceManage, Summary: "Drop every settings override"},

	{Name: "admin-tokens-create", Method: "POST", Path: "/v1/admin-tokens", Permission: InstanceManage, Summary: "Create an admin token"},
	{Name: "admin-tokens-list", Method: "GET", Path: "/v1/admin-tokens", Permission: InstanceManage, ReadOnly: true, Summary: "List admin tokens"},
	{Name: "admin-tokens-delete", Method: "DELETE", Path: "/v1/admin-tokens/{id}", Permission: InstanceManage, Summary: "Revoke an admin token"},
}

// Console is the admin console: a single-page app served by one more
// function, at Path and every path below it. It is not part of the API (no
// OpenAPI entry, no permission check: the app calls the API like any client).
var Console = Route{Name: "console", Method: "GET", Path: "/console", Permission: Public, ReadOnly: true, Static: true,
	Summary: "The admin console (single-page app)"}

// SubtreePath is the API Gateway route of the paths below a static route.
func (r Route) SubtreePath() string { return r.Path + "/{proxy+}" }

// Params names the placeholders of an API Gateway path, in order: "id" for
// {id}, "proxy" for a greedy {proxy+}.
func Params(path string) []string {
	var names []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, strings.TrimSuffix(seg[1:len(seg)-1], "+"))
		}
	}
	return names
}

// MuxPattern is the net/http ServeMux pattern of an API Gateway path: a
// greedy {proxy+} becomes {proxy...}.
func MuxPattern(method, path string) string {
	return method + " " + strings.Replace(path, "+}", "...}", 1)
}

// AuthorizerFunction is the function folder of the Lambda authorizer.
const AuthorizerFunction = "authorizer"

// CleanupFunction is the function folder of the scheduled cleanup.
const CleanupFunction = "cleanup"

// Functions lists every route served by a function of its own: the API
// routes and the console.
func Functions() []Route { return append(append([]Route(nil), All...), Console) }

// ByName returns the API route served by the named function.
func ByName(name string) (Route, bool) {
	for _, r := range All {
		if r.Name == name {
			return r, true
		}
	}
	return Route{}, false
}
