package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// AlgAES256GCM names the AES-256-GCM cipher in the key file. It is the
// default when a key's "alg" is empty.
const AlgAES256GCM = "aes-256-gcm"

// KeySize is the size in bytes of every secret in the key file.
const KeySize = 32

// Cipher is an authenticated cipher bound to one secret key. Seal returns a
// self-contained payload (for AES-GCM: nonce||ciphertext||tag) and Open
// reverses it; both authenticate additionalData, which is not stored.
//
// The interface exists so that another algorithm (SM4-GCM for deployments
// that must use 国密 algorithms) can be added beside AES-GCM: give it a name,
// add a case to newCipher and write "alg" in the key file.
type Cipher interface {
	Seal(plaintext, additionalData []byte) ([]byte, error)
	Open(payload, additionalData []byte) ([]byte, error)
}

// newCipher builds the cipher called alg over key.
func newCipher(alg string, key []byte) (Cipher, error) {
	switch alg {
	case AlgAES256GCM, "":
		return NewAESGCM(key)
	default:
		return nil, fmt.Errorf("seal: unsupported cipher %q", alg)
	}
}

// errAuth is what a Cipher returns when a payload does not authenticate.
var errAuth = errors.New("message authentication failed")

type aesGCM struct {
	aead cipher.AEAD
}

// NewAESGCM returns AES-256-GCM with a random 12-byte nonce per message.
// key must be 32 bytes.
//
// With random nonces one key must not seal more than about 2^32 messages
// (NIST SP 800-38D); rotating the key long before that is the operator's
// job (see doc.go).
func NewAESGCM(key []byte) (Cipher, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: AES-256-GCM key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &aesGCM{aead: aead}, nil
}

func (c *aesGCM) Seal(plaintext, additionalData []byte) ([]byte, error) {
	ns := c.aead.NonceSize()
	out := make([]byte, ns, ns+len(plaintext)+c.aead.Overhead())
	// crypto/rand.Read never returns an error (it aborts the program if the
	// system random source fails).
	_, _ = rand.Read(out)
	return c.aead.Seal(out, out[:ns], plaintext, additionalData), nil
}

func (c *aesGCM) Open(payload, additionalData []byte) ([]byte, error) {
	ns := c.aead.NonceSize()
	if len(payload) < ns+c.aead.Overhead() {
		return nil, errors.New("payload too short")
	}
	pt, err := c.aead.Open(nil, payload[:ns], payload[ns:], additionalData)
	if err != nil {
		return nil, errAuth
	}
	return pt, nil
}
