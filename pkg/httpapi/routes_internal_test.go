package httpapi

import (
	"testing"

	"github.com/usherhq/usher/pkg/routes"
)

func TestEveryRouteHasExactlyOneHandler(t *testing.T) {
	seen := map[string]bool{}
	for _, rt := range routes.All {
		if !HasHandler(rt.Name) {
			t.Errorf("route %s has no handler", rt.Name)
		}
		if seen[rt.Name] || seen[rt.Pattern()] {
			t.Errorf("route %s (%s) listed twice", rt.Name, rt.Pattern())
		}
		seen[rt.Name], seen[rt.Pattern()] = true, true
	}
	for name := range handlers() {
		if _, ok := routes.ByName(name); !ok {
			t.Errorf("handler %s serves no route", name)
		}
	}
}
