package auth

import (
	"bytes"
	"encoding/base32"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the RFC 6238 Appendix B SHA-1 seed "12345678901234567890".
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

func TestGenerateTOTPRFC6238Vectors(t *testing.T) {
	// Last six digits of the RFC 6238 Appendix B SHA-1 values.
	vectors := map[int64]string{
		59:          "287082",
		1111111109:  "081804",
		1111111111:  "050471",
		1234567890:  "005924",
		2000000000:  "279037",
		20000000000: "353130",
	}
	for unix, want := range vectors {
		got, err := GenerateTOTP(rfcSecret, time.Unix(unix, 0))
		if err != nil || got != want {
			t.Errorf("GenerateTOTP(t=%d) = %q, %v; want %q", unix, got, err, want)
		}
	}
}

func TestNewTOTPSecret(t *testing.T) {
	secret, u, err := NewTOTPSecret("邻里平台", "zhangsan@example.cn")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil || len(raw) != 20 {
		t.Fatalf("secret %q: %d bytes, %v; want 20 bytes of base32", secret, len(raw), err)
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	if parsed.Scheme != "otpauth" || parsed.Host != "totp" ||
		q.Get("secret") != secret || q.Get("issuer") != "邻里平台" ||
		q.Get("period") != "30" || q.Get("digits") != "6" || q.Get("algorithm") != "SHA1" {
		t.Fatalf("unexpected otpauth URL %q", u)
	}
	if !strings.Contains(parsed.Path, "zhangsan@example.cn") {
		t.Errorf("account missing from URL path %q", parsed.Path)
	}
	other, _, _ := NewTOTPSecret("邻里平台", "zhangsan@example.cn")
	if other == secret {
		t.Error("two secrets are identical")
	}
}

func TestQRPNG(t *testing.T) {
	_, u, _ := NewTOTPSecret("Linli", "lisi")
	b, err := QRPNG(u, 256)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 {
		t.Errorf("QR size %v, want 256x256", r)
	}
	if _, err := QRPNG(u, 0); err == nil {
		t.Error("size 0 accepted")
	}
	if _, err := QRPNG("", 256); err == nil {
		t.Error("empty URL accepted")
	}
}

func TestVerifyTOTP(t *testing.T) {
	secret, _, err := NewTOTPSecret("Linli", "wangwu")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 6, 1, 9, 30, 15, 0, time.UTC)
	cur := now.Unix() / 30
	code, err := GenerateTOTP(secret, now)
	if err != nil {
		t.Fatal(err)
	}

	step, ok := VerifyTOTP(secret, code, now, 0)
	if !ok || step != cur {
		t.Fatalf("fresh code: step=%d ok=%v, want step=%d ok=true", step, ok, cur)
	}
	// Replay: the same code with the stored step is refused.
	if _, ok := VerifyTOTP(secret, code, now, step); ok {
		t.Fatal("replayed code accepted")
	}
	// A later step stored (e.g. after a code from the next window) also refuses it.
	if _, ok := VerifyTOTP(secret, code, now, step+1); ok {
		t.Fatal("code older than lastStep accepted")
	}
	// Spaces are ignored.
	if s, ok := VerifyTOTP(secret, code[:3]+" "+code[3:], now, 0); !ok || s != cur {
		t.Fatal("code with a space refused")
	}
	if s, ok := VerifyTOTP(secret, " "+code+"\t", now, 0); !ok || s != cur {
		t.Fatal("code with surrounding whitespace refused")
	}

	// ±1 step skew is accepted and reports the code's own step.
	prev, _ := GenerateTOTP(secret, now.Add(-30*time.Second))
	if s, ok := VerifyTOTP(secret, prev, now, 0); !ok || s != cur-1 {
		t.Errorf("previous-step code: step=%d ok=%v, want %d true", s, ok, cur-1)
	}
	next, _ := GenerateTOTP(secret, now.Add(30*time.Second))
	if s, ok := VerifyTOTP(secret, next, now, 0); !ok || s != cur+1 {
		t.Errorf("next-step code: step=%d ok=%v, want %d true", s, ok, cur+1)
	}
	// A previous-step code is refused once the current step was used.
	if _, ok := VerifyTOTP(secret, prev, now, cur); ok {
		t.Error("previous-step code accepted after the current step was used")
	}

	// Two steps away is outside the window.
	old, _ := GenerateTOTP(secret, now.Add(-60*time.Second))
	if old != code && old != prev && old != next {
		if _, ok := VerifyTOTP(secret, old, now, 0); ok {
			t.Error("code two steps old accepted")
		}
	}
	future, _ := GenerateTOTP(secret, now.Add(60*time.Second))
	if future != code && future != prev && future != next {
		if _, ok := VerifyTOTP(secret, future, now, 0); ok {
			t.Error("code two steps ahead accepted")
		}
	}

	// Malformed input.
	wrong := "000000"
	if wrong == code || wrong == prev || wrong == next {
		wrong = "999999"
	}
	for _, c := range []string{wrong, "", "12345", "1234567", "12a456", code + "0"} {
		if _, ok := VerifyTOTP(secret, c, now, 0); ok {
			t.Errorf("VerifyTOTP accepted %q", c)
		}
	}
	if _, ok := VerifyTOTP("not base32 !!", code, now, 0); ok {
		t.Error("invalid secret accepted")
	}
}

// The "two steps old" assertion above is skipped on a 1-in-a-million
// collision; this deterministic RFC case always exercises it.
func TestVerifyTOTPWindowDeterministic(t *testing.T) {
	at := time.Unix(1111111111, 0) // RFC vector, code 050471 at step 37037037
	if s, ok := VerifyTOTP(rfcSecret, "050471", at, 0); !ok || s != 37037037 {
		t.Fatalf("RFC code refused: %d %v", s, ok)
	}
	if _, ok := VerifyTOTP(rfcSecret, "050471", at.Add(60*time.Second), 0); ok {
		t.Fatal("code two steps old accepted")
	}
	if _, ok := VerifyTOTP(rfcSecret, "050471", at.Add(-60*time.Second), 0); ok {
		t.Fatal("code two steps in the future accepted")
	}
	if s, ok := VerifyTOTP(rfcSecret, "050471", at.Add(30*time.Second), 0); !ok || s != 37037037 {
		t.Fatal("code one step old refused")
	}
}

var recoveryRE = regexp.MustCompile(`^[23456789abcdefghjkmnpqrstuvwxyz]{4}-[23456789abcdefghjkmnpqrstuvwxyz]{4}-[23456789abcdefghjkmnpqrstuvwxyz]{2}$`)

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := NewRecoveryCodes(10)
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("got %d codes, %d hashes; want 10, 10", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if !recoveryRE.MatchString(c) {
			t.Errorf("code %q does not match xxxx-xxxx-xx over the unambiguous alphabet", c)
		}
		if seen[c] {
			t.Errorf("duplicate code %q", c)
		}
		seen[c] = true
		if hashes[i] != HashRecoveryCode(c) {
			t.Errorf("hashes[%d] does not match HashRecoveryCode(codes[%d])", i, i)
		}
	}
	if c, h := NewRecoveryCodes(0); c != nil || h != nil {
		t.Error("NewRecoveryCodes(0) returned codes")
	}

	// Across many codes every alphabet character shows up and no ambiguous one does.
	many, _ := NewRecoveryCodes(500)
	all := strings.Join(many, "")
	for _, r := range recoveryAlphabet {
		if !strings.ContainsRune(all, r) {
			t.Errorf("alphabet character %q never generated", r)
		}
	}
	if strings.ContainsAny(all, "01ilo") {
		t.Error("ambiguous character generated")
	}
}

func TestHashRecoveryCode(t *testing.T) {
	want := HashRecoveryCode("abcd-efgh-23")
	if len(want) != 64 || strings.Trim(want, "0123456789abcdef") != "" {
		t.Fatalf("hash %q is not hex SHA-256", want)
	}
	// sha256("abcdefgh23")
	if want != sha256Hex("abcdefgh23") {
		t.Fatalf("hash %q is not SHA-256 of the normalised code", want)
	}
	for _, v := range []string{"ABCD-EFGH-23", "abcdefgh23", " abcd efgh 23 ", "AbCd-eFgH23"} {
		if got := HashRecoveryCode(v); got != want {
			t.Errorf("HashRecoveryCode(%q) differs from canonical form", v)
		}
	}
	if HashRecoveryCode("abcd-efgh-24") == want {
		t.Error("different codes hash equal")
	}
}
