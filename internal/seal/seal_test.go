package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// fixedKey returns 32 bytes b, b+1, ..., for deterministic keyrings.
func fixedKey(b byte) []byte {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

func testKeyring(t testing.TB) *Keyring {
	t.Helper()
	k, err := New(fixedKey(100), Key{ID: "k1", Secret: fixedKey(1)})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var sealedRE = regexp.MustCompile(`^v1:k1:[A-Za-z0-9_-]+$`)

func TestSealOpenRoundTrip(t *testing.T) {
	k := testKeyring(t)
	tests := []struct {
		name, field, plaintext string
	}{
		{"ascii", "", "hello"},
		{"id number", "person.id_number", "11010519491231002X"},
		{"chinese", "person.name", "欧阳少明"},
		{"address with colons", "person.address", "北京市:朝阳区:v1:k1:x"},
		{"single byte", "x", "a"},
		{"invalid utf8 kept", "x", "\xff\xfe"},
		{"long", "note", strings.Repeat("邻里", 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s1, err := k.SealField(tt.field, tt.plaintext)
			if err != nil {
				t.Fatal(err)
			}
			if !sealedRE.MatchString(s1) {
				t.Fatalf("sealed form %.40q does not match v1:k1:<base64url>", s1)
			}
			if len(tt.plaintext) >= 8 && strings.Contains(s1, tt.plaintext) {
				t.Fatal("sealed value contains the plaintext")
			}
			raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s1, "v1:k1:"))
			if err != nil {
				t.Fatal(err)
			}
			if want := 12 + len(tt.plaintext) + 16; len(raw) != want {
				t.Fatalf("payload is %d bytes, want nonce+ciphertext+tag = %d", len(raw), want)
			}
			s2, err := k.SealField(tt.field, tt.plaintext)
			if err != nil {
				t.Fatal(err)
			}
			if s1 == s2 {
				t.Fatal("two seals of the same plaintext are equal: nonce is not random")
			}
			for _, s := range []string{s1, s2} {
				got, err := k.OpenField(tt.field, s)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.plaintext {
					t.Fatalf("OpenField = %.40q, want %.40q", got, tt.plaintext)
				}
			}
		})
	}
}

func TestSealEmpty(t *testing.T) {
	k := testKeyring(t)
	s, err := k.Seal("")
	if err != nil || s != "" {
		t.Fatalf("Seal(\"\") = %q, %v; want \"\", nil", s, err)
	}
	p, err := k.OpenField("person.phone", "")
	if err != nil || p != "" {
		t.Fatalf("OpenField(\"\") = %q, %v; want \"\", nil", p, err)
	}
	if k.NeedsRotation("") {
		t.Fatal("NeedsRotation(\"\") = true")
	}
}

func TestSealIsSealFieldEmpty(t *testing.T) {
	k := testKeyring(t)
	s, err := k.Seal("x")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.OpenField("", s); err != nil || got != "x" {
		t.Fatalf("OpenField(\"\", Seal(x)) = %q, %v", got, err)
	}
	if _, err := k.OpenField("person.name", s); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("OpenField(person.name, Seal(x)) error = %v, want ErrUndecryptable", err)
	}
}

// TestOpenKnownAnswer builds a ciphertext with the standard library alone,
// following the format in doc.go, and opens it. It pins the format and the
// additional data: a change to either would make stored data unreadable.
func TestOpenKnownAnswer(t *testing.T) {
	k := testKeyring(t)
	block, err := aes.NewCipher(fixedKey(1))
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	nonce := bytes.Repeat([]byte{7}, 12)
	ad := []byte("linli/seal/v1\x00k1\x00person.id_number")
	payload := gcm.Seal(bytes.Clone(nonce), nonce, []byte("11010519491231002X"), ad)
	sealed := "v1:k1:" + base64.RawURLEncoding.EncodeToString(payload)

	got, err := k.OpenField("person.id_number", sealed)
	if err != nil {
		t.Fatal(err)
	}
	if got != "11010519491231002X" {
		t.Fatalf("got %q", got)
	}
}

func TestOpenFailures(t *testing.T) {
	k := testKeyring(t)
	good, err := k.SealField("f", "secret value")
	if err != nil {
		t.Fatal(err)
	}
	payload := strings.TrimPrefix(good, "v1:k1:")
	other, err := New(fixedKey(100), Key{ID: "k1", Secret: fixedKey(2)})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		keyring    *Keyring
		field      string
		sealed     string
		unknownKey bool
	}{
		{"wrong field", k, "g", good, false},
		{"empty field", k, "", good, false},
		{"unknown key id", k, "f", "v1:k9:" + payload, true},
		{"wrong version", k, "f", "v2:k1:" + payload, false},
		{"no version", k, "f", "k1:" + payload, false},
		{"plain text", k, "f", "secret value", false},
		{"missing payload", k, "f", "v1:k1:", false},
		{"missing key id", k, "f", "v1::" + payload, false},
		{"padded base64", k, "f", good + "==", false},
		{"not base64", k, "f", "v1:k1:!!!!", false},
		{"truncated", k, "f", good[:len(good)-4], false},
		{"too short", k, "f", "v1:k1:AAAA", false},
		{"other key same id", other, "f", good, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keyring.OpenField(tt.field, tt.sealed)
			if !errors.Is(err, ErrUndecryptable) {
				t.Fatalf("OpenField = %q, %v; want ErrUndecryptable", got, err)
			}
			if errors.Is(err, ErrUnknownKey) != tt.unknownKey {
				t.Fatalf("errors.Is(err, ErrUnknownKey) = %v, want %v (err %v)", !tt.unknownKey, tt.unknownKey, err)
			}
			if strings.Contains(err.Error(), "secret value") {
				t.Fatal("error message reveals the plaintext")
			}
		})
	}
}

// TestTamper flips each bit position class in every byte of the payload.
func TestTamper(t *testing.T) {
	k := testKeyring(t)
	sealed, err := k.SealField("person.phone", "13812345678")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:k1:"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for _, bit := range []byte{0x01, 0x80} {
			mod := bytes.Clone(raw)
			mod[i] ^= bit
			s := "v1:k1:" + base64.RawURLEncoding.EncodeToString(mod)
			if got, err := k.OpenField("person.phone", s); !errors.Is(err, ErrUndecryptable) {
				t.Fatalf("byte %d bit %#x flipped: OpenField = %q, %v; want ErrUndecryptable", i, bit, got, err)
			}
		}
	}
}

func TestSwapBetweenFields(t *testing.T) {
	k := testKeyring(t)
	id, err := k.SealField("person.id_number", "11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	phone, err := k.SealField("person.phone", "13812345678")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.OpenField("person.phone", id); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("ID ciphertext opened as phone: err = %v", err)
	}
	if _, err := k.OpenField("person.id_number", phone); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("phone ciphertext opened as ID number: err = %v", err)
	}
	// Sanity: each opens in its own field.
	if got, err := k.OpenField("person.id_number", id); err != nil || got != "11010519491231002X" {
		t.Fatalf("own field: %q, %v", got, err)
	}
}

func TestRotation(t *testing.T) {
	k := testKeyring(t)
	const field = "person.id_number"
	old, err := k.SealField(field, "11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	if k.NeedsRotation(old) {
		t.Fatal("NeedsRotation true for a value sealed with the active key")
	}
	idxBefore := k.BlindIndex(field, "11010519491231002X")

	if id := k.Rotate(); id != "k2" {
		t.Fatalf("Rotate() = %q, want k2", id)
	}
	if k.ActiveKeyID() != "k2" {
		t.Fatalf("ActiveKeyID() = %q", k.ActiveKeyID())
	}
	if got, err := k.OpenField(field, old); err != nil || got != "11010519491231002X" {
		t.Fatalf("old ciphertext after rotation: %q, %v", got, err)
	}
	if !k.NeedsRotation(old) {
		t.Fatal("NeedsRotation false for a k1 value after rotating to k2")
	}
	if !k.NeedsRotation("not sealed") {
		t.Fatal("NeedsRotation false for an unsealed value")
	}
	fresh, err := k.SealField(field, "11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fresh, "v1:k2:") {
		t.Fatalf("new value %q not sealed with k2", fresh)
	}
	if k.NeedsRotation(fresh) {
		t.Fatal("NeedsRotation true for a k2 value")
	}

	resealed, changed, err := k.ResealField(field, old)
	if err != nil || !changed || !strings.HasPrefix(resealed, "v1:k2:") {
		t.Fatalf("ResealField(old) = %q, %v, %v", resealed, changed, err)
	}
	if got, err := k.OpenField(field, resealed); err != nil || got != "11010519491231002X" {
		t.Fatalf("resealed value: %q, %v", got, err)
	}
	same, changed, err := k.ResealField(field, fresh)
	if err != nil || changed || same != fresh {
		t.Fatalf("ResealField(fresh) = %q, %v, %v; want unchanged", same, changed, err)
	}
	if _, _, err := k.ResealField("other.field", old); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("ResealField with wrong field: err = %v", err)
	}

	if got := k.BlindIndex(field, "11010519491231002X"); got != idxBefore {
		t.Fatalf("blind index changed across rotation: %s -> %s", idxBefore, got)
	}
	if id := k.Rotate(); id != "k3" {
		t.Fatalf("second Rotate() = %q, want k3", id)
	}
	keys := k.Keys()
	if len(keys) != 3 || keys[0].ID != "k1" || keys[2].ID != "k3" || !keys[2].Active || keys[0].Active {
		t.Fatalf("Keys() = %+v", keys)
	}
}

func TestRotateSkipsTakenIDs(t *testing.T) {
	k, err := New(fixedKey(100), Key{ID: "k7", Secret: fixedKey(1)}, Key{ID: "legacy", Secret: fixedKey(2)})
	if err != nil {
		t.Fatal(err)
	}
	if k.ActiveKeyID() != "legacy" {
		t.Fatalf("New made %q active, want the last key", k.ActiveKeyID())
	}
	if id := k.Rotate(); id != "k8" {
		t.Fatalf("Rotate() = %q, want k8", id)
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	good := fixedKey(1)
	tests := []struct {
		name  string
		index []byte
		keys  []Key
	}{
		{"no keys", fixedKey(9), nil},
		{"short index key", fixedKey(9)[:16], []Key{{ID: "k1", Secret: good}}},
		{"short enc key", fixedKey(9), []Key{{ID: "k1", Secret: good[:31]}}},
		{"colon in id", fixedKey(9), []Key{{ID: "k:1", Secret: good}}},
		{"empty id", fixedKey(9), []Key{{ID: "", Secret: good}}},
		{"long id", fixedKey(9), []Key{{ID: strings.Repeat("k", 17), Secret: good}}},
		{"duplicate id", fixedKey(9), []Key{{ID: "k1", Secret: good}, {ID: "k1", Secret: fixedKey(2)}}},
		{"unknown alg", fixedKey(9), []Key{{ID: "k1", Secret: good, Alg: "sm4-gcm"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k, err := New(tt.index, tt.keys...); err == nil {
				t.Fatalf("New succeeded: %v", k)
			}
		})
	}
}

func TestNewCopiesSecrets(t *testing.T) {
	secret := fixedKey(1)
	k, err := New(fixedKey(100), Key{ID: "k1", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Seal("x")
	if err != nil {
		t.Fatal(err)
	}
	secret[0] ^= 0xff
	if got, err := k.Open(s); err != nil || got != "x" {
		t.Fatalf("keyring affected by caller changing the secret: %q, %v", got, err)
	}
}

func TestKeyringStringHidesSecrets(t *testing.T) {
	k := testKeyring(t)
	out := fmt.Sprintf("%v %+v %#v %s", k, k, k, k)
	for _, secret := range [][]byte{fixedKey(1), fixedKey(100)} {
		for _, enc := range []string{base64.StdEncoding.EncodeToString(secret), hex.EncodeToString(secret), fmt.Sprint(secret)} {
			if strings.Contains(out, enc) {
				t.Fatalf("formatted keyring contains key material: %s", out)
			}
		}
	}
	if !strings.Contains(out, `"k1"`) {
		t.Fatalf("formatted keyring should name the active key: %s", out)
	}
}

func TestZeroKeyring(t *testing.T) {
	var k Keyring
	if _, err := k.Seal("x"); err == nil {
		t.Fatal("Seal on an empty keyring succeeded")
	}
	if _, err := k.Open("v1:k1:AAAA"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Open on an empty keyring: %v", err)
	}
	if got := k.BlindIndex("f", "v"); got != "" {
		t.Fatalf("BlindIndex without index key = %q, want \"\"", got)
	}
}

// ---- blind index ----

func TestBlindIndexKnownAnswer(t *testing.T) {
	k := testKeyring(t)
	m := hmac.New(sha256.New, fixedKey(100))
	m.Write([]byte("person.id_number\x0011010519491231002X"))
	want := hex.EncodeToString(m.Sum(nil))[:32]
	if got := k.BlindIndex("person.id_number", "11010519491231002X"); got != want {
		t.Fatalf("BlindIndex = %s, want %s", got, want)
	}
}

func TestBlindIndex(t *testing.T) {
	k := testKeyring(t)
	a := k.BlindIndex("person.id_number", "11010519491231002X")
	if len(a) != BlindIndexLen || strings.Trim(a, "0123456789abcdef") != "" {
		t.Fatalf("BlindIndex = %q, want %d lower-case hex characters", a, BlindIndexLen)
	}
	if b := k.BlindIndex("person.id_number", "11010519491231002X"); a != b {
		t.Fatal("BlindIndex is not deterministic")
	}
	if b := k.BlindIndex("person.phone", "11010519491231002X"); a == b {
		t.Fatal("BlindIndex is the same for two fields")
	}
	if b := k.BlindIndex("person.id_number", "110105194912310021"); a == b {
		t.Fatal("BlindIndex is the same for two values")
	}
	// The separator keeps field and value apart.
	if k.BlindIndex("ab", "c") == k.BlindIndex("a", "bc") {
		t.Fatal("field/value boundary is ambiguous")
	}
	other, err := New(fixedKey(101), Key{ID: "k1", Secret: fixedKey(1)})
	if err != nil {
		t.Fatal(err)
	}
	if b := other.BlindIndex("person.id_number", "11010519491231002X"); a == b {
		t.Fatal("BlindIndex does not depend on the index key")
	}
	if got := k.BlindIndex("person.id_number", ""); got != "" {
		t.Fatalf("BlindIndex of empty value = %q, want \"\"", got)
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519491231002X", "11010519491231002X"},
		{"11010519491231002x", "11010519491231002X"},
		{"  110105 19491231 002x\t", "11010519491231002X"},
		{"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"},
		{"\u3000110105194912310021\u3000", "110105194912310021"},
		{"", ""},
		{"abc", "abc"},
	}
	for _, tt := range tests {
		if got := NormalizeIDNumber(tt.in); got != tt.want {
			t.Errorf("NormalizeIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// ---- key file ----

func fileMode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func skipOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("permission bits are not meaningful on Windows")
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "keys.json")

	k1, created, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Fatal("created = false for a missing file")
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Fatalf("key file mode = %04o, want 0600", m)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		t.Fatal(err)
	}
	if kf.Version != 1 || kf.Active != "k1" || len(kf.Keys) != 1 || kf.Keys[0].ID != "k1" || kf.IndexKey == "" || kf.IndexKey == kf.Keys[0].EncKey {
		t.Fatalf("unexpected key file: %s", data)
	}

	sealed, err := k1.SealField("f", "v")
	if err != nil {
		t.Fatal(err)
	}
	k2, created, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Fatal("created = true for an existing file")
	}
	if got, err := k2.OpenField("f", sealed); err != nil || got != "v" {
		t.Fatalf("reloaded keyring cannot open: %q, %v", got, err)
	}
	if k1.BlindIndex("f", "v") != k2.BlindIndex("f", "v") {
		t.Fatal("reloaded keyring has another index key")
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, after) {
		t.Fatal("loading rewrote the key file")
	}

	// Two independent files get independent keys.
	k3, _, err := LoadOrCreateKeyFile(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k3.OpenField("f", sealed); !errors.Is(err, ErrUndecryptable) {
		t.Fatal("a fresh key file opens another file's ciphertext")
	}
	if k3.BlindIndex("f", "v") == k1.BlindIndex("f", "v") {
		t.Fatal("two fresh key files share the index key")
	}
}

func TestKeyFilePermissionsRefused(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "keys.json")
	if _, _, err := LoadOrCreateKeyFile(path); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []fs.FileMode{0o644, 0o640, 0o604, 0o660} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadKeyFile(path)
		if !errors.Is(err, ErrInsecureKeyFile) || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("mode %04o: LoadKeyFile error = %v, want ErrInsecureKeyFile mentioning chmod 600", mode, err)
		}
		_, created, err := LoadOrCreateKeyFile(path)
		if !errors.Is(err, ErrInsecureKeyFile) || created {
			t.Fatalf("mode %04o: LoadOrCreateKeyFile = created %v, %v", mode, created, err)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(path); err != nil {
		t.Fatalf("mode 0400 refused: %v", err)
	}
}

func TestLoadKeyFileErrors(t *testing.T) {
	skipOnWindows(t)
	dir := t.TempDir()
	if _, err := LoadKeyFile(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("LoadKeyFile created the file")
	}
	idx := base64.StdEncoding.EncodeToString(fixedKey(100))
	enc := base64.StdEncoding.EncodeToString(fixedKey(1))
	bad := map[string]string{
		"not json":        `{`,
		"wrong version":   `{"version":2,"active":"k1","index_key":"` + idx + `","keys":[{"id":"k1","enc_key":"` + enc + `"}]}`,
		"no index key":    `{"version":1,"active":"k1","keys":[{"id":"k1","enc_key":"` + enc + `"}]}`,
		"active missing":  `{"version":1,"active":"k2","index_key":"` + idx + `","keys":[{"id":"k1","enc_key":"` + enc + `"}]}`,
		"short enc key":   `{"version":1,"active":"k1","index_key":"` + idx + `","keys":[{"id":"k1","enc_key":"AAAA"}]}`,
		"bad base64":      `{"version":1,"active":"k1","index_key":"` + idx + `","keys":[{"id":"k1","enc_key":"***"}]}`,
		"unsupported alg": `{"version":1,"active":"k1","index_key":"` + idx + `","keys":[{"id":"k1","alg":"rot13","enc_key":"` + enc + `"}]}`,
	}
	for name, content := range bad {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeyFile(path); err == nil {
			t.Errorf("%s: LoadKeyFile succeeded", name)
		}
	}
	// A valid hand-written file loads, with "alg" optional.
	path := filepath.Join(dir, "good.json")
	good := `{"version":1,"active":"k1","index_key":"` + idx + `","keys":[{"id":"k1","enc_key":"` + enc + `"}]}`
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.BlindIndex("f", "v") != testKeyring(t).BlindIndex("f", "v") {
		t.Fatal("index_key not taken from the file")
	}
}

func TestSaveRotateReload(t *testing.T) {
	skipOnWindows(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.json")
	k, _, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old, err := k.SealField("person.phone", "13812345678")
	if err != nil {
		t.Fatal(err)
	}
	idx := k.BlindIndex("person.phone", "13812345678")
	// Loosen the existing file: Save must still produce a 0600 file.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	k.Rotate()
	if err := k.Save(path); err != nil {
		t.Fatal(err)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Fatalf("saved key file mode = %04o, want 0600", m)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries after Save, want only the key file", len(entries))
	}

	r, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.ActiveKeyID() != "k2" || len(r.Keys()) != 2 {
		t.Fatalf("reloaded keyring: %v %+v", r, r.Keys())
	}
	if got, err := r.OpenField("person.phone", old); err != nil || got != "13812345678" {
		t.Fatalf("k1 value after save/reload: %q, %v", got, err)
	}
	if !r.NeedsRotation(old) {
		t.Fatal("k1 value does not need rotation after reload")
	}
	if r.BlindIndex("person.phone", "13812345678") != idx {
		t.Fatal("blind index changed across rotation and reload")
	}
	fresh, err := r.SealField("person.phone", "13812345678")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fresh, "v1:k2:") {
		t.Fatalf("reloaded keyring seals with %q", fresh[:6])
	}
	// The original in-memory keyring and the reloaded one agree on k2.
	if got, err := k.OpenField("person.phone", fresh); err != nil || got != "13812345678" {
		t.Fatalf("k2 differs between memory and file: %q, %v", got, err)
	}
}

func TestSaveFailsWithoutDirectory(t *testing.T) {
	k := testKeyring(t)
	if err := k.Save(filepath.Join(t.TempDir(), "no", "such", "keys.json")); err == nil {
		t.Fatal("Save into a missing directory succeeded")
	}
}

func TestConcurrentUse(t *testing.T) {
	k := testKeyring(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				if i == 0 && j%10 == 0 {
					k.Rotate()
				}
				pt := fmt.Sprintf("v%d-%d", i, j)
				s, err := k.SealField("f", pt)
				if err != nil {
					errs <- err
					return
				}
				if got, err := k.OpenField("f", s); err != nil || got != pt {
					errs <- fmt.Errorf("round trip %q: %q, %v", pt, got, err)
					return
				}
				_ = k.BlindIndex("f", pt)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// ---- benchmarks ----

func BenchmarkSeal(b *testing.B) {
	k := testKeyring(b)
	for b.Loop() {
		if _, err := k.SealField("person.id_number", "11010519491231002X"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	k := testKeyring(b)
	s, err := k.SealField("person.id_number", "11010519491231002X")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := k.OpenField("person.id_number", s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlindIndex(b *testing.B) {
	k := testKeyring(b)
	for b.Loop() {
		_ = k.BlindIndex("person.id_number", "11010519491231002X")
	}
}
