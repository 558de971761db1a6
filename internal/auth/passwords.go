package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters.
type Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // number of passes
	Threads uint8  // degree of parallelism
	SaltLen uint32 // salt length in bytes
	KeyLen  uint32 // derived key length in bytes
}

// DefaultParams follow the OWASP Password Storage Cheat Sheet minimum for
// argon2id: 19 MiB of memory, 2 iterations, 1 degree of parallelism.
var DefaultParams = Params{
	Memory:  19456,
	Time:    2,
	Threads: 1,
	SaltLen: 16,
	KeyLen:  32,
}

// DefaultMaxConcurrentHashes bounds how many argon2id computations run at
// the same time when NewHasher is given maxConcurrent <= 0. With the default
// parameters that caps hashing memory at roughly 4 × 19 MiB.
const DefaultMaxConcurrentHashes = 4

// Limits applied to parameters parsed from stored hashes, so that a corrupt
// or hostile hash string cannot make Verify allocate unbounded memory or
// spin for minutes.
const (
	maxParsedMemory  = 1 << 20 // KiB, i.e. 1 GiB
	maxParsedTime    = 64
	minParsedSaltLen = 8
	minParsedKeyLen  = 16
	maxParsedKeyLen  = 1024
)

// ErrInvalidHash is returned when an encoded hash is not a well-formed
// argon2id PHC string.
var ErrInvalidHash = errors.New("auth: invalid argon2id hash encoding")

// ErrIncompatibleVersion is returned when an encoded hash uses an argon2
// version other than 19 (0x13).
var ErrIncompatibleVersion = errors.New("auth: incompatible argon2 version")

// kdfFunc derives a key; it exists so tests can observe which parameters
// are used without timing anything.
type kdfFunc func(pw, salt []byte, p Params) []byte

func argon2idKDF(pw, salt []byte, p Params) []byte {
	return argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// Hasher hashes and verifies passwords with argon2id. A semaphore bounds the
// number of concurrent hash computations so that a burst of logins cannot
// exhaust memory on a small machine; callers beyond the bound wait.
// A Hasher is safe for concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
	kdf    kdfFunc
}

// NewHasher returns a Hasher using p for new hashes. Zero fields of p are
// replaced by the corresponding DefaultParams field. maxConcurrent <= 0
// means DefaultMaxConcurrentHashes.
func NewHasher(p Params, maxConcurrent int) *Hasher {
	if p.Memory == 0 {
		p.Memory = DefaultParams.Memory
	}
	if p.Time == 0 {
		p.Time = DefaultParams.Time
	}
	if p.Threads == 0 {
		p.Threads = DefaultParams.Threads
	}
	if p.SaltLen == 0 {
		p.SaltLen = DefaultParams.SaltLen
	}
	if p.KeyLen == 0 {
		p.KeyLen = DefaultParams.KeyLen
	}
	if maxConcurrent <= 0 {
		maxConcurrent = DefaultMaxConcurrentHashes
	}
	return &Hasher{
		params: p,
		sem:    make(chan struct{}, maxConcurrent),
		kdf:    argon2idKDF,
	}
}

// Params returns the parameters used for new hashes.
func (h *Hasher) Params() Params { return h.params }

// derive runs the KDF while holding a semaphore slot.
func (h *Hasher) derive(pw, salt []byte, p Params) []byte {
	h.sem <- struct{}{}
	defer func() { <-h.sem }()
	return h.kdf(pw, salt, p)
}

// Hash returns the PHC-format encoding of an argon2id hash of pw with a
// fresh random salt:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// where salt and hash are standard base64 without padding.
func (h *Hasher) Hash(pw string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading salt: %w", err)
	}
	key := h.derive([]byte(pw), salt, h.params)
	return encodeHash(h.params, salt, key), nil
}

// Verify reports whether pw matches encoded. The cost parameters are taken
// from encoded, so hashes created with older parameters still verify (use
// NeedsRehash to upgrade them after a successful login). The comparison is
// constant-time. A malformed encoding yields ok == false and a non-nil error.
func (h *Hasher) Verify(pw, encoded string) (ok bool, err error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := h.derive([]byte(pw), salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded was produced with parameters other
// than the Hasher's current ones (or cannot be parsed at all), in which case
// the caller should store a fresh Hash of the password it just verified.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	if err != nil {
		return true
	}
	return p != h.params
}

// DummyVerify runs one hash with the current parameters and discards the
// result. Call it when a login names an unknown user so that the response
// takes as long as a real verification and does not reveal whether the
// account exists.
func (h *Hasher) DummyVerify(pw string) {
	// The salt content is irrelevant; only the cost matters.
	salt := make([]byte, h.params.SaltLen)
	key := h.derive([]byte(pw), salt, h.params)
	// Mirror Verify's comparison so the code paths match as closely as possible.
	_ = subtle.ConstantTimeCompare(key, salt)
}

var b64 = base64.RawStdEncoding

func encodeHash(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodeHash parses a PHC argon2id string. The returned Params carry the
// salt and key lengths found in the string.
func decodeHash(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrInvalidHash
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return Params{}, nil, nil, ErrInvalidHash
	}
	version, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return Params{}, nil, nil, ErrInvalidHash
	}
	if version != argon2.Version {
		return Params{}, nil, nil, ErrIncompatibleVersion
	}

	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return Params{}, nil, nil, ErrInvalidHash
	}
	var m, t, threads uint64
	for i, spec := range []struct {
		name string
		dst  *uint64
		bits int
	}{{"m", &m, 32}, {"t", &t, 32}, {"p", &threads, 8}} {
		val, ok := strings.CutPrefix(kv[i], spec.name+"=")
		if !ok {
			return Params{}, nil, nil, ErrInvalidHash
		}
		n, err := strconv.ParseUint(val, 10, spec.bits)
		if err != nil {
			return Params{}, nil, nil, ErrInvalidHash
		}
		*spec.dst = n
	}
	if m == 0 || m > maxParsedMemory || t == 0 || t > maxParsedTime || threads == 0 || m < 8*threads {
		return Params{}, nil, nil, ErrInvalidHash
	}

	salt, err = b64.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < minParsedSaltLen {
		return Params{}, nil, nil, ErrInvalidHash
	}
	key, err = b64.Strict().DecodeString(parts[5])
	if err != nil || len(key) < minParsedKeyLen || len(key) > maxParsedKeyLen {
		return Params{}, nil, nil, ErrInvalidHash
	}
	p = Params{
		Memory:  uint32(m),
		Time:    uint32(t),
		Threads: uint8(threads),
		SaltLen: uint32(len(salt)),
		KeyLen:  uint32(len(key)),
	}
	return p, salt, key, nil
}
