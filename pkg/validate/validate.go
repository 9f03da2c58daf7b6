// Package validate normalises and checks the values clients send: emails,
// names and list parameters.
package validate

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxEmailLen is the longest address accepted (RFC 5321 path limit).
const MaxEmailLen = 254

// Email trims, NFC-normalises and lowercases s and checks that it is a bare
// address. It returns the stored form or a message for the client.
func Email(s string) (string, string) {
	s = norm.NFC.String(strings.TrimSpace(s))
	if s == "" {
		return "", "is required"
	}
	if utf8.RuneCountInString(s) > MaxEmailLen {
		return "", "must be at most 254 characters"
	}
	if hasHidden(s) {
		return "", "must not contain control, invisible or direction characters"
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return "", "must be a valid email address"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || strings.ContainsAny(s, " <>\"()\\,;:") {
		return "", "must be a valid email address"
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") || strings.Contains(s[at+1:], "..") {
		return "", "must be a valid email address"
	}
	return lower(s), ""
}

// lower lowercases and then normalises: lowercasing can undo NFC ("J" with a
// combining caron has no composed form, "j" with one has).
func lower(s string) string { return norm.NFC.String(strings.ToLower(s)) }

// Name trims and NFC-normalises a display name of 1–100 characters.
func Name(s string) (string, string) {
	s = norm.NFC.String(strings.TrimSpace(s))
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return "", "must not be empty"
	case n > 100:
		return "", "must be at most 100 characters"
	case hasHidden(s):
		return "", "must not contain control, invisible or direction characters"
	}
	return s, ""
}

// hasHidden reports control and format characters (CR/LF, zero-width,
// right-to-left marks) that make a value look like something it is not.
func hasHidden(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError || unicode.In(r, unicode.Zl, unicode.Zp) || fillers[r] {
			return true
		}
	}
	return false
}

// SearchWords splits text into lowercase words at white space and at
// the separators @ . _ + - (so an email yields its local part, domain and
// their pieces), keeping the whole pieces as well.
func SearchWords(name, email string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(w string) {
		w = lower(norm.NFC.String(w))
		if w != "" && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	split := func(s string) {
		for _, f := range strings.FieldsFunc(s, isSeparator) {
			add(f)
		}
	}
	for _, w := range strings.Fields(name) {
		add(w)
		split(w)
	}
	if email != "" {
		add(email)
		if at := strings.LastIndexByte(email, '@'); at >= 0 {
			add(email[:at])
			add(email[at+1:])
		}
		split(email)
	}
	return out
}

// QueryWords splits a search query into lowercase words.
func QueryWords(q string) []string {
	var out []string
	for _, w := range strings.Fields(lower(norm.NFC.String(q))) {
		out = append(out, w)
	}
	return out
}

func isSeparator(r rune) bool {
	switch r {
	case '@', '.', '_', '+', '-':
		return true
	}
	return unicode.IsSpace(r)
}

// MatchesAll reports whether every query word is a prefix of some word.
func MatchesAll(query, words []string) bool {
	for _, q := range query {
		ok := false
		for _, w := range words {
			if strings.HasPrefix(w, q) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Prefixes returns the distinct prefixes of 1..n runes of the words: the
// partitions a user is indexed under for search.
func Prefixes(words []string, n int) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		r := []rune(w)
		for i := 1; i <= n && i <= len(r); i++ {
			p := string(r[:i])
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// fillers are letters that render as nothing (Hangul fillers, braille blank).
var fillers = map[rune]bool{0x115F: true, 0x1160: true, 0x3164: true, 0xFFA0: true, 0x2800: true}
