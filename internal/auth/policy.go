package auth

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Policy describes the password rules a deployment enforces.
type Policy struct {
	// MinLength is the minimum length in runes (0 = no minimum).
	MinLength int
	// MaxLength is the maximum length in runes (0 = no maximum).
	MaxLength int
	// RequireClasses is the number of character classes that must appear,
	// among lower-case letters, upper-case letters, digits and symbols
	// (0 = off). Any rune that is not a lower-case letter, an upper-case
	// letter or a digit – punctuation, spaces, Chinese characters – counts
	// towards the symbol class.
	RequireClasses int
	// RotateDays is the maximum password age in days (0 = off); see Expired.
	RotateDays int
	// HistoryCount is how many previous password hashes the store keeps and
	// refuses to reuse (0 = off). Check cannot enforce it because it needs
	// the stored hashes; the store verifies the new password against them.
	HistoryCount int
}

// DefaultPolicy follows OWASP ASVS 5.0: at least 12 characters, at most 128,
// no composition rules and no periodic rotation.
func DefaultPolicy() Policy {
	return Policy{MinLength: 12, MaxLength: 128}
}

// DengbaoPolicy is the profile for deployments assessed under
// 等保 2.0 level 3 (GB/T 22239-2019): complexity of at least three character
// classes, rotation every 90 days and no reuse of the last five passwords.
func DengbaoPolicy() Policy {
	return Policy{
		MinLength:      12,
		MaxLength:      128,
		RequireClasses: 3,
		RotateDays:     90,
		HistoryCount:   5,
	}
}

// Message keys carried by PolicyError.Key.
const (
	KeyTooShort         = "pw.too_short"
	KeyTooLong          = "pw.too_long"
	KeyTooFewClasses    = "pw.too_few_classes"
	KeyContainsUsername = "pw.contains_username"
	KeyTooCommon        = "pw.too_common"
)

// policyMessages maps message keys to Chinese format strings; the format
// verbs are filled from PolicyError.Args.
var policyMessages = map[string]string{
	KeyTooShort:         "密码至少需要%d个字符",
	KeyTooLong:          "密码不能超过%d个字符",
	KeyTooFewClasses:    "密码需包含大写字母、小写字母、数字、符号中的至少%d类",
	KeyContainsUsername: "密码不能包含用户名",
	KeyTooCommon:        "该密码过于常见，请换一个",
}

// PolicyError reports why a password was refused. Key is a stable message
// key for translation; Args fill its format verbs. Error returns the
// Chinese text.
type PolicyError struct {
	Key  string
	Args []any
}

// Error returns the Chinese message for e.Key.
func (e *PolicyError) Error() string {
	format, ok := policyMessages[e.Key]
	if !ok {
		return e.Key
	}
	return fmt.Sprintf(format, e.Args...)
}

// minUsernameRunes is the shortest username that Check looks for inside the
// password; shorter names (e.g. "li") would refuse far too many unrelated
// passwords.
const minUsernameRunes = 3

// Check validates pw against the policy and returns the first failure as a
// *PolicyError, or nil. The checks run in this order: too short, too long,
// too few character classes, contains the username (case-insensitive,
// usernames of at least three runes), listed as a common password.
// Lengths are counted in runes, so "密码" is two characters.
func (p Policy) Check(pw string, username string) error {
	n := utf8.RuneCountInString(pw)
	if p.MinLength > 0 && n < p.MinLength {
		return &PolicyError{Key: KeyTooShort, Args: []any{p.MinLength}}
	}
	if p.MaxLength > 0 && n > p.MaxLength {
		return &PolicyError{Key: KeyTooLong, Args: []any{p.MaxLength}}
	}
	if p.RequireClasses > 0 && charClasses(pw) < p.RequireClasses {
		return &PolicyError{Key: KeyTooFewClasses, Args: []any{p.RequireClasses}}
	}
	if u := strings.ToLower(strings.TrimSpace(username)); utf8.RuneCountInString(u) >= minUsernameRunes &&
		strings.Contains(strings.ToLower(pw), u) {
		return &PolicyError{Key: KeyContainsUsername}
	}
	if IsCommon(pw) {
		return &PolicyError{Key: KeyTooCommon}
	}
	return nil
}

// charClasses counts how many of lower, upper, digit and symbol appear in s.
func charClasses(s string) int {
	var lower, upper, digit, symbol bool
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	n := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			n++
		}
	}
	return n
}

// Expired reports whether a password last changed at changedAt must be
// rotated at now: true once RotateDays days have passed. It is always false
// when RotateDays is 0. A zero changedAt (never recorded) counts as expired
// when rotation is on.
func (p Policy) Expired(changedAt, now time.Time) bool {
	if p.RotateDays <= 0 {
		return false
	}
	return !now.Before(changedAt.AddDate(0, 0, p.RotateDays))
}

// commonPasswordsText is the built-in list of common passwords: lower case,
// one per line, sorted and unique.
//
//go:embed common-passwords.txt
var commonPasswordsText string

// commonPasswords parses the embedded list once, on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	lines := strings.Split(commonPasswordsText, "\n")
	set := make(map[string]struct{}, len(lines))
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			set[l] = struct{}{}
		}
	}
	return set
})

// IsCommon reports whether pw, compared in lower case, is on the built-in
// list of common passwords.
func IsCommon(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(pw)]
	return ok
}
