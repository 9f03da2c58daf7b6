package store

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func benchKey() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: str("USER#0192f0c6-1111-7000-8000-000000000001"), attrSK: str(skUser),
		attrLP: str(lpUsers), attrSC: str("2026-11-22T10:00:00.000Z#0192f0c6-1111-7000-8000-000000000001"),
	}
}

// BenchmarkEncodeCursor is the signed cursor of a full page.
func BenchmarkEncodeCursor(b *testing.B) {
	s := New(nil, "table", "secret")
	k := benchKey()
	for b.Loop() {
		if s.encodeCursor(testScope, k) == nil {
			b.Fatal("no cursor")
		}
	}
}

// BenchmarkDecodeCursor is the check of a cursor a client sends back.
func BenchmarkDecodeCursor(b *testing.B) {
	s := New(nil, "table", "secret")
	c := *s.encodeCursor(testScope, benchKey())
	for b.Loop() {
		if _, err := s.decodeCursor(testScope, c, userAttrs...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshalUsersPage is what ListUsers does with a Query's 51 items.
func BenchmarkUnmarshalUsersPage(b *testing.B) {
	s := New(nil, "table", "secret")
	var items []map[string]types.AttributeValue
	for i := range 51 {
		it := s.newUserItem(NewUser{Email: fmt.Sprintf("user%d@example.com", i), Name: "Ada Lovelace", Role: "viewer",
			InvitedBy: &Ref{Type: "user", ID: "0192f0c6-1111-7000-8000-000000000000"}}, s.now())
		items = append(items, marshal(it.copies()[0]))
	}
	for b.Loop() {
		out := make([]User, 0, 50)
		for _, item := range items[:50] {
			var it userItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				b.Fatal(err)
			}
			out = append(out, it.user())
		}
	}
}

// BenchmarkBuildUserCreate is the transaction CreateUser builds: the user,
// its listing copies, search entries, email guard and counters.
func BenchmarkBuildUserCreate(b *testing.B) {
	s := New(nil, "table", "secret")
	for b.Loop() {
		var t tx
		it := s.newUserItem(NewUser{Email: "ada.lovelace@example.com", Name: "Ada Lovelace", Role: "viewer"}, s.now())
		s.addUserCreate(&t, it)
		s.flushCounts(&t)
		if len(t.items) < 5 {
			b.Fatal("too few items")
		}
	}
}
