package auth

import (
	"testing"

	"github.com/usherhq/usher/pkg/routes"
)

// BenchmarkAllowed is the permission check every protected request makes.
func BenchmarkAllowed(b *testing.B) {
	p := Principal{Type: KindUser, ID: "u", Role: Editor}
	for b.Loop() {
		if !p.Allowed(routes.WorkspacesWrite) {
			b.Fatal("editor may write workspaces")
		}
	}
}

// BenchmarkManagerRoles is what each write computes for its caller guard.
func BenchmarkManagerRoles(b *testing.B) {
	for b.Loop() {
		if len(ManagerRoles(routes.UsersWrite)) == 0 {
			b.Fatal("no manager roles")
		}
	}
}
