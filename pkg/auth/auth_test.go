package auth

import (
	"context"
	"slices"
	"testing"

	"github.com/usherhq/usher/pkg/routes"
)

// The permission table of API.md §3, written out by hand: permission → the
// instance roles that hold it. It must not be derived from Roles.
//
//	/v1/me…                                   everyone                      → Self
//	read users, invitations, insights         all but api_user              → UsersRead
//	create/modify/deactivate/delete users …   super_admin, admin            → UsersWrite
//	create/edit/delete workspaces, members    super_admin, admin, editor    → WorkspacesWrite
//	read workspaces and members               all but api_user              → WorkspacesRead
//	admin tokens, settings, audit events      super_admin, admin            → InstanceManage
//	GET /v1/roles                             all but api_user              → RolesRead
//	delegated: members of a workspace one administers, and invitations
//	into it — any instance role but api_user may try; the handler decides
//	from the workspace role                                                → WorkspaceMembers, Invite
//	public routes                             everyone, even no role        → Public
var contract = map[routes.Permission][]Role{
	routes.Public:           {SuperAdmin, Admin, Editor, Operator, Viewer, APIUser, ""},
	routes.Self:             {SuperAdmin, Admin, Editor, Operator, Viewer, APIUser},
	routes.UsersRead:        {SuperAdmin, Admin, Editor, Operator, Viewer},
	routes.UsersWrite:       {SuperAdmin, Admin},
	routes.RolesRead:        {SuperAdmin, Admin, Editor, Operator, Viewer},
	routes.InstanceManage:   {SuperAdmin, Admin},
	routes.WorkspacesRead:   {SuperAdmin, Admin, Editor, Operator, Viewer},
	routes.WorkspacesWrite:  {SuperAdmin, Admin, Editor},
	routes.WorkspaceMembers: {SuperAdmin, Admin, Editor, Operator, Viewer},
	routes.Invite:           {SuperAdmin, Admin, Editor, Operator, Viewer},
}

var (
	instanceRoles = []Role{SuperAdmin, Admin, Editor, Operator, Viewer, APIUser}
	// roles a principal may carry that are not instance roles.
	strangers   = []Role{"", "owner", "member", "Admin", "SUPER_ADMIN", "root", " admin"}
	permissions = []routes.Permission{routes.Public, routes.Self, routes.UsersRead, routes.UsersWrite, routes.RolesRead, routes.InstanceManage, routes.WorkspacesRead, routes.WorkspacesWrite, routes.WorkspaceMembers, routes.Invite}
)

func TestContractCoversEveryRoutePermission(t *testing.T) {
	t.Parallel()
	for _, r := range routes.All {
		if _, ok := contract[r.Permission]; !ok {
			t.Errorf("route %s needs %q, which the test's contract table does not list", r.Name, r.Permission)
		}
	}
}

func TestAllowedMatrix(t *testing.T) {
	t.Parallel()
	for _, role := range append(slices.Clone(instanceRoles), strangers...) {
		for _, perm := range permissions {
			t.Run(string(role)+"/"+string(perm), func(t *testing.T) {
				t.Parallel()
				want := slices.Contains(contract[perm], role) || perm == routes.Public
				for _, typ := range []string{KindUser, KindAdminToken} {
					p := Principal{Type: typ, ID: "id-1", Role: role}
					if got := p.Allowed(perm); got != want {
						t.Errorf("Principal{Type: %q, Role: %q}.Allowed(%q) = %v; want %v", typ, role, perm, got, want)
					}
				}
			})
		}
	}
}

func TestAllowedUnknownPermission(t *testing.T) {
	t.Parallel()
	for _, role := range instanceRoles {
		for _, perm := range []routes.Permission{"", "users:delete", "USERS:READ", "workspace:read", "*"} {
			t.Run(string(role)+"/"+string(perm), func(t *testing.T) {
				t.Parallel()
				if (Principal{Type: KindUser, Role: role}).Allowed(perm) {
					t.Fatalf("role %q allowed unknown permission %q; want false", role, perm)
				}
			})
		}
	}
}

// An admin token acts as admin: the store gives it Role admin and it must get
// exactly admin's permissions, no super_admin powers.
func TestAdminTokenActsAsAdmin(t *testing.T) {
	t.Parallel()
	token := Principal{Type: KindAdminToken, ID: "tok-1", Role: Admin, TokenID: "tok-1", TokenKind: "admin_token"}
	admin := Principal{Type: KindUser, ID: "u-1", Role: Admin, TokenID: "k-1", TokenKind: "api_key"}
	if token.IsUser() {
		t.Errorf("admin token IsUser() = true; want false")
	}
	if !admin.IsUser() {
		t.Errorf("user IsUser() = false; want true")
	}
	for _, perm := range permissions {
		t.Run("allowed/"+string(perm), func(t *testing.T) {
			t.Parallel()
			if got, want := token.Allowed(perm), admin.Allowed(perm); got != want {
				t.Fatalf("admin token Allowed(%q) = %v; admin user gets %v", perm, got, want)
			}
		})
	}
	for _, r := range instanceRoles {
		t.Run("grant/"+string(r), func(t *testing.T) {
			t.Parallel()
			want := r != SuperAdmin
			if got := token.CanGrant(r); got != want {
				t.Errorf("admin token CanGrant(%q) = %v; want %v", r, got, want)
			}
			if got := token.CanManage(r); got != want {
				t.Errorf("admin token CanManage(%q) = %v; want %v", r, got, want)
			}
		})
	}
}

// wantGrant is the contract: super_admin grants everything, admin everything
// but super_admin, the others nothing. Managing a user follows the same rule.
func wantGrant(granter, target Role) bool {
	switch granter {
	case SuperAdmin:
		return true
	case Admin:
		return target != SuperAdmin
	}
	return false
}

func TestCanGrantAndCanManage(t *testing.T) {
	t.Parallel()
	for _, granter := range append(slices.Clone(instanceRoles), strangers...) {
		for _, target := range instanceRoles {
			t.Run(string(granter)+"->"+string(target), func(t *testing.T) {
				t.Parallel()
				p := Principal{Type: KindUser, ID: "u-1", Role: granter}
				want := wantGrant(granter, target)
				if got := p.CanGrant(target); got != want {
					t.Errorf("%q CanGrant(%q) = %v; want %v", granter, target, got, want)
				}
				if got := p.CanManage(target); got != want {
					t.Errorf("%q CanManage(%q) = %v; want %v", granter, target, got, want)
				}
			})
		}
	}
}

func TestManagerRoles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		perm routes.Permission
		want []Role
	}{
		{routes.UsersWrite, []Role{SuperAdmin, Admin}},
		{routes.InstanceManage, []Role{SuperAdmin, Admin}},
		{routes.WorkspacesWrite, []Role{SuperAdmin, Admin, Editor}},
		{routes.UsersRead, []Role{SuperAdmin, Admin, Editor, Operator, Viewer}},
		{routes.Self, []Role{SuperAdmin, Admin, Editor, Operator, Viewer, APIUser}},
		{"superadmin:grant", []Role{SuperAdmin}},
		{"nonsense", nil},
	}
	for _, c := range cases {
		t.Run(string(c.perm), func(t *testing.T) {
			t.Parallel()
			if got := ManagerRoles(c.perm); !slices.Equal(got, c.want) {
				t.Fatalf("ManagerRoles(%q) = %q; want %q", c.perm, got, c.want)
			}
		})
	}
}

func TestValidRoleAndRoleNames(t *testing.T) {
	t.Parallel()
	want := []string{"super_admin", "admin", "editor", "operator", "viewer", "api_user"}
	if got := RoleNames(); !slices.Equal(got, want) {
		t.Errorf("RoleNames() = %q; want %q", got, want)
	}
	for _, r := range want {
		if !ValidRole(r) {
			t.Errorf("ValidRole(%q) = false; want true", r)
		}
	}
	for _, r := range strangers {
		if ValidRole(string(r)) {
			t.Errorf("ValidRole(%q) = true; want false", r)
		}
	}
	for _, r := range []string{"guest", "workspace:read"} {
		if ValidRole(r) {
			t.Errorf("ValidRole(%q) = true; want false", r)
		}
	}
}

func TestPrincipalContext(t *testing.T) {
	t.Parallel()
	if _, ok := FromContext(context.Background()); ok {
		t.Fatal("FromContext(empty) ok = true; want false")
	}
	p := Principal{Type: KindUser, ID: "u-1", Role: Editor, TokenID: "s-1", TokenKind: "session"}
	got, ok := FromContext(WithPrincipal(context.Background(), p))
	if !ok || got != p {
		t.Fatalf("FromContext(WithPrincipal(p)) = %+v, %v; want %+v, true", got, ok, p)
	}
}
