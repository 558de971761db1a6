package seal

import (
	"strings"
	"unicode/utf8"
)

// Errors of ValidateUSCC.
var (
	ErrUSCCLength = &InputError{"err.uscc.length", "统一社会信用代码应为18位", "The unified social credit code must have 18 characters."}
	ErrUSCCChars  = &InputError{"err.uscc.chars", "统一社会信用代码只能包含数字和大写字母（不含I、O、Z、S、V）",
		"The unified social credit code may contain only digits and capital letters other than I, O, Z, S and V."}
)

// USCCChecksumWarning is USCCResult.Warning when the check character does
// not match.
const USCCChecksumWarning = "统一社会信用代码校验位不符，请核对（部分早期代码属正常）"

// USCCResult is the outcome of ValidateUSCC for a well-formed code.
type USCCResult struct {
	Normalized string // upper case, without white space
	ChecksumOK bool
	Expected   byte   // the check character computed from the first 17
	Warning    string // USCCChecksumWarning when !ChecksumOK, else ""
}

// usccChars is the GB 32100-2015 alphabet; a character's index is its value.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^i mod 31 for positions i = 0..16.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckChar returns the GB 32100-2015 check character for the first 17
// characters of a unified social credit code, or 0 if first17 is not 17
// characters of the code alphabet.
func USCCCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccChars, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * usccWeights[i]
	}
	return usccChars[(31-sum%31)%31]
}

// ValidateUSCC checks a unified social credit code (GB 32100-2015) after
// removing white space and upper-casing ASCII letters. A wrong length or a
// character outside the alphabet is an error (ErrUSCCLength, ErrUSCCChars).
// A wrong check character is not: some legitimately issued early codes fail
// the check, so the result has ChecksumOK false and a Warning for the user
// to confirm the code.
func ValidateUSCC(s string) (USCCResult, error) {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.Fields(s) {
		b.WriteString(r)
	}
	code := []byte(b.String())
	for i, c := range code {
		if c >= 'a' && c <= 'z' {
			code[i] = c - 'a' + 'A'
		}
	}
	res := USCCResult{Normalized: string(code)}
	if utf8.RuneCount(code) != 18 {
		return res, ErrUSCCLength
	}
	for _, c := range code {
		if strings.IndexByte(usccChars, c) < 0 {
			return res, ErrUSCCChars // also catches any multi-byte rune
		}
	}
	res.Expected = USCCCheckChar(res.Normalized[:17])
	res.ChecksumOK = res.Expected == code[17]
	if !res.ChecksumOK {
		res.Warning = USCCChecksumWarning
	}
	return res, nil
}
