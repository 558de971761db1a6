package seal

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

// refUSCCCheck recomputes the GB 32100-2015 check character without the
// weight table: Horner's scheme from the last position down gives
// sum(v_i * 3^i) mod 31, and the check is (31 - sum mod 31) mod 31.
func refUSCCCheck(first17 string) (byte, bool) {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	if len(first17) != 17 {
		return 0, false
	}
	acc := 0
	for i := 16; i >= 0; i-- {
		v := strings.IndexByte(alphabet, first17[i])
		if v < 0 {
			return 0, false
		}
		acc = (acc*3 + v) % 31
	}
	return alphabet[(31-acc)%31], true
}

func TestValidateUSCC(t *testing.T) {
	c, ok := refUSCCCheck("91350100M0001TGQX")
	if !ok {
		t.Fatal("reference check failed")
	}
	valid := "91350100M0001TGQX" + string(c)
	c2, _ := refUSCCCheck("12100000400000624")
	valid2 := "12100000400000624" + string(c2)

	tests := []struct {
		name, in, norm string
		ok             bool
		expected       byte
	}{
		{"constructed valid", valid, valid, true, c},
		{"constructed valid 2", valid2, valid2, true, c2},
		{"lower case and spaces", " " + strings.ToLower(valid[:9]) + " " + valid[9:] + "\t", valid, true, c},
		{"early code failing the check", "91350100M0001TGQXM", "91350100M0001TGQXM", false, '1'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ValidateUSCC(tt.in)
			if err != nil {
				t.Fatalf("ValidateUSCC(%q) = %v", tt.in, err)
			}
			if res.Normalized != tt.norm || res.ChecksumOK != tt.ok || res.Expected != tt.expected {
				t.Fatalf("ValidateUSCC(%q) = %+v; want Normalized %q, ChecksumOK %v, Expected %q", tt.in, res, tt.norm, tt.ok, tt.expected)
			}
			wantWarning := ""
			if !tt.ok {
				wantWarning = "统一社会信用代码校验位不符，请核对（部分早期代码属正常）"
			}
			if res.Warning != wantWarning {
				t.Fatalf("Warning = %q, want %q", res.Warning, wantWarning)
			}
		})
	}
}

func TestValidateUSCCInvalid(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrUSCCLength},
		{"17 characters", "91350100M0001TGQX", ErrUSCCLength},
		{"19 characters", "91350100M0001TGQXM1", ErrUSCCLength},
		{"contains I", "91350100M0001TGQXI", ErrUSCCChars},
		{"contains O", "9135O100M0001TGQXM", ErrUSCCChars},
		{"contains Z", "Z1350100M0001TGQXM", ErrUSCCChars},
		{"contains S", "91350100M0001TGSXM", ErrUSCCChars},
		{"contains V", "91350100M0001TGVXM", ErrUSCCChars},
		{"lower-case i is still I", "91350100M0001TGQXi", ErrUSCCChars},
		{"punctuation", "91350100-0001TGQXM", ErrUSCCChars},
		{"full-width letter", "91350100M0001TGQXＭ", ErrUSCCChars},
		{"invalid utf8", "91350100M0001TGQX\xff", ErrUSCCChars},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ValidateUSCC(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ValidateUSCC(%q) = %+v, %v; want %v", tt.in, res, err, tt.want)
			}
			if res.ChecksumOK || res.Warning != "" {
				t.Fatalf("result on error claims a checksum: %+v", res)
			}
		})
	}
}

func TestUSCCCheckChar(t *testing.T) {
	if got := USCCCheckChar("91350100M0001TGQX"); got != '1' {
		t.Errorf("USCCCheckChar(91350100M0001TGQX) = %q, want '1'", got)
	}
	for _, bad := range []string{"", "91350100M0001TGQ", "91350100M0001TGQXM", "91350100M0001TGQI", "91350100m0001TGQX"} {
		if got := USCCCheckChar(bad); got != 0 {
			t.Errorf("USCCCheckChar(%q) = %q, want 0", bad, got)
		}
	}
	// Each value of the last position gives the reference result.
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		first17 := "9135010000000000" + string(c)
		want, _ := refUSCCCheck(first17)
		if got := USCCCheckChar(first17); got != want {
			t.Errorf("USCCCheckChar(%q) = %q, reference %q", first17, got, want)
		}
	}
}

// refUSCCNormalize removes white space and upper-cases ASCII letters.
func refUSCCNormalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

func FuzzValidateUSCC(f *testing.F) {
	for _, s := range []string{
		"91350100M0001TGQXM", "91350100M0001TGQX1", "91350100m0001tgqx1", "", "1",
		"91350100M0001TGQXI", " 91350100M0001TGQX1 ", "９1350100M0001TGQX1", "\xff",
		"000000000000000000", "YYYYYYYYYYYYYYYYYY",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		res, err := ValidateUSCC(in)
		norm := refUSCCNormalize(in)
		ref, refOK := byte(0), false
		if len(norm) == 18 {
			ref, refOK = refUSCCCheck(norm[:17])
		}
		if err != nil {
			if !errors.Is(err, ErrUSCCLength) && !errors.Is(err, ErrUSCCChars) {
				t.Fatalf("ValidateUSCC(%q): unexpected error %v", in, err)
			}
			if refOK && strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", norm[17]) >= 0 {
				t.Fatalf("ValidateUSCC(%q) rejected a well-formed code: %v", in, err)
			}
			return
		}
		if res.Normalized != norm || !refOK {
			t.Fatalf("ValidateUSCC(%q) accepted %q; reference normalization %q is not well-formed", in, res.Normalized, norm)
		}
		if res.Expected != ref {
			t.Fatalf("ValidateUSCC(%q).Expected = %q, reference %q", in, res.Expected, ref)
		}
		if res.ChecksumOK != (norm[17] == ref) {
			t.Fatalf("ValidateUSCC(%q).ChecksumOK = %v, reference says %v", in, res.ChecksumOK, norm[17] == ref)
		}
		if (res.Warning != "") == res.ChecksumOK {
			t.Fatalf("ValidateUSCC(%q): Warning %q with ChecksumOK %v", in, res.Warning, res.ChecksumOK)
		}
	})
}
