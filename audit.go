package linli

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Outcome of an audited action.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
	OutcomeError  = "error"
)

// AuditEvent is one record of the append-only, hash-chained audit log.
// It holds internal ids only, never personal data.
type AuditEvent struct {
	Seq        int64
	Time       time.Time // UTC, microsecond precision
	ActorID    int64
	ActorName  string // login name of the account, not a person's name
	Role       string
	Action     string
	ObjectType string
	ObjectID   string
	AreaID     int64
	Outcome    string
	ClientIP   string
	RequestID  string
	Purpose    string // the purpose given for a reveal of sensitive data
	Detail     string // short, non-personal detail (e.g. "roles: a→b")
	PrevHash   string
	Hash       string
}

// GenesisHash is the previous hash of the first record.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditTime truncates t to what both databases store (microseconds, UTC).
func AuditTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Canonical is the unambiguous encoding that the hash covers: every field
// as its length in bytes, a colon and its bytes, in a fixed order — the
// sequence number first and the previous hash last, so that PostgreSQL can
// finish the encoding of a record whose middle the application built.
func (e AuditEvent) Canonical() string {
	return lengthPrefixed(strconv.FormatInt(e.Seq, 10)) + e.CanonicalMiddle() + lengthPrefixed(e.PrevHash)
}

// CanonicalMiddle is the encoding of every field but the sequence number
// and the previous hash.
func (e AuditEvent) CanonicalMiddle() string {
	fields := []string{
		AuditTime(e.Time).Format("2006-01-02T15:04:05.000000Z"),
		strconv.FormatInt(e.ActorID, 10),
		e.ActorName, e.Role, e.Action, e.ObjectType, e.ObjectID,
		strconv.FormatInt(e.AreaID, 10),
		e.Outcome, e.ClientIP, e.RequestID, e.Purpose, e.Detail,
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(lengthPrefixed(f))
	}
	return b.String()
}

func lengthPrefixed(f string) string { return strconv.Itoa(len(f)) + ":" + f }

// ComputeHash is SHA-256 over the canonical encoding, in hex.
func (e AuditEvent) ComputeHash() string {
	sum := sha256.Sum256([]byte(e.Canonical()))
	return hex.EncodeToString(sum[:])
}

// AuditQuery filters an audit search.
type AuditQuery struct {
	Actor      string
	Action     string
	ObjectType string
	ObjectID   string
	From, To   time.Time
	BeforeSeq  int64 // cursor: records with seq < BeforeSeq
	Limit      int
}
