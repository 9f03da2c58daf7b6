package store

import "testing"

// searchChunk sizes the reads of a search page; no DynamoDB needed.
func TestSearchChunk(t *testing.T) {
	cases := []struct {
		name                string
		need, read, matched int
		want                int
	}{
		{"first read: one more than the page", 50, 0, 0, 51},
		{"first read of a short page", 1, 0, 0, 2},
		{"all matched so far (the read stopped short)", 20, 30, 30, 21},
		{"half matched: twice the need, with a margin", 20, 60, 30, 20*60/30 + 20/4 + 1},
		{"none matched: four times what was read", 50, 51, 0, 204},
		{"never past the budget", 50, searchBudget - 10, 0, 10},
		{"at least one", 1, 100, 99, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := searchChunk(tc.need, tc.read, tc.matched); got != tc.want {
				t.Errorf("searchChunk(%d, %d, %d) = %d, want %d", tc.need, tc.read, tc.matched, got, tc.want)
			}
		})
	}
}
