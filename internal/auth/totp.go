package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
	"github.com/skip2/go-qrcode"
)

// TOTP settings (RFC 6238), the ones every authenticator app supports.
const (
	TOTPPeriod = 30 // seconds per step
	TOTPDigits = 6
	// TOTPSkew is how many steps before or after the current one are
	// accepted, to tolerate clock drift between server and phone.
	TOTPSkew = 1
	// totpSecretSize is the secret length in bytes (160 bits, as RFC 4226
	// recommends for HMAC-SHA1).
	totpSecretSize = 20
)

// NewTOTPSecret creates a new random TOTP secret for account at issuer. It
// returns the base32 secret (to store, encrypted at rest) and the
// otpauth:// URL to show to the user as a QR code.
func NewTOTPSecret(issuer, account string) (secret string, otpauthURL string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      TOTPPeriod,
		SecretSize:  totpSecretSize,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// QRPNG renders otpauthURL as a PNG QR code of size×size pixels.
func QRPNG(otpauthURL string, size int) ([]byte, error) {
	if otpauthURL == "" {
		return nil, errors.New("auth: empty otpauth URL")
	}
	if size <= 0 {
		return nil, errors.New("auth: QR code size must be positive")
	}
	return qrcode.Encode(otpauthURL, qrcode.Medium, size)
}

// totpStep returns the RFC 6238 time step containing t.
func totpStep(t time.Time) int64 {
	u := t.Unix()
	s := u / TOTPPeriod
	if u < 0 && u%TOTPPeriod != 0 {
		s-- // floor division for times before 1970
	}
	return s
}

func totpCodeAt(secret string, step int64) (string, error) {
	return hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{
		Digits:    otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1,
	})
}

// GenerateTOTP returns the 6-digit code for secret at time t.
func GenerateTOTP(secret string, t time.Time) (string, error) {
	return totpCodeAt(secret, totpStep(t))
}

// VerifyTOTP checks code against secret at time now, accepting the current
// step and TOTPSkew steps either side. Spaces in code are ignored
// ("123 456"). A code whose step is <= lastStep is refused, so every code
// can be used only once: on success the caller must store the returned
// step as the new lastStep (use 0 if no code was ever accepted).
func VerifyTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if len(code) != TOTPDigits {
		return 0, false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return 0, false
		}
	}

	cur := totpStep(now)
	matched := int64(0)
	found := false
	// Check every candidate step so the work done does not depend on which
	// one matches; keep the earliest match that is newer than lastStep.
	for s := cur - TOTPSkew; s <= cur+TOTPSkew; s++ {
		if s < 0 {
			continue
		}
		want, err := totpCodeAt(secret, s)
		if err != nil {
			return 0, false // invalid secret
		}
		eq := subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1
		if eq && s > lastStep && !found {
			matched, found = s, true
		}
	}
	return matched, found
}

// recoveryAlphabet omits characters that are easy to confuse when read
// aloud or copied by hand: 0/o, 1/l/i.
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// recoveryCodeLen is the number of random characters in a recovery code
// (about 49.5 bits of entropy with the 31-character alphabet).
const recoveryCodeLen = 10

// NewRecoveryCodes returns n distinct one-time recovery codes formatted as
// "xxxx-xxxx-xx", and their hashes (HashRecoveryCode) at the same indices.
// Show the codes to the user once and store only the hashes.
//
// Recovery codes are single use: when a submitted code's hash matches a
// stored hash, the store must delete that hash in the same transaction that
// accepts the login, so the code cannot be replayed.
func NewRecoveryCodes(n int) (codes []string, hashes []string) {
	if n <= 0 {
		return nil, nil
	}
	codes = make([]string, 0, n)
	hashes = make([]string, 0, n)
	seen := make(map[string]bool, n)
	for len(codes) < n {
		c := randomRecoveryCode()
		if seen[c] {
			continue
		}
		seen[c] = true
		codes = append(codes, c)
		hashes = append(hashes, HashRecoveryCode(c))
	}
	return codes, hashes
}

func randomRecoveryCode() string {
	// Rejection sampling keeps the distribution uniform: only bytes below
	// the largest multiple of len(alphabet) are used.
	const limit = 256 - 256%len(recoveryAlphabet)
	raw := make([]byte, recoveryCodeLen)
	buf := make([]byte, 32)
	for i := 0; i < recoveryCodeLen; {
		rand.Read(buf) // never returns an error; crashes the program instead
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			raw[i] = recoveryAlphabet[int(b)%len(recoveryAlphabet)]
			i++
			if i == recoveryCodeLen {
				break
			}
		}
	}
	return string(raw[0:4]) + "-" + string(raw[4:8]) + "-" + string(raw[8:10])
}

// NormalizeRecoveryCode lower-cases code and removes dashes and whitespace,
// so "ABCD-efgh-23", "abcdefgh23" and "abcd efgh 23" are the same code.
func NormalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, code)
}

// HashRecoveryCode returns the hex SHA-256 of the normalised code. A fast
// hash is sufficient because the codes carry ~50 bits of randomness and are
// only accepted behind the login throttle.
func HashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte(NormalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}
