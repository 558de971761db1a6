package api

import (
	"net/http"

	"github.com/linli-org/linli/internal/store"
)

// tagJSON is an entry of the tag catalogue.
type tagJSON struct {
	ID      int64    `json:"id"`
	Code    string   `json:"code"`
	NameZh  string   `json:"name_zh"`
	NameEn  string   `json:"name_en"`
	Class   string   `json:"class"`
	Attrs   []string `json:"attrs"`
	Retired bool     `json:"retired"`
}

func toTagJSON(t store.Tag) tagJSON {
	return tagJSON{ID: t.ID, Code: t.Code, NameZh: t.NameZh, NameEn: t.NameEn, Class: t.Class,
		Attrs: append([]string{}, t.Attrs...), Retired: t.Retired}
}

// personTagJSON is a tag on a person, with its attributes.
type personTagJSON struct {
	ID     int64             `json:"id"`
	Code   string            `json:"code"`
	NameZh string            `json:"name_zh"`
	NameEn string            `json:"name_en"`
	Class  string            `json:"class"`
	Attrs  map[string]string `json:"attrs"`
	Since  *string           `json:"since"`
	Until  *string           `json:"until"`
	Source string            `json:"source"`
	Note   string            `json:"note"`
}

func toPersonTagJSON(pt store.PersonTag) personTagJSON {
	out := personTagJSON{ID: pt.ID, Code: pt.Tag.Code, NameZh: pt.Tag.NameZh, NameEn: pt.Tag.NameEn, Class: pt.Tag.Class,
		Attrs: map[string]string{}, Since: optDate(pt.Since), Until: optDate(pt.Until), Source: pt.Source, Note: pt.Note}
	for k, v := range pt.Attrs {
		out.Attrs[k] = v
	}
	return out
}

// addTagRequest is the body of POST /api/v1/persons/{id}/tags. Since is a
// date (today when left out).
type addTagRequest struct {
	Code  string            `json:"code"`
	Attrs map[string]string `json:"attrs"`
	Since string            `json:"since"`
	Note  string            `json:"note"`
}

// listTags is GET /api/v1/tags: the catalogue the caller may see
// (restricted tags only with restricted.read).
func (s *server) listTags(w http.ResponseWriter, r *http.Request) error {
	tags, err := s.st.Tags(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	out := page[tagJSON]{Items: make([]tagJSON, 0, len(tags))}
	for _, t := range tags {
		out.Items = append(out.Items, toTagJSON(t))
	}
	return writeJSON(w, http.StatusOK, out)
}

// personTags is GET /api/v1/persons/{id}/tags: current and ended tags the
// caller may see. A view that includes restricted tags is audited with the
// purpose query parameter.
func (s *server) personTags(w http.ResponseWriter, r *http.Request) error {
	pr, err := s.personInScope(r)
	if err != nil {
		return err
	}
	tags, err := s.st.PersonTags(r.Context(), actorOf(r), pr.ID, newParams(r).str("purpose"))
	if err != nil {
		return err
	}
	out := page[personTagJSON]{Items: make([]personTagJSON, 0, len(tags))}
	for _, pt := range tags {
		out.Items = append(out.Items, toPersonTagJSON(pt))
	}
	return writeJSON(w, http.StatusOK, out)
}

// addPersonTag is POST /api/v1/persons/{id}/tags. A tag the caller may not
// see (sensitive or restricted without the permission) does not exist: 404.
func (s *server) addPersonTag(w http.ResponseWriter, r *http.Request) error {
	pr, err := s.personInScope(r)
	if err != nil {
		return err
	}
	var req addTagRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	since, err := eventDate(req.Since)
	if err != nil {
		return err
	}
	pt, err := s.st.AddTag(r.Context(), actorOf(r), pr.ID, req.Code, req.Attrs, since, "", req.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toPersonTagJSON(pt))
}
