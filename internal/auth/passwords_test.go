package auth

import (
	"errors"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fastParams keep most tests quick; one test exercises DefaultParams.
var fastParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)

func TestDefaultParams(t *testing.T) {
	want := Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	if DefaultParams != want {
		t.Fatalf("DefaultParams = %+v, want %+v", DefaultParams, want)
	}
}

func TestHashVerifyDefaultParams(t *testing.T) {
	h := NewHasher(DefaultParams, 0)
	enc, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	m := phcRE.FindStringSubmatch(enc)
	if m == nil {
		t.Fatalf("hash %q is not a PHC argon2id string", enc)
	}
	if m[1] != "19456" || m[2] != "2" || m[3] != "1" {
		t.Errorf("params in %q = m=%s,t=%s,p=%s, want m=19456,t=2,p=1", enc, m[1], m[2], m[3])
	}
	// 16-byte salt and 32-byte key in raw (unpadded) base64.
	if len(m[4]) != 22 || len(m[5]) != 43 {
		t.Errorf("salt/hash lengths %d/%d, want 22/43 (unpadded)", len(m[4]), len(m[5]))
	}
	ok, err := h.Verify("correct horse battery staple", enc)
	if err != nil || !ok {
		t.Fatalf("Verify(right password) = %v, %v; want true, nil", ok, err)
	}
	ok, err = h.Verify("correct horse battery stapler", enc)
	if err != nil || ok {
		t.Fatalf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
	}
}

func TestHashUsesFreshSalt(t *testing.T) {
	h := NewHasher(fastParams, 0)
	a, _ := h.Hash("same password")
	b, _ := h.Hash("same password")
	if a == b {
		t.Fatal("two hashes of the same password are identical; salt not random")
	}
	for _, enc := range []string{a, b} {
		if ok, err := h.Verify("same password", enc); !ok || err != nil {
			t.Fatalf("Verify(%q) = %v, %v", enc, ok, err)
		}
	}
}

func TestVerifyUsesParamsFromHash(t *testing.T) {
	old := NewHasher(fastParams, 0)
	enc, err := old.Hash("密码很长的中文密码")
	if err != nil {
		t.Fatal(err)
	}
	cur := NewHasher(Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, 0)
	ok, err := cur.Verify("密码很长的中文密码", enc)
	if err != nil || !ok {
		t.Fatalf("hash made with old params must still verify: %v, %v", ok, err)
	}
	if ok, _ := cur.Verify("密码很长的中文密", enc); ok {
		t.Fatal("wrong password verified")
	}
}

// TestVerifyReferenceVector checks interoperability with the argon2
// reference implementation: this is its argon2id test vector
// ("password", "somesalt", t=2, m=64 MiB, p=1; raw hash
// 09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7).
func TestVerifyReferenceVector(t *testing.T) {
	const ref = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	h := NewHasher(fastParams, 0)
	if ok, err := h.Verify("password", ref); !ok || err != nil {
		t.Fatalf("Verify(reference vector) = %v, %v; want true, nil", ok, err)
	}
	if ok, _ := h.Verify("Password", ref); ok {
		t.Fatal("reference vector verified with the wrong password")
	}
	// The encoder must produce exactly the reference string for the same input.
	p := Params{Memory: 65536, Time: 2, Threads: 1, SaltLen: 8, KeyLen: 32}
	got := encodeHash(p, []byte("somesalt"), argon2idKDF([]byte("password"), []byte("somesalt"), p))
	if got != ref {
		t.Fatalf("encodeHash = %q, want %q", got, ref)
	}
}

// Tampering with any field of an encoded hash must break verification.
func TestVerifyTamperedHash(t *testing.T) {
	h := NewHasher(fastParams, 0)
	enc, _ := h.Hash("pw-under-test")
	parts := strings.Split(enc, "$")
	tampered := []string{
		strings.Replace(enc, "m=64", "m=65", 1),
		strings.Replace(enc, "t=1", "t=2", 1),
		strings.Join(append(append([]string{}, parts[:4]...), flipFirst(parts[4]), parts[5]), "$"),
		strings.Join(append(append([]string{}, parts[:5]...), flipFirst(parts[5])), "$"),
	}
	for _, tc := range tampered {
		ok, err := h.Verify("pw-under-test", tc)
		if ok {
			t.Errorf("Verify accepted tampered hash %q (err %v)", tc, err)
		}
	}
}

func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestVerifyMalformed(t *testing.T) {
	h := NewHasher(fastParams, 0)
	good, _ := h.Hash("x")
	salt := strings.Split(good, "$")[4]
	key := strings.Split(good, "$")[5]
	cases := map[string]error{
		"":                              ErrInvalidHash,
		"plaintext":                     ErrInvalidHash,
		"$2a$10$abcdefghijklmnopqrstuv": ErrInvalidHash,
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key:  ErrInvalidHash,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key: ErrIncompatibleVersion,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key:     ErrInvalidHash,
		"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key: ErrInvalidHash,
		"$argon2id$v=19$m=0,t=1,p=1$" + salt + "$" + key:  ErrInvalidHash,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key: ErrInvalidHash,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key: ErrInvalidHash,
		// 4 TiB of memory from a hostile hash string must be refused, not attempted.
		"$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key: ErrInvalidHash,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key:       ErrInvalidHash,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10]:    ErrInvalidHash,
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key:               ErrInvalidHash,
	}
	for enc, want := range cases {
		ok, err := h.Verify("x", enc)
		if ok || !errors.Is(err, want) {
			t.Errorf("Verify(%q) = %v, %v; want false, %v", enc, ok, err, want)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	h := NewHasher(fastParams, 0)
	enc, _ := h.Hash("pw")
	if h.NeedsRehash(enc) {
		t.Error("NeedsRehash true for a hash made with the current params")
	}
	changes := []Params{
		{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64},
	}
	for _, p := range changes {
		if !NewHasher(p, 0).NeedsRehash(enc) {
			t.Errorf("NeedsRehash false after changing params to %+v", p)
		}
	}
	if !h.NeedsRehash("not a hash") {
		t.Error("NeedsRehash false for an unparsable hash")
	}
}

func TestNewHasherDefaults(t *testing.T) {
	h := NewHasher(Params{}, 0)
	if h.Params() != DefaultParams {
		t.Errorf("zero Params -> %+v, want DefaultParams", h.Params())
	}
	if cap(h.sem) != DefaultMaxConcurrentHashes || DefaultMaxConcurrentHashes != 4 {
		t.Errorf("default concurrency %d, want 4", cap(h.sem))
	}
	if cap(NewHasher(fastParams, 2).sem) != 2 {
		t.Error("maxConcurrent not honoured")
	}
}

// recordingKDF wraps the real KDF to record the params it is called with
// and the maximum number of concurrent calls.
type recordingKDF struct {
	mu       sync.Mutex
	calls    []Params
	inFlight atomic.Int32
	peak     atomic.Int32
	delay    time.Duration
}

func (r *recordingKDF) kdf(pw, salt []byte, p Params) []byte {
	n := r.inFlight.Add(1)
	defer r.inFlight.Add(-1)
	for {
		old := r.peak.Load()
		if n <= old || r.peak.CompareAndSwap(old, n) {
			break
		}
	}
	r.mu.Lock()
	r.calls = append(r.calls, p)
	r.mu.Unlock()
	time.Sleep(r.delay)
	return argon2idKDF(pw, salt, p)
}

func TestDummyVerifyRunsOneFullCostHash(t *testing.T) {
	h := NewHasher(fastParams, 0)
	rec := &recordingKDF{}
	h.kdf = rec.kdf
	h.DummyVerify("whatever")
	if len(rec.calls) != 1 || rec.calls[0] != fastParams {
		t.Fatalf("DummyVerify KDF calls = %+v, want exactly one with %+v", rec.calls, fastParams)
	}
	// Verify of a real hash performs the same amount of work.
	enc, _ := h.Hash("whatever")
	rec.calls = nil
	h.Verify("whatever", enc)
	if len(rec.calls) != 1 || rec.calls[0] != fastParams {
		t.Fatalf("Verify KDF calls = %+v", rec.calls)
	}
}

func TestHasherBoundsConcurrency(t *testing.T) {
	const limit = 3
	h := NewHasher(fastParams, limit)
	rec := &recordingKDF{delay: 20 * time.Millisecond}
	h.kdf = rec.kdf
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				h.Hash("pw")
			case 1:
				h.DummyVerify("pw")
			default:
				h.Verify("pw", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$c29tZWtleXNvbWVrZXlzb21la2V5c29tZWtleXg")
			}
		}()
	}
	wg.Wait()
	if len(rec.calls) != 12 {
		t.Fatalf("KDF called %d times, want 12", len(rec.calls))
	}
	if p := rec.peak.Load(); p > limit || p < 2 {
		t.Fatalf("peak concurrent hashes = %d, want between 2 and %d", p, limit)
	}
}

func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultParams, 0)
	for b.Loop() {
		if _, err := h.Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
