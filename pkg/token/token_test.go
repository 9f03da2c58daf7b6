package token

import (
	"strings"
	"testing"
)

func TestNewParsesBack(t *testing.T) {
	t.Parallel()
	for _, k := range []Kind{Admin, APIKey, Session, Invite, Reset} {
		t.Run(string(k), func(t *testing.T) {
			seen := map[string]bool{}
			for i := 0; i < 200; i++ {
				s := New(k)
				if len(s) != Len || !strings.HasPrefix(s, string(k)) {
					t.Fatalf("New(%q) = %q: wrong shape", k, s)
				}
				got, err := Parse(s)
				if err != nil || got != k {
					t.Fatalf("Parse(%q) = %q, %v; want %q, nil", s, got, err, k)
				}
				if seen[s] {
					t.Fatalf("duplicate token %q", s)
				}
				seen[s] = true
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	good := New(APIKey)
	flip := func(i int) string {
		b := []byte(good)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	cases := map[string]string{
		"empty":           "",
		"short":           good[:Len-1],
		"long":            good + "0",
		"unknown prefix":  "ushx_" + good[5:],
		"bad char":        good[:10] + "-" + good[11:],
		"random changed":  flip(12),
		"checksum wrong":  flip(Len - 1),
		"prefix only":     "ushk_",
		"upper prefix":    strings.ToUpper(good[:5]) + good[5:],
		"unicode":         good[:Len-2] + "é",
		"space":           " " + good[1:],
		"jwt-like string": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghi",
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			if k, err := Parse(s); err == nil {
				t.Fatalf("Parse(%q) = %q, nil; want ErrMalformed", s, k)
			}
		})
	}
}

func TestHashIsStableAndHidesSecret(t *testing.T) {
	t.Parallel()
	s := New(Admin)
	if Hash(s) != Hash(s) {
		t.Fatal("Hash not deterministic")
	}
	if len(Hash(s)) != 64 || strings.Contains(Hash(s), s[5:15]) {
		t.Fatalf("Hash(%q) = %q: want 64 hex chars without the secret", s, Hash(s))
	}
	if got, want := DisplayPrefix(s), s[:9]; got != want {
		t.Fatalf("DisplayPrefix = %q, want %q", got, want)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(New(APIKey))
	f.Add("ushk_00000000000000000000000000000000000000")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Parse(s)
		if err == nil && !strings.HasPrefix(s, string(k)) {
			t.Fatalf("Parse(%q) accepted with kind %q", s, k)
		}
	})
}
