package httpapi

import (
	"strings"
	"testing"

	"github.com/usherhq/usher/pkg/problem"
)

func TestCheckShape(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 17) + strings.Repeat("]", 17)
	cases := []struct {
		name, body, code, field string
	}{
		{"plain", `{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}`, "", ""},
		{"duplicate", `{"role":"viewer","role":"super_admin"}`, "invalid_request", "role"},
		{"nested duplicate", `{"p":{"x":1,"x":2}}`, "invalid_request", "x"},
		{"same key in siblings", `{"w":[{"id":"a"},{"id":"b"}]}`, "", ""},
		{"string values that look like keys", `{"a":"a","b":"a"}`, "", ""},
		{"too deep", deep, "invalid_json", ""},
		{"deep enough", strings.Repeat("[", 16) + strings.Repeat("]", 16), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checkShape([]byte(c.body))
			if c.code == "" {
				if err != nil {
					t.Fatalf("checkShape(%s) = %v, want nil", c.body, err)
				}
				return
			}
			e := problem.As(err)
			if err == nil || e.Code != c.code || (c.field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != c.field)) {
				t.Fatalf("checkShape(%s) = %v, want %s on %q", c.body, err, c.code, c.field)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"email":"a@b.co","name":"A","role":"viewer"}`, `{"email":5}`, `[]`, `{"a":{"a":{"a":1}}}`, `{"role":"x","role":"y"}`, "{\"name\":\"\xff\"}", ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var dst createUserBody
		err := decodeBytes([]byte(body), &dst, true)
		if err != nil && problem.As(err) == problem.ErrInternal {
			t.Fatalf("decode(%q) gave an internal error: %v", body, err)
		}
		if err != nil && problem.As(err).Status != 400 {
			t.Fatalf("decode(%q) = %v: want a 400", body, err)
		}
	})
}
