package password

import "testing"

func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		Hash("correct horse battery staple")
	}
}

func BenchmarkVerify(b *testing.B) {
	h := Hash("correct horse battery staple")
	for b.Loop() {
		_, _ = Verify("correct horse battery staple", h)
	}
}

func BenchmarkPolicyCheck(b *testing.B) {
	for b.Loop() {
		DefaultPolicy.Check("correct horse battery staple")
	}
}
