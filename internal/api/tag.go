package api

import (
	"net/http"
	"net/url"

	"github.com/linli-org/linli"
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
// (restricted tags only with restricted.read or tag.admin), retired tags
// included.
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

// createTagRequest is the body of POST /api/v1/tags.
type createTagRequest struct {
	Code   string   `json:"code"`
	NameZh string   `json:"name_zh"`
	NameEn string   `json:"name_en"`
	Class  string   `json:"class"`
	Attrs  []string `json:"attrs"`
}

// updateTagRequest is the body of PATCH /api/v1/tags/{code}: a member left
// out keeps its value. The code never changes, so it is not a member (an
// unknown member is a 400).
type updateTagRequest struct {
	NameZh *string   `json:"name_zh"`
	NameEn *string   `json:"name_en"`
	Class  *string   `json:"class"`
	Attrs  *[]string `json:"attrs"`
}

func tagLocation(code string) string { return "/api/v1/tags/" + url.PathEscape(code) }

// getTag is GET /api/v1/tags/{code}: one entry of the catalogue, retired
// or not (a restricted tag only with restricted.read or tag.admin).
func (s *server) getTag(w http.ResponseWriter, r *http.Request) error {
	t, err := s.st.Tag(r.Context(), actorOf(r), r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTagJSON(t))
}

// createTag is POST /api/v1/tags (tag.admin). A code in use, by a live or a
// retired tag, is a 409 tag.code.taken.
func (s *server) createTag(w http.ResponseWriter, r *http.Request) error {
	var req createTagRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	t, err := s.st.CreateTag(r.Context(), actorOf(r), store.TagInput{Code: req.Code, NameZh: req.NameZh, NameEn: req.NameEn,
		Class: req.Class, Attrs: req.Attrs})
	if err != nil {
		return err
	}
	w.Header().Set("Location", tagLocation(t.Code))
	return writeJSON(w, http.StatusCreated, toTagJSON(t))
}

// updateTag is PATCH /api/v1/tags/{code} (tag.admin): names, class and
// attributes. The store's rules apply: a class only tightens once the tag
// has been on someone (422 tag.class.loosen_in_use on class), an attribute
// with values stays (422 tag.attrs.in_use), a retired tag does not change
// (409 tag.retired).
func (s *server) updateTag(w http.ResponseWriter, r *http.Request) error {
	var req updateTagRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	cur, err := s.st.Tag(r.Context(), actorOf(r), r.PathValue("code"))
	if err != nil {
		return err
	}
	if req.NameZh == nil && req.NameEn == nil && req.Class == nil && req.Attrs == nil {
		return linli.Invalid("name_zh", "api.patch.empty")
	}
	in := store.TagInput{NameZh: cur.NameZh, NameEn: cur.NameEn, Class: cur.Class, Attrs: cur.Attrs}
	if req.NameZh != nil {
		in.NameZh = *req.NameZh
	}
	if req.NameEn != nil {
		in.NameEn = *req.NameEn
	}
	if req.Class != nil {
		in.Class = *req.Class
	}
	if req.Attrs != nil {
		in.Attrs = *req.Attrs
	}
	t, err := s.st.UpdateTag(r.Context(), actorOf(r), cur.Code, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTagJSON(t))
}

// retireTag is POST /api/v1/tags/{code}/retire (tag.admin): the tag can no
// longer be added to anyone; people's tags and history stay. No body.
func (s *server) retireTag(w http.ResponseWriter, r *http.Request) error {
	t, err := s.st.RetireTag(r.Context(), actorOf(r), r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTagJSON(t))
}

// unretireTag is POST /api/v1/tags/{code}/unretire (tag.admin). No body.
func (s *server) unretireTag(w http.ResponseWriter, r *http.Request) error {
	t, err := s.st.UnretireTag(r.Context(), actorOf(r), r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTagJSON(t))
}
