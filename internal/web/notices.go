package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/notify"
	"github.com/linli-org/linli/internal/store"
)

// In-app notices (any logged-in user: their own and their unit's) and the
// administrators' view of the notification outbox (settings.manage): what
// waits, what failed and why, with a retry button.

// NoticesPage lists the viewer's notices.
type NoticesPage struct {
	Page
	Notices []NoticeRow
}

// NoticeRow is a notice rendered in the page's language.
type NoticeRow struct {
	store.Notice
	Text string
}

func (s *Server) noticeList(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.st.Notices(r.Context(), actor(r), 100)
	if err != nil {
		return err
	}
	pg := NoticesPage{Page: s.page(r, "notices.title")}
	for _, n := range ns {
		pg.Notices = append(pg.Notices, NoticeRow{Notice: n, Text: notify.Text(pg.p, n.Key, n.Params)})
	}
	return s.render(w, r, http.StatusOK, "notices.html", pg)
}

func (s *Server) noticeRead(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return linli.ErrNotFound
	}
	if err := s.st.MarkNoticeRead(r.Context(), actor(r), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/notices", "notices.marked")
}

func (s *Server) noticeReadAll(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.st.MarkAllNoticesRead(r.Context(), actor(r)); err != nil {
		return err
	}
	return s.redirect(w, r, "/notices", "notices.marked")
}

// OutboxPage is the administrators' view of the outbox.
type OutboxPage struct {
	Page
	State       string // the filter: "", pending, failed, sent
	Counts      store.OutboxCounts
	Messages    []OutboxRow
	MaxAttempts int
}

// OutboxRow is a message with its labels.
type OutboxRow struct {
	store.OutboxMessage
	ChannelLabel string
	StateLabel   string
	Text         string // the message in the page's language
	Error        string // the last error, "channel not configured" translated
}

func (s *Server) outboxAdmin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	state := r.URL.Query().Get("state")
	switch state {
	case "", store.OutboxPending, store.OutboxFailed, store.OutboxSent:
	default:
		state = ""
	}
	msgs, err := s.st.Outbox(ctx, a, store.OutboxFilter{State: state})
	if err != nil {
		return err
	}
	counts, err := s.st.CountOutbox(ctx, a)
	if err != nil {
		return err
	}
	pg := OutboxPage{Page: s.page(r, "outbox.title"), State: state, Counts: counts, MaxAttempts: store.OutboxMaxAttempts}
	for _, m := range msgs {
		row := OutboxRow{OutboxMessage: m, Text: notify.Text(pg.p, m.Key, m.Params), Error: m.LastError}
		switch m.Channel {
		case store.ChannelEmail:
			row.ChannelLabel = pg.T("outbox.channel.email")
		case store.ChannelWebhook:
			row.ChannelLabel = pg.T("outbox.channel.webhook")
		default:
			row.ChannelLabel = pg.T("outbox.channel.inapp")
		}
		switch m.State {
		case store.OutboxFailed:
			row.StateLabel = pg.T("outbox.state.failed")
		case store.OutboxSent:
			row.StateLabel = pg.T("outbox.state.sent")
		default:
			row.StateLabel = pg.T("outbox.state.pending")
		}
		if m.LastError == store.ReasonNotConfigured {
			row.Error = pg.T("outbox.not_configured")
		}
		pg.Messages = append(pg.Messages, row)
	}
	return s.render(w, r, http.StatusOK, "outbox.html", pg)
}

func (s *Server) outboxRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return linli.ErrNotFound
	}
	err = s.st.RetryOutbox(r.Context(), actor(r), id)
	var ce *linli.ConflictError
	if errors.As(err, &ce) {
		return s.redirect(w, r, "/admin/outbox", ce.Key) // sent meanwhile, or being sent
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/outbox", "outbox.retried")
}

// unreadLabel shows an unread count in the header ("99+" at the cap).
func unreadLabel(n int) string {
	if n >= store.UnreadCap {
		return strconv.Itoa(store.UnreadCap-1) + "+"
	}
	return strconv.Itoa(n)
}
