package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrInsecureKeyFile is returned when the key file is readable or writable
// by group or other.
var ErrInsecureKeyFile = errors.New("seal: key file permissions too open")

// keyFileVersion is the only key file layout this package reads and writes.
const keyFileVersion = 1

// maxKeyFileSize bounds how much of a key file is read.
const maxKeyFileSize = 1 << 20

// Key is one encryption key, as given to New.
type Key struct {
	ID      string    // short identifier written into every ciphertext, e.g. "k1"
	Created time.Time // informational
	Alg     string    // cipher name; "" means AlgAES256GCM
	Secret  []byte    // KeySize bytes
}

// KeyInfo describes a key without its secret, for listings.
type KeyInfo struct {
	ID      string
	Created time.Time
	Alg     string
	Active  bool
}

type keyEntry struct {
	id      string
	created time.Time
	alg     string
	secret  []byte
	c       Cipher
}

// Keyring holds the encryption keys (one of them active), and the blind
// index key. It is safe for concurrent use. Its String method never prints
// key material.
type Keyring struct {
	mu       sync.RWMutex
	entries  []*keyEntry // in creation order; entries are never modified
	byID     map[string]*keyEntry
	active   *keyEntry
	indexKey []byte
}

// New builds a keyring in memory, for tests and tools. indexKey is the blind
// index key; the last of keys becomes the active encryption key. Secrets are
// copied.
func New(indexKey []byte, keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("seal: a keyring needs at least one key")
	}
	return newKeyring(indexKey, keys, keys[len(keys)-1].ID)
}

// Generate builds a keyring in memory with a fresh random index key and one
// fresh random encryption key "k1".
func Generate() *Keyring {
	k, err := New(randomBytes(KeySize), Key{
		ID:      "k1",
		Created: time.Now().UTC().Truncate(time.Second),
		Alg:     AlgAES256GCM,
		Secret:  randomBytes(KeySize),
	})
	if err != nil {
		// Unreachable: the inputs above are always valid.
		panic(err)
	}
	return k
}

func newKeyring(indexKey []byte, keys []Key, activeID string) (*Keyring, error) {
	if len(indexKey) != KeySize {
		return nil, fmt.Errorf("seal: index key must be %d bytes, got %d", KeySize, len(indexKey))
	}
	k := &Keyring{
		byID:     make(map[string]*keyEntry, len(keys)),
		indexKey: bytes.Clone(indexKey),
	}
	for _, key := range keys {
		if err := validKeyID(key.ID); err != nil {
			return nil, err
		}
		if _, dup := k.byID[key.ID]; dup {
			return nil, fmt.Errorf("seal: duplicate key id %q", key.ID)
		}
		if len(key.Secret) != KeySize {
			return nil, fmt.Errorf("seal: key %q must be %d bytes, got %d", key.ID, KeySize, len(key.Secret))
		}
		alg := key.Alg
		if alg == "" {
			alg = AlgAES256GCM
		}
		c, err := newCipher(alg, key.Secret)
		if err != nil {
			return nil, fmt.Errorf("seal: key %q: %w", key.ID, err)
		}
		e := &keyEntry{id: key.ID, created: key.Created, alg: alg, secret: bytes.Clone(key.Secret), c: c}
		k.entries = append(k.entries, e)
		k.byID[key.ID] = e
	}
	k.active = k.byID[activeID]
	if k.active == nil {
		return nil, fmt.Errorf("seal: active key %q is not in the keyring", activeID)
	}
	return k, nil
}

// validKeyID accepts 1 to 16 ASCII letters, digits, '_' and '-'. The id is
// stored in every ciphertext, so it must be short and must not contain ':'.
func validKeyID(id string) error {
	if id == "" || len(id) > 16 {
		return fmt.Errorf("seal: key id %q must be 1 to 16 characters", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("seal: key id %q may contain only letters, digits, '_' and '-'", id)
		}
	}
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error.
	_, _ = rand.Read(b)
	return b
}

// Rotate adds a fresh random AES-256-GCM key and makes it active; new
// ciphertexts use it while old ones still open with their own key. The
// blind index key does not change. Rotate changes only the keyring in
// memory: call Save to persist it, then re-encrypt old values (see
// NeedsRotation and ResealField).
func (k *Keyring) Rotate() (newID string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := len(k.entries) + 1
	for _, e := range k.entries {
		if s, ok := strings.CutPrefix(e.id, "k"); ok {
			if v, err := strconv.Atoi(s); err == nil && v >= n {
				n = v + 1
			}
		}
	}
	id := "k" + strconv.Itoa(n)
	for k.byID[id] != nil { // only if someone named a key "k0005" or similar
		n++
		id = "k" + strconv.Itoa(n)
	}
	secret := randomBytes(KeySize)
	c, err := NewAESGCM(secret)
	if err != nil {
		panic(err) // unreachable: the key has the right size
	}
	e := &keyEntry{id: id, created: time.Now().UTC().Truncate(time.Second), alg: AlgAES256GCM, secret: secret, c: c}
	if k.byID == nil {
		k.byID = make(map[string]*keyEntry)
	}
	k.entries = append(k.entries, e)
	k.byID[id] = e
	k.active = e
	return id
}

// ActiveKeyID returns the id of the key new ciphertexts are sealed with, or
// "" for an empty keyring.
func (k *Keyring) ActiveKeyID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.active == nil {
		return ""
	}
	return k.active.id
}

// Keys lists the encryption keys in creation order, without secrets.
func (k *Keyring) Keys() []KeyInfo {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]KeyInfo, 0, len(k.entries))
	for _, e := range k.entries {
		out = append(out, KeyInfo{ID: e.id, Created: e.created, Alg: e.alg, Active: e == k.active})
	}
	return out
}

// String describes the keyring without key material, so that a keyring
// that ends up in a log line leaks nothing.
func (k *Keyring) String() string {
	if k == nil {
		return "seal.Keyring(nil)"
	}
	return fmt.Sprintf("seal.Keyring{active: %q, keys: %d}", k.ActiveKeyID(), len(k.Keys()))
}

// GoString is String, for %#v.
func (k *Keyring) GoString() string { return k.String() }

// ---- key file ----

// keyFile is the JSON layout of the key file.
type keyFile struct {
	Version int    `json:"version"`
	Active  string `json:"active"`
	// IndexKey is the blind index key. It lives at file level, apart from
	// the encryption keys, because rotating it would invalidate every
	// stored blind index.
	IndexKey string        `json:"index_key"`
	Keys     []keyFileItem `json:"keys"`
}

type keyFileItem struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Alg     string    `json:"alg"`
	EncKey  string    `json:"enc_key"`
}

func (k *Keyring) marshal() ([]byte, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.active == nil || len(k.indexKey) != KeySize {
		return nil, errors.New("seal: cannot save an empty keyring")
	}
	f := keyFile{
		Version:  keyFileVersion,
		Active:   k.active.id,
		IndexKey: base64.StdEncoding.EncodeToString(k.indexKey),
	}
	for _, e := range k.entries {
		f.Keys = append(f.Keys, keyFileItem{
			ID:      e.id,
			Created: e.created,
			Alg:     e.alg,
			EncKey:  base64.StdEncoding.EncodeToString(e.secret),
		})
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return append(data, '\n'), nil
}

func parseKeyFile(data []byte) (*Keyring, error) {
	var f keyFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("seal: key file is not valid JSON: %w", err)
	}
	if f.Version != keyFileVersion {
		return nil, fmt.Errorf("seal: unsupported key file version %d", f.Version)
	}
	indexKey, err := base64.StdEncoding.DecodeString(f.IndexKey)
	if err != nil {
		return nil, fmt.Errorf("seal: index_key is not base64: %w", err)
	}
	keys := make([]Key, 0, len(f.Keys))
	for _, item := range f.Keys {
		secret, err := base64.StdEncoding.DecodeString(item.EncKey)
		if err != nil {
			return nil, fmt.Errorf("seal: key %q: enc_key is not base64: %w", item.ID, err)
		}
		keys = append(keys, Key{ID: item.ID, Created: item.Created, Alg: item.Alg, Secret: secret})
	}
	return newKeyring(indexKey, keys, f.Active)
}

// LoadKeyFile reads the key file at path. It fails if the file is missing
// (the error wraps fs.ErrNotExist) or if group or other may access it
// (ErrInsecureKeyFile).
func LoadKeyFile(path string) (*Keyring, error) {
	f, err := os.Open(path) // #nosec G304 -- the key file path is the operator's configuration
	if err != nil {
		return nil, fmt.Errorf("seal: open key file: %w", err)
	}
	defer f.Close()
	// Stat the open file, not the path, so that the checked file is the
	// one that is read.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("seal: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("seal: key file %s is not a regular file", path)
	}
	if err := checkPerm(path, fi.Mode()); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("seal: read key file: %w", err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("seal: key file %s is too large", path)
	}
	k, err := parseKeyFile(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return k, nil
}

func checkPerm(path string, mode fs.FileMode) error {
	if runtime.GOOS == "windows" {
		return nil // permission bits do not describe access on Windows
	}
	if perm := mode.Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o, which lets group/other access it; run: chmod 600 %s",
			ErrInsecureKeyFile, path, perm, path)
	}
	return nil
}

// LoadOrCreateKeyFile loads the key file at path, or, if there is none,
// creates it with fresh random keys and mode 0600; created reports which
// happened. The file is created with O_EXCL, so an existing file is never
// overwritten. An existing file that group or other may access is refused
// (ErrInsecureKeyFile); the error tells the operator to chmod 600 it.
func LoadOrCreateKeyFile(path string) (k *Keyring, created bool, err error) {
	k, err = LoadKeyFile(path)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	k = Generate()
	data, err := k.marshal()
	if err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the key file path is the operator's configuration
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our read and our create.
		k, err = LoadKeyFile(path)
		return k, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("seal: create key file: %w", err)
	}
	if err := writeSyncClose(f, data); err != nil {
		_ = os.Remove(path)
		return nil, false, fmt.Errorf("seal: write key file: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, false, fmt.Errorf("seal: sync key file directory: %w", err)
	}
	return k, true, nil
}

// Save writes the keyring to path atomically: a temporary file with mode
// 0600 in the same directory is written, synced and renamed over path.
// Readers therefore see the old or the new file, never a partial one.
func (k *Keyring) Save(path string) error {
	data, err := k.marshal()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("seal: save key file: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("seal: save key file: %w", err)
	}
	// CreateTemp already uses 0600; be explicit since that is a promise.
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fail(err)
	}
	if err := writeSyncClose(f, data); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("seal: sync key file directory: %w", err)
	}
	return nil
}

func writeSyncClose(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a create or rename in dir durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be synced on Windows
	}
	d, err := os.Open(dir) // #nosec G304 -- the key file path is the operator's configuration
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
