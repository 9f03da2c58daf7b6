package password

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h := Hash("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("Hash = %q: want PHC argon2id with OWASP parameters", h)
	}
	if ok, err := Verify("correct horse battery", h); !ok || err != nil {
		t.Fatalf("Verify(right) = %v, %v; want true, nil", ok, err)
	}
	if ok, _ := Verify("correct horse batterY", h); ok {
		t.Fatal("Verify(wrong) = true")
	}
	if Hash("x") == Hash("x") {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	long := strings.Repeat("a", 255) + "b"
	if ok, _ := Verify(strings.Repeat("a", 255)+"c", Hash(long)); ok {
		t.Fatal("a 256-char password was truncated")
	}
	if _, err := Verify("x", "$2a$10$bcrypt"); err == nil {
		t.Fatal("Verify accepted a non-argon2id hash")
	}
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	strict := Policy{MinLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumber: true, RequireSymbol: true}
	cases := []struct {
		name string
		p    Policy
		pw   string
		want int
	}{
		{"default ok", DefaultPolicy, "purple monkey dishwasher", 0},
		{"default short", DefaultPolicy, "short", 1},
		{"default common", DefaultPolicy, "Password1234", 1},
		{"short policy, common 8", Policy{MinLength: 8, RejectCommon: true}, "password", 1},
		{"short policy, common 9", Policy{MinLength: 8, RejectCommon: true}, "Iloveyou1", 1},
		{"short policy, keyboard walk", Policy{MinLength: 8, RejectCommon: true}, "1qaz2wsx", 1},
		{"short policy, uncommon", Policy{MinLength: 8, RejectCommon: true}, "tapir-zebu", 0},
		{"short policy, common allowed", Policy{MinLength: 8}, "password", 0},
		{"too long", DefaultPolicy, strings.Repeat("x", 257), 1},
		{"max length ok", DefaultPolicy, strings.Repeat("x", 256), 0},
		{"strict all missing", strict, "        ", 4},
		{"strict ok", strict, "Abcdef1!", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.p.Check(c.pw); len(got) != c.want {
				t.Fatalf("Check(%q) = %q, want %d messages", c.pw, got, c.want)
			}
		})
	}
}
