package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// tokenBytes is the amount of randomness in a token (256 bits).
const tokenBytes = 32

// NewToken returns a new random token for a session cookie or an API token,
// and the hash to store in place of it. The token is prefix followed by 32
// random bytes from crypto/rand in unpadded base64url; the prefix (e.g.
// "ll_sess_") makes leaked tokens easy to recognise by secret scanners.
// hash is HashToken(token).
func NewToken(prefix string) (token string, hash string, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: reading random token: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the hex SHA-256 of the whole token (prefix included).
// The store keeps only this hash, so a database leak does not reveal usable
// tokens, and looks tokens up by it.
//
// A fast hash is deliberate: slow hashes such as argon2id exist to make
// guessing low-entropy passwords expensive, but a 256-bit random token
// cannot be guessed regardless of the hash speed. Running argon2id on every
// request would instead cost ~20 MiB and tens of milliseconds per request
// and turn each request into a denial-of-service lever, and it would
// require a salt, making lookup by hash impossible.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
