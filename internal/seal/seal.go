package seal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Errors returned by Open and OpenField. Every failure to open a value wraps
// ErrUndecryptable; an unknown key id also wraps ErrUnknownKey.
var (
	ErrUndecryptable = errors.New("seal: value cannot be decrypted")
	ErrUnknownKey    = errors.New("seal: unknown key id")
)

// formatVersion is the first element of every sealed value.
const formatVersion = "v1"

// aadLabel starts the additional authenticated data of every sealed value.
const aadLabel = "linli/seal/v1"

// payloadEncoding is base64url without padding; Strict rejects non-zero
// trailing bits so that each payload has exactly one textual form.
var payloadEncoding = base64.RawURLEncoding.Strict()

// additionalData binds a ciphertext to its key id and field:
// "linli/seal/v1" NUL keyID NUL field. Key ids contain no NUL, and the field
// comes last, so the encoding is unambiguous.
func additionalData(keyID, field string) []byte {
	b := make([]byte, 0, len(aadLabel)+len(keyID)+len(field)+2)
	b = append(b, aadLabel...)
	b = append(b, 0)
	b = append(b, keyID...)
	b = append(b, 0)
	b = append(b, field...)
	return b
}

// Seal encrypts plaintext with the active key and no field binding; it is
// SealField("", plaintext).
func (k *Keyring) Seal(plaintext string) (string, error) {
	return k.SealField("", plaintext)
}

// Open decrypts a value sealed by Seal; it is OpenField("", sealed).
func (k *Keyring) Open(sealed string) (string, error) {
	return k.OpenField("", sealed)
}

// SealField encrypts plaintext with the active key and returns
// "v1:<keyid>:<base64url(nonce||ciphertext)>". field (e.g.
// "person.id_number") is authenticated with the ciphertext, so the value
// opens only with the same field name: a ciphertext copied into another
// column does not decrypt. The empty string seals to the empty string.
func (k *Keyring) SealField(field, plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	k.mu.RLock()
	e := k.active
	k.mu.RUnlock()
	if e == nil {
		return "", errors.New("seal: keyring has no active key")
	}
	payload, err := e.c.Seal([]byte(plaintext), additionalData(e.id, field))
	if err != nil {
		return "", fmt.Errorf("seal: %s: %w", field, err)
	}
	return formatVersion + ":" + e.id + ":" + payloadEncoding.EncodeToString(payload), nil
}

// OpenField decrypts a value sealed by SealField with the same field. The
// empty string opens to the empty string. Any failure (malformed value,
// unknown key id, wrong field, altered bytes) wraps ErrUndecryptable; the
// error never contains the value itself.
func (k *Keyring) OpenField(field, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	keyID, payload, ok := parseSealed(sealed)
	if !ok {
		return "", fmt.Errorf("%w: field %q: not a %s sealed value", ErrUndecryptable, field, formatVersion)
	}
	k.mu.RLock()
	e := k.byID[keyID]
	k.mu.RUnlock()
	if e == nil {
		return "", fmt.Errorf("%w: field %q: %w %q", ErrUndecryptable, field, ErrUnknownKey, keyID)
	}
	raw, err := payloadEncoding.DecodeString(payload)
	if err != nil {
		return "", fmt.Errorf("%w: field %q: payload is not base64url", ErrUndecryptable, field)
	}
	pt, err := e.c.Open(raw, additionalData(keyID, field))
	if err != nil {
		return "", fmt.Errorf("%w: field %q, key %q: %v", ErrUndecryptable, field, keyID, err)
	}
	return string(pt), nil
}

// parseSealed splits "v1:<keyid>:<payload>".
func parseSealed(s string) (keyID, payload string, ok bool) {
	rest, ok := strings.CutPrefix(s, formatVersion+":")
	if !ok {
		return "", "", false
	}
	keyID, payload, ok = strings.Cut(rest, ":")
	if !ok || keyID == "" || payload == "" {
		return "", "", false
	}
	return keyID, payload, true
}

// NeedsRotation reports whether sealed should be re-encrypted with the
// active key: true for any non-empty value whose key id is not the active
// one, including values that are not sealed at all (re-encryption will then
// report the problem instead of skipping it silently). The empty string
// needs nothing.
func (k *Keyring) NeedsRotation(sealed string) bool {
	if sealed == "" {
		return false
	}
	keyID, _, ok := parseSealed(sealed)
	return !ok || keyID != k.ActiveKeyID()
}

// ResealField re-encrypts sealed with the active key if NeedsRotation says
// so; changed reports whether it did. It is the step `keys rotate` runs
// over every stored value after Rotate.
func (k *Keyring) ResealField(field, sealed string) (resealed string, changed bool, err error) {
	if !k.NeedsRotation(sealed) {
		return sealed, false, nil
	}
	pt, err := k.OpenField(field, sealed)
	if err != nil {
		return "", false, err
	}
	out, err := k.SealField(field, pt)
	if err != nil {
		return "", false, err
	}
	return out, true, nil
}

// BlindIndexLen is the length in hex characters of a blind index.
const BlindIndexLen = 32

// BlindIndex returns a keyed hash of a normalized value for equality lookups
// on an encrypted column: the first 32 hex characters (128 bits) of
// HMAC-SHA256(indexKey, field || 0x00 || normalized).
//
// The field is part of the input so that equal values in different columns
// do not produce equal indexes. Truncating to 128 bits is safe here: the
// index only needs to tell values apart, and an accidental collision among
// n values has probability about n²/2^129 (negligible even for billions of
// rows; a collision would merely return an extra candidate row, which the
// caller filters after decrypting). Truncated HMAC keeps its security as a
// PRF (NIST SP 800-107 allows truncation down to 32 bits), and a shorter
// index is cheaper to store and to index.
//
// Normalize before hashing (NormalizeIDNumber, NormalizePhone), the same
// way when storing and when searching. The empty value has no index: the
// result is "". A keyring without an index key also returns "".
func (k *Keyring) BlindIndex(field, normalized string) string {
	if normalized == "" {
		return ""
	}
	k.mu.RLock()
	key := k.indexKey
	k.mu.RUnlock()
	if len(key) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(normalized))
	var sum [sha256.Size]byte
	return hex.EncodeToString(m.Sum(sum[:0])[:BlindIndexLen/2])
}

// NormalizeIDNumber prepares a resident ID number for validation and blind
// indexing: it removes all white space, turns full-width digits and X into
// ASCII and upper-cases a final x.
func NormalizeIDNumber(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= '０' && r <= '９':
			r = r - '０' + '0'
		case r == 'x' || r == 'ｘ' || r == 'Ｘ':
			r = 'X'
		}
		b.WriteRune(r)
	}
	return b.String()
}
