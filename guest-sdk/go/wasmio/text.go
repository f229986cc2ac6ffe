package wasmio

import "unicode"

// JSLength returns the length of s as JavaScript's String.length counts it,
// in UTF-16 code units: a character beyond U+FFFF (most emoji) counts two.
// A limit a JavaScript client checks, like text.length <= 1000, is one of
// these.
func JSLength(s string) int {
	n := 0
	for _, r := range s {
		if r > 0xffff {
			n++
		}
		n++
	}
	return n
}

// ValidName reports whether s is fit to be a name a client chooses, of a
// room, a user or a topic: 1 to max characters as JavaScript counts them
// (JSLength), none of them a control character (Unicode Cc: U+0000 to
// U+001F and U+007F to U+009F), so that it makes a valid room name (no
// NUL) and cannot break a log line.
func ValidName(s string, max int) bool {
	if s == "" || JSLength(s) > max {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
