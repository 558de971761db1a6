package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestNewToken(t *testing.T) {
	const prefix = "ll_sess_"
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		tok, hash, err := NewToken(prefix)
		if err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(tok, prefix)
		if !ok {
			t.Fatalf("token %q lacks prefix %q", tok, prefix)
		}
		raw, err := base64.RawURLEncoding.DecodeString(body)
		if err != nil || len(raw) != 32 {
			t.Fatalf("token body %q: %d bytes, %v; want 32 bytes of raw base64url", body, len(raw), err)
		}
		if hash != sha256Hex(tok) || hash != HashToken(tok) {
			t.Fatalf("hash %q is not hex SHA-256 of the whole token", hash)
		}
		if seen[tok] {
			t.Fatalf("duplicate token %q", tok)
		}
		seen[tok] = true
	}
	// The prefix is part of what is hashed.
	tok, _, _ := NewToken("")
	if HashToken("x"+tok) == HashToken(tok) {
		t.Error("HashToken ignores part of the token")
	}
}
