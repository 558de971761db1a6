package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/linli-org/linli"
)

// auditJSON is one record of the audit log. It holds internal ids and login
// names only, never personal data.
type auditJSON struct {
	Seq        int64     `json:"seq"`
	Time       time.Time `json:"time"`
	ActorID    int64     `json:"actor_id"`
	Actor      string    `json:"actor"`
	Role       string    `json:"role"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	AreaID     int64     `json:"area_id"`
	Outcome    string    `json:"outcome"`
	ClientIP   string    `json:"client_ip"`
	RequestID  string    `json:"request_id"`
	Purpose    string    `json:"purpose"`
	Detail     string    `json:"detail"`
	Hash       string    `json:"hash"`
	PrevHash   string    `json:"prev_hash"`
}

// listAudit is GET /api/v1/audit: audit records, newest first, a page at
// a time. The cursor is the sequence number of the last record shown; the
// next page holds the records before it.
//
// Only audit admins may read the log; to anyone else it does not exist.
// The store enforces this too; checking first here keeps a bad query from
// telling others more than a 404 would.
func (s *server) listAudit(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	if !a.Can(linli.PermAuditRead) {
		return linli.ErrNotFound
	}
	p := newParams(r)
	q := linli.AuditQuery{
		Actor: p.str("actor"), Action: p.str("action"), ObjectType: p.str("object_type"), ObjectID: p.str("object_id"),
		From: p.time("from"), To: p.time("to"), Limit: p.limit(),
	}
	q.BeforeSeq = p.cursor()
	p.order(q.From, q.To)
	if err := p.err(); err != nil {
		return err
	}
	limit := q.Limit
	q.Limit = limit + 1 // one more tells whether there is a next page
	evs, err := s.st.SearchAudit(r.Context(), a, q)
	if err != nil {
		return err
	}
	n := min(limit, len(evs))
	out := page[auditJSON]{Items: make([]auditJSON, 0, n)}
	for _, e := range evs[:n] {
		out.Items = append(out.Items, auditJSON{
			Seq: e.Seq, Time: e.Time.UTC(), ActorID: e.ActorID, Actor: e.ActorName, Role: e.Role, Action: e.Action,
			ObjectType: e.ObjectType, ObjectID: e.ObjectID, AreaID: e.AreaID, Outcome: e.Outcome, ClientIP: e.ClientIP,
			RequestID: e.RequestID, Purpose: e.Purpose, Detail: e.Detail, Hash: e.Hash, PrevHash: e.PrevHash,
		})
	}
	if len(evs) > n {
		out.NextCursor = strconv.FormatInt(evs[n-1].Seq, 10)
	}
	return writeJSON(w, http.StatusOK, out)
}
