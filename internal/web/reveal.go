package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// personReveal answers "show full" (显示完整) on the person page: the store
// checks the permission (without it the resident does not exist for the
// actor), the purpose and the hourly budget, and audits the reveal. The
// answer is the person page itself (200, never a redirect, no-store), with
// that one value in full; no other page ever shows it.
func (s *Server) personReveal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := s.page(r, "personpage.title")
	f := formFrom(r, "field", "purpose", "purpose_text")
	field := f.Values["field"]
	purpose := f.Values["purpose"]
	if purpose == "other" {
		purpose = store.RevealOtherPrefix + f.Values["purpose_text"]
	}
	w.Header().Set("Cache-Control", "no-store")
	value, err := s.st.RevealPerson(r.Context(), actor(r), id, field, purpose)
	if err == nil {
		return s.showPerson(w, r, id, personForms{field: field, value: value})
	}
	if errors.Is(err, linli.ErrInvalid) {
		f.setErrors(p, err)
		if e, ok := f.Errors["field"]; ok {
			return s.showPerson(w, r, id, personForms{err: e, status: http.StatusUnprocessableEntity})
		}
		return s.showPerson(w, r, id, personForms{name: "reveal", form: f, field: field, status: http.StatusUnprocessableEntity})
	}
	var ce *linli.ConflictError
	if errors.As(err, &ce) {
		return s.showPerson(w, r, id, personForms{err: p.T(ce.Key, ce.Args...), status: http.StatusTooManyRequests})
	}
	return err
}

// revealSlug makes a field name usable in element ids.
func revealSlug(field string) string {
	return strings.NewReplacer(":", "-", "_", "-").Replace(field)
}
