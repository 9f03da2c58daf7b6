package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/usherhq/usher/pkg/problem"
)

// A cursor is the start key of the next page plus the scope of the listing it
// belongs to, signed so that a tampered or foreign cursor is refused instead
// of silently reading from somewhere else.
type cursorBody struct {
	Scope string            `json:"s"`
	Key   map[string]string `json:"k"`
}

var strictB64 = base64.RawURLEncoding.Strict()

// maxCursor is far above the longest cursor a valid key makes (an email of
// 254 characters JSON-escaped, for one) and far below anything abusive.
const maxCursor = 8192

func (s *Store) mac(b []byte) []byte {
	m := hmac.New(sha256.New, s.cursorKey)
	m.Write(b)
	return m.Sum(nil)[:16]
}

// encodeCursor returns the opaque cursor for a start key (string attributes only).
func (s *Store) encodeCursor(scope string, k map[string]types.AttributeValue) *string {
	if len(k) == 0 {
		return nil
	}
	c := cursorBody{Scope: scope, Key: map[string]string{}}
	for name, v := range k {
		if sv, ok := v.(*types.AttributeValueMemberS); ok {
			c.Key[name] = sv.Value
		}
	}
	b, _ := json.Marshal(c)
	out := base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(s.mac(b))
	return &out
}

// decodeCursor checks the signature and scope and returns the start key; an
// empty cursor means the first page.
func (s *Store) decodeCursor(scope, cursor string, attrs ...string) (map[string]types.AttributeValue, error) {
	if cursor == "" {
		return nil, nil
	}
	body, sig, ok := strings.Cut(cursor, ".")
	// Strict decoding (and no line breaks, which base64 skips) makes every
	// change of a character a different cursor, refused by the MAC.
	if !ok || len(cursor) > maxCursor || strings.ContainsAny(cursor, "\r\n") {
		return nil, problem.ErrInvalidCursor
	}
	b, err1 := strictB64.DecodeString(body)
	m, err2 := strictB64.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(m, s.mac(b)) {
		return nil, problem.ErrInvalidCursor
	}
	var c cursorBody
	if json.Unmarshal(b, &c) != nil || c.Scope != scope || len(c.Key) != len(attrs) {
		return nil, problem.ErrInvalidCursor
	}
	k := map[string]types.AttributeValue{}
	for _, a := range attrs {
		v, ok := c.Key[a]
		if !ok || v == "" {
			return nil, problem.ErrInvalidCursor
		}
		k[a] = str(v)
	}
	return k, nil
}

// pageKey is the start key after item: its table key plus the index keys.
func pageKey(item map[string]types.AttributeValue, attrs ...string) map[string]types.AttributeValue {
	k := map[string]types.AttributeValue{}
	for _, a := range attrs {
		k[a] = item[a]
	}
	return k
}
