// Package token creates and checks Usher's bearer secrets: a kind prefix, 32
// random base62 characters and a 6-character base62 CRC32 checksum, so that a
// scanner or the authorizer can reject garbage without a database read. Only
// the SHA-256 hash of a secret is ever stored.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"strings"
)

// Kind is what a token is for; its value is the token's prefix.
type Kind string

const (
	Admin   Kind = "usha_" // instance-level admin token
	APIKey  Kind = "ushk_" // a user's API key
	Session Kind = "ushs_" // a login session
	Invite  Kind = "ushi_" // invitation link token, never a bearer
	Reset   Kind = "ushr_" // password-reset link token, never a bearer
)

const (
	alphabet    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	randomLen   = 32
	checksumLen = 6
	prefixLen   = 5
	// Len is the length of every token.
	Len = prefixLen + randomLen + checksumLen
)

// ErrMalformed is returned for anything that is not a well-formed token.
var ErrMalformed = errors.New("token: malformed")

var kinds = map[string]Kind{string(Admin): Admin, string(APIKey): APIKey, string(Session): Session, string(Invite): Invite, string(Reset): Reset}

// New returns a fresh secret of the given kind.
func New(k Kind) string {
	var b strings.Builder
	b.Grow(Len)
	b.WriteString(string(k))
	buf := make([]byte, 64)
	for n := 0; n < randomLen; {
		if _, err := rand.Read(buf); err != nil {
			panic("token: no randomness: " + err.Error()) // crypto/rand never fails on Linux
		}
		for _, c := range buf {
			// 248 = 4*62: rejecting the rest keeps every character equally likely.
			if c < 248 && n < randomLen {
				b.WriteByte(alphabet[c%62])
				n++
			}
		}
	}
	body := b.String()
	return body + checksum(body)
}

// Parse checks the shape and checksum of s and returns its kind. It does no I/O.
func Parse(s string) (Kind, error) {
	if len(s) != Len {
		return "", ErrMalformed
	}
	k, ok := kinds[s[:prefixLen]]
	if !ok {
		return "", ErrMalformed
	}
	for i := prefixLen; i < Len; i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return "", ErrMalformed
		}
	}
	if checksum(s[:Len-checksumLen]) != s[Len-checksumLen:] {
		return "", ErrMalformed
	}
	return k, nil
}

// Hash is the value stored for a secret: hex SHA-256.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// DisplayPrefix is the non-secret start of a token shown in listings.
func DisplayPrefix(secret string) string {
	if len(secret) < prefixLen+4 {
		return ""
	}
	return secret[:prefixLen+4]
}

// checksum encodes CRC32 of s as exactly six base62 characters (62^6 > 2^32).
func checksum(s string) string {
	v := crc32.ChecksumIEEE([]byte(s))
	out := make([]byte, checksumLen)
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = alphabet[v%62]
		v /= 62
	}
	return string(out)
}
