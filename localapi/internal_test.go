package localapi

import (
	"slices"
	"strings"
	"testing"
)

func TestRoutesSorted(t *testing.T) {
	if !slices.IsSortedFunc(routes, func(a, b route) int { return strings.Compare(a.path, b.path) }) {
		t.Fatal("routes must be sorted by path")
	}
	for _, r := range routes {
		if got := lookupRoute(r.path); got == nil || got.path != r.path {
			t.Errorf("lookupRoute(%s) = %v", r.path, got)
		}
	}
	for _, p := range []string{"", "/", "/oauth2", "/oauth2/token/", "/OAUTH2/TOKEN", "/zzz"} {
		if lookupRoute(p) != nil {
			t.Errorf("lookupRoute(%q) found a route", p)
		}
	}
}
