// Package password hashes passwords with argon2id (OWASP parameters: m=19 MiB,
// t=2, p=1) in PHC string form and checks them against the password policy.
package password

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

const (
	memoryKiB = 19 * 1024
	time_     = 2
	threads   = 1
	keyLen    = 32
	saltLen   = 16
	// MaxLength is the longest password accepted; nothing is ever truncated.
	MaxLength = 256
)

// Hash returns the PHC string of an argon2id hash of pw with a fresh salt.
func Hash(pw string) string {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		panic("password: no randomness: " + err.Error())
	}
	sum := argon2.IDKey([]byte(pw), salt, time_, memoryKiB, threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, time_, threads, b64.EncodeToString(salt), b64.EncodeToString(sum))
}

var errFormat = errors.New("password: not an argon2id PHC string")

// Verify reports whether pw matches the PHC string, in constant time.
func Verify(pw, phc string) (bool, error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errFormat
	}
	var v int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errFormat
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errFormat
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false, errFormat
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Policy is the password policy of the instance settings.
type Policy struct {
	MinLength        int  `json:"minLength"`
	RequireUppercase bool `json:"requireUppercase"`
	RequireLowercase bool `json:"requireLowercase"`
	RequireNumber    bool `json:"requireNumber"`
	RequireSymbol    bool `json:"requireSymbol"`
	RejectCommon     bool `json:"rejectCommon"`
}

// DefaultPolicy follows NIST SP 800-63B: length, no composition rules, and
// no common passwords.
var DefaultPolicy = Policy{MinLength: 12, RejectCommon: true}

//go:embed common.txt
var commonList string

// common is built on first use, not at start-up: most functions never check
// a password, and a cold start should not pay for 18 000 map entries.
var common = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
})

// Check returns one message per rule pw breaks (empty when it is acceptable).
func (p Policy) Check(pw string) []string {
	var out []string
	n := utf8.RuneCountInString(pw)
	if n < p.MinLength {
		out = append(out, fmt.Sprintf("must be at least %d characters", p.MinLength))
	}
	if n > MaxLength {
		out = append(out, fmt.Sprintf("must be at most %d characters", MaxLength))
	}
	has := func(f func(rune) bool) bool { return strings.IndexFunc(pw, f) >= 0 }
	if p.RequireUppercase && !has(unicode.IsUpper) {
		out = append(out, "must contain an uppercase letter")
	}
	if p.RequireLowercase && !has(unicode.IsLower) {
		out = append(out, "must contain a lowercase letter")
	}
	if p.RequireNumber && !has(unicode.IsDigit) {
		out = append(out, "must contain a number")
	}
	if p.RequireSymbol && !has(func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsSpace(r) }) {
		out = append(out, "must contain a symbol")
	}
	if p.RejectCommon && common()[strings.ToLower(pw)] {
		out = append(out, "is too common")
	}
	return out
}
