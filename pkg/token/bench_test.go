package token

import "testing"

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		New(APIKey)
	}
}

func BenchmarkParse(b *testing.B) {
	s := New(APIKey)
	for b.Loop() {
		_, _ = Parse(s)
	}
}

func BenchmarkParseMalformed(b *testing.B) {
	s := New(APIKey)
	s = s[:len(s)-1] + "!"
	for b.Loop() {
		_, _ = Parse(s)
	}
}

func BenchmarkHash(b *testing.B) {
	s := New(APIKey)
	for b.Loop() {
		Hash(s)
	}
}
