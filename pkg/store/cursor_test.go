package store

import (
	"encoding/base64"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/problem"
	"github.com/usherhq/usher/pkg/validate"
)

// These tests need no DynamoDB: New does no I/O and cursors are pure.

const (
	testScope = "users|USERS|createdAt|asc"
	b64       = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

var userAttrs = []string{attrPK, attrSK, attrLP, attrSC}

func testStore() *Store { return New(nil, "table", "secret") }

func userKey() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: str("USER#0192f0c6-1111-7000-8000-000000000001"),
		attrSK: str(skUser),
		attrLP: str(lpUsers),
		attrSC: str("2026-11-22T10:00:00.000Z#0192f0c6-1111-7000-8000-000000000001"),
	}
}

// strings of a start key, for comparing keys.
func keyStrings(t *testing.T, k map[string]types.AttributeValue) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, v := range k {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			t.Fatalf("attribute %s is %T; want a string", name, v)
		}
		out[name] = s.Value
	}
	return out
}

func encode(t *testing.T, s *Store, scope string, k map[string]types.AttributeValue) string {
	t.Helper()
	c := s.encodeCursor(scope, k)
	if c == nil || *c == "" {
		t.Fatalf("encodeCursor(%q, %v) = nil; want a cursor", scope, k)
	}
	return *c
}

func wantInvalid(t *testing.T, k map[string]types.AttributeValue, err error, what string) {
	t.Helper()
	if !errors.Is(err, problem.ErrInvalidCursor) || k != nil {
		t.Fatalf("decodeCursor(%s) = %v, %v; want nil, invalid_cursor", what, k, err)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("\u00e9", 100) + "#0192f0c6-1111-7000-8000-000000000001"
	cases := []struct {
		name  string
		scope string
		key   map[string]types.AttributeValue
		attrs []string
	}{
		{"users by created", testScope, userKey(), userAttrs},
		{"table key only", "admintokens", map[string]types.AttributeValue{attrPK: str(pkAdminTokens), attrSK: str("0192f0c6-2222")}, []string{attrPK, attrSK}},
		{"name with multi-byte runes", "users|USERS|name|desc", map[string]types.AttributeValue{
			attrPK: str("USER#x"), attrSK: str(skUser), attrLP: str(lpUsers), attrSN: str(long),
		}, []string{attrPK, attrSK, attrLP, attrSN}},
		{"JSON-special characters", "search|a\"b <c>&|||asc", map[string]types.AttributeValue{
			attrPK: str("USER#\"}"), attrSK: str("SEARCH#<&>"), attrLP: str("USERS#PFX#\\"), attrSE: str("o'neil+x&y@example.com"),
		}, []string{attrPK, attrSK, attrLP, attrSE}},
		{"empty scope", "", userKey(), userAttrs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := testStore()
			cur := encode(t, s, c.scope, c.key)
			if strings.Trim(cur, b64+".") != "" || strings.Count(cur, ".") != 1 {
				t.Errorf("cursor %q is not URL-safe base64 body.signature", cur)
			}
			got, err := s.decodeCursor(c.scope, cur, c.attrs...)
			if err != nil {
				t.Fatalf("decodeCursor(encodeCursor(k)) error = %v; want nil", err)
			}
			if g, w := keyStrings(t, got), keyStrings(t, c.key); !maps.Equal(g, w) {
				t.Fatalf("decodeCursor(encodeCursor(k)) = %v; want %v", g, w)
			}
			// A second store with the same table and secret (another Lambda) accepts it too.
			if _, err := New(nil, "table", "secret").decodeCursor(c.scope, cur, c.attrs...); err != nil {
				t.Fatalf("another store with the same secret: decodeCursor error = %v; want nil", err)
			}
		})
	}
}

func TestEncodeCursorEmptyKey(t *testing.T) {
	t.Parallel()
	s := testStore()
	for name, k := range map[string]map[string]types.AttributeValue{"nil": nil, "empty": {}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if c := s.encodeCursor(testScope, k); c != nil {
				t.Fatalf("encodeCursor(%s key) = %q; want nil (last page)", name, *c)
			}
		})
	}
}

func TestDecodeCursorEmptyIsFirstPage(t *testing.T) {
	t.Parallel()
	k, err := testStore().decodeCursor(testScope, "", userAttrs...)
	if k != nil || err != nil {
		t.Fatalf(`decodeCursor("") = %v, %v; want nil, nil`, k, err)
	}
}

func TestDecodeCursorRejects(t *testing.T) {
	t.Parallel()
	s := testStore()
	good := encode(t, s, testScope, userKey())
	body, sig, _ := strings.Cut(good, ".")
	twoAttrs := encode(t, s, testScope, map[string]types.AttributeValue{attrPK: str("USER#1"), attrSK: str(skUser)})
	emptyValue := userKey()
	emptyValue[attrSC] = str("")
	otherNames := map[string]types.AttributeValue{attrPK: str("USER#1"), attrSK: str(skUser), attrLP: str(lpUsers), attrSE: str("a@b.cd")}

	cases := []struct {
		name   string
		store  *Store
		scope  string
		cursor string
		attrs  []string
	}{
		{"other scope: sort", s, "users|USERS|email|asc", good, userAttrs},
		{"other scope: order", s, "users|USERS|createdAt|desc", good, userAttrs},
		{"other scope: filter", s, "users|USERS#ROLE#admin|createdAt|asc", good, userAttrs},
		{"other scope: prefix of scope", s, "users|USERS|createdAt|as", good, userAttrs},
		{"other scope: empty", s, "", good, userAttrs},
		{"other secret", New(nil, "table", "secret2"), testScope, good, userAttrs},
		{"other table", New(nil, "table2", "secret"), testScope, good, userAttrs},
		{"empty secret", New(nil, "table", ""), testScope, good, userAttrs},
		{"fewer attributes expected", s, testScope, good, userAttrs[:2]},
		{"more attributes expected", s, testScope, twoAttrs, userAttrs},
		{"no attributes expected", s, testScope, good, nil},
		{"same count, other names", s, testScope, encode(t, s, testScope, otherNames), userAttrs},
		{"empty attribute value", s, testScope, encode(t, s, testScope, emptyValue), userAttrs},
		{"no dot", s, testScope, body + sig, userAttrs},
		{"body only", s, testScope, body + ".", userAttrs},
		{"signature only", s, testScope, "." + sig, userAttrs},
		{"dot only", s, testScope, ".", userAttrs},
		{"two dots", s, testScope, good + ".", userAttrs},
		{"swapped halves", s, testScope, sig + "." + body, userAttrs},
		{"truncated signature", s, testScope, body + "." + sig[:len(sig)-1], userAttrs},
		{"truncated body", s, testScope, body[:len(body)-4] + "." + sig, userAttrs},
		{"signature extended", s, testScope, good + "AA", userAttrs},
		{"padded base64", s, testScope, body + "==." + sig, userAttrs},
		{"standard base64 alphabet", s, testScope, strings.NewReplacer("-", "+", "_", "/").Replace(body) + "+/." + sig, userAttrs},
		{"leading space", s, testScope, " " + good, userAttrs},
		{"unsigned JSON", s, testScope, base64.RawURLEncoding.EncodeToString([]byte(`{"s":"`+testScope+`","k":{"PK":"USER#1","SK":"USER","LP":"USERS","SC":"x"}}`)) + "." + sig, userAttrs},
		{"garbage", s, testScope, "not-a-cursor", userAttrs},
		{"non-ASCII", s, testScope, "\u00e9\u00e9.\u00e9", userAttrs},
		{"overlong garbage", s, testScope, strings.Repeat("A", 1<<16) + "." + sig, userAttrs},
		{"overlong signature", s, testScope, body + "." + strings.Repeat("A", 1<<16), userAttrs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k, err := c.store.decodeCursor(c.scope, c.cursor, c.attrs...)
			wantInvalid(t, k, err, c.name)
		})
	}
}

// TestDecodeCursorRejectsOverlongSigned: even a correctly signed cursor is
// refused once it is far longer than any listing produces.
func TestDecodeCursorRejectsOverlongSigned(t *testing.T) {
	t.Parallel()
	s := testStore()
	k := userKey()
	k[attrSC] = str(strings.Repeat("x", 1<<16))
	cur := encode(t, s, testScope, k)
	got, err := s.decodeCursor(testScope, cur, userAttrs...)
	wantInvalid(t, got, err, "64 KiB signed cursor")
}

// flipTopBit changes the character at i so that its decoded bits change: the
// top bit of a base64 digit is never a padding bit.
func flipTopBit(c string, i int) string {
	b := []byte(c)
	if j := strings.IndexByte(b64, b[i]); j >= 0 {
		b[i] = b64[j^32]
	} else {
		b[i] = 'A' // the dot
	}
	return string(b)
}

func TestDecodeCursorRejectsFlippedCharacter(t *testing.T) {
	t.Parallel()
	s := testStore()
	for _, c := range []struct {
		name string
		key  map[string]types.AttributeValue
	}{
		{"users", userKey()},
		{"admin tokens", map[string]types.AttributeValue{attrPK: str(pkAdminTokens), attrSK: str("0192f0c6-2222-7000-8000-00000000000a")}},
	} {
		good := encode(t, s, testScope, c.key)
		if _, err := s.decodeCursor(testScope, good, sortedNames(c.key)...); err != nil {
			t.Fatalf("%s: the untouched cursor is refused: %v", c.name, err)
		}
		for i := range len(good) {
			bad := flipTopBit(good, i)
			k, err := s.decodeCursor(testScope, bad, sortedNames(c.key)...)
			if !errors.Is(err, problem.ErrInvalidCursor) || k != nil {
				t.Errorf("%s: cursor with character %d changed (%q → %q) = %v, %v; want nil, invalid_cursor", c.name, i, good[i], bad[i], k, err)
			}
		}
	}
}

// BUG: base64.RawURLEncoding ignores the padding bits of the last digit and
// CR/LF, so a cursor can be changed and still be accepted.
func TestDecodeCursorRejectsEveryOtherCharacter(t *testing.T) {
	t.Parallel()
	s := testStore()
	good := encode(t, s, testScope, userKey())
	for i := range len(good) {
		for _, r := range b64 + "." {
			if byte(r) == good[i] {
				continue
			}
			bad := good[:i] + string(r) + good[i+1:]
			if k, err := s.decodeCursor(testScope, bad, userAttrs...); err == nil {
				t.Errorf("cursor with character %d changed (%q → %q) accepted as %v; want invalid_cursor", i, good[i], r, keyStrings(t, k))
			}
		}
	}
	// base64 decoding also skips CR and LF wherever they are (even in Strict mode).
	body, sig, _ := strings.Cut(good, ".")
	for _, bad := range []string{good + "\n", good + "\r\n", body[:5] + "\n" + body[5:] + "." + sig, body + "." + sig[:3] + "\r" + sig[3:]} {
		if k, err := s.decodeCursor(testScope, bad, userAttrs...); err == nil {
			t.Errorf("cursor with CR/LF inserted %q accepted as %v; want invalid_cursor", bad, keyStrings(t, k))
		}
	}
}

// BUG: the 2048-byte cap is smaller than cursors that encodeCursor makes for
// valid data, so such a listing cannot go past the page.
func TestCursorRoundTripAtLimits(t *testing.T) {
	t.Parallel()
	s := testStore()
	ampersands := strings.Repeat("&", 254-len("@a.io")) + "@a.io"
	if got, msg := validate.Email(ampersands); msg != "" || got != ampersands {
		t.Fatalf("validate.Email(%q) = %q, %q; the test needs a valid address", ampersands, got, msg)
	}
	emoji := strings.Repeat("\U0001f600", 254-len("@a.io")) + "@a.io"
	if _, msg := validate.Email(emoji); msg != "" {
		t.Fatalf("validate.Email(emoji) = %q; the test needs a valid address", msg)
	}
	query := strings.Join(validate.QueryWords(strings.Repeat("\U0001f600", 100)), " ")
	id := "0192f0c6-1111-7000-8000-000000000001"
	pfx := "\U0001f600\U0001f600\U0001f600"
	cases := []struct {
		name, scope string
		key         map[string]types.AttributeValue
	}{
		{"email sort, ampersand address", "users|USERS|email|asc", map[string]types.AttributeValue{
			attrPK: str(userPK(id)), attrSK: str(skUser), attrLP: str(lpUsers), attrSE: str(ampersands),
		}},
		{"search, 100-rune query, emoji address", "search|" + query + "|super_admin|deactivated|desc", map[string]types.AttributeValue{
			attrPK: str(userPK(id)), attrSK: str(skSearch + pfx), attrLP: str(lpPrefix(pfx)), attrSE: str(emoji),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cur := encode(t, s, c.scope, c.key)
			if _, err := s.decodeCursor(c.scope, cur, attrPK, attrSK, attrLP, attrSE); err != nil {
				t.Fatalf("cursor of %d bytes made by encodeCursor refused: %v", len(cur), err)
			}
		})
	}
}

func sortedNames(k map[string]types.AttributeValue) []string {
	names := make([]string, 0, len(k))
	for n := range k {
		names = append(names, n)
	}
	return names
}

// fuzzStore and fuzzScope are what FuzzDecodeCursor's seeds were made with.
const fuzzScope = "users|USERS|email|asc"

var fuzzAttrs = []string{attrPK, attrSK, attrLP, attrSE}

func fuzzStore() *Store { return New(nil, "fuzz-table", "fuzz-secret") }

func fuzzKey(email string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: str(userPK("0192f0c6-1111-7000-8000-000000000001")),
		attrSK: str(skUser),
		attrLP: str(lpUsers),
		attrSE: str(email),
	}
}

// FuzzDecodeCursor checks that decodeCursor never panics and accepts a
// cursor only when it is exactly what encodeCursor makes for the key it
// returns.
func FuzzDecodeCursor(f *testing.F) {
	s := fuzzStore()
	for _, email := range []string{"a@b.cd", "o'neil+x&y@example.com", "\u00fcser@b\u00fccher.de"} {
		f.Add(*s.encodeCursor(fuzzScope, fuzzKey(email)))
	}
	f.Add(*s.encodeCursor("users|USERS|name|asc", fuzzKey("a@b.cd")))
	f.Add(*s.encodeCursor(fuzzScope, map[string]types.AttributeValue{attrPK: str("USER#1"), attrSK: str(skUser)}))
	f.Add("")
	f.Add(".")
	f.Add("e30.AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, cursor string) {
		k, err := s.decodeCursor(fuzzScope, cursor, fuzzAttrs...)
		if err != nil {
			if !errors.Is(err, problem.ErrInvalidCursor) || k != nil {
				t.Fatalf("decodeCursor(%q) = %v, %v; want nil, invalid_cursor", cursor, k, err)
			}
			return
		}
		if cursor == "" {
			if k != nil {
				t.Fatalf(`decodeCursor("") = %v; want nil`, k)
			}
			return
		}
		if len(k) != len(fuzzAttrs) {
			t.Fatalf("decodeCursor(%q) = %v; want the %d attributes %v", cursor, k, len(fuzzAttrs), fuzzAttrs)
		}
		for _, a := range fuzzAttrs {
			if v, ok := k[a].(*types.AttributeValueMemberS); !ok || v.Value == "" {
				t.Fatalf("decodeCursor(%q) = %v; want a non-empty string %s", cursor, k, a)
			}
		}
		again := s.encodeCursor(fuzzScope, k)
		if again == nil || *again != cursor {
			body, sig, _ := strings.Cut(cursor, ".")
			_, e1 := base64.RawURLEncoding.Strict().DecodeString(body)
			_, e2 := base64.RawURLEncoding.Strict().DecodeString(sig)
			if e1 != nil || e2 != nil || strings.ContainsAny(cursor, "\r\n") {
				// Known bug, see TestDecodeCursorRejectsEveryOtherCharacter; remove once fixed.
				t.Fatalf("non-canonical base64 cursor %q accepted (canonical %q)", cursor, *again)
			}
			t.Fatalf("decodeCursor accepted %q, which encodeCursor does not produce for %v (it makes %v)", cursor, keyStrings(t, k), again)
		}
	})
}
