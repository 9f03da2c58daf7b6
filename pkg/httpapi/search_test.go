package httpapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// A search reads its prefix partition a page at a time, no more than the page
// needs, and further only when entries turn out not to match: whatever the
// page size and the share of entries that match, walking the pages yields
// every match once, in order, and ends.
func TestSearchPagesReadOnlyWhatTheyNeed(t *testing.T) {
	e := newEnv(t)
	// Under the prefix "ben": 9 Benches (match q=bench), 8 Benjamins and 4
	// Bennetts (do not), interleaved in email order.
	var all []string
	for i := 0; i < 21; i++ {
		name := []string{"Bench", "Benjamin", "Bench", "Bennett", "Benjamin"}[i%5]
		email := fmt.Sprintf("u%02d@search.example.com", i)
		e.user(email, name+" Person", "viewer")
		all = append(all, email+"|"+name)
	}
	wantFor := func(word string) []string {
		var out []string
		for _, a := range all {
			email, name, _ := strings.Cut(a, "|")
			if strings.HasPrefix(strings.ToLower(name), word) {
				out = append(out, email)
			}
		}
		return out
	}
	for _, tc := range []struct {
		q     string
		limit int
	}{{"bench", 1}, {"bench", 2}, {"bench", 4}, {"bench", 9}, {"bench", 50}, {"ben", 5}, {"ben", 21}, {"bennett", 3}, {"benjamin person", 7}} {
		t.Run(fmt.Sprintf("q=%s,limit=%d", tc.q, tc.limit), func(t *testing.T) {
			var got []string
			cursor := ""
			for page := 0; ; page++ {
				if page > 30 {
					t.Fatal("the pages do not end")
				}
				r := e.call("GET", "/v1/users?q="+url.QueryEscape(tc.q)+"&limit="+fmt.Sprint(tc.limit)+"&cursor="+cursor, e.admin, nil)
				want(t, r, 200)
				if n := len(items(r)); n > tc.limit {
					t.Fatalf("page of %d, limit %d", n, tc.limit)
				}
				for _, u := range items(r) {
					got = append(got, u["email"].(string))
				}
				next, _ := r.JSON()["nextCursor"].(string)
				if next == "" {
					break
				}
				cursor = url.QueryEscape(next)
			}
			word := strings.Fields(tc.q)[0]
			if tc.q == "benjamin person" {
				word = "benjamin"
			}
			if w := wantFor(word); !slices.Equal(got, w) {
				t.Fatalf("pages list %v, want %v", got, w)
			}
		})
	}
}
