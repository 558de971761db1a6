package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// The tag catalogue: every reader sees the tags with their counts in the
// actor's scope; an administrator of the catalogue (tag.admin) also gets a
// form for a new tag and, per tag, an edit form and the retire or bring
// back button. The rules (codes never change, a class used on people only
// tightens, retired tags are not added to anyone) are the store's.

// TagsPage is the tag catalogue with the counts in the actor's scope.
type TagsPage struct {
	RegPage
	Tags     []TagCatalogRow
	CanAdmin bool
	New      Form   // the new-tag form
	Error    string // a conflict, shown above the catalogue's forms
}

// TagCatalogRow is a tag with its count and, for an administrator, its
// edit form.
type TagCatalogRow struct {
	store.Tag
	Count      int
	Suppressed bool
	Counted    bool
	Edit       Form
	Open       bool // the edit form is re-rendered after an error
}

// tagForms carries a re-rendered form into the catalogue page.
type tagForms struct {
	newForm  Form
	editCode string // the tag whose edit form is re-rendered
	edit     Form
	err      string
	status   int
}

// tagFormFields are the inputs of the new and edit forms.
var tagFormFields = []string{"code", "name_zh", "name_en", "class", "attrs"}

func (s *Server) tagList(w http.ResponseWriter, r *http.Request) error {
	return s.showTags(w, r, tagForms{newForm: newForm()})
}

func (s *Server) showTags(w http.ResponseWriter, r *http.Request, tf tagForms) error {
	ctx := r.Context()
	a := actor(r)
	tags, err := s.st.Tags(ctx, a)
	if err != nil {
		return err
	}
	byID := map[int64]store.TagCount{}
	if a.Can(linli.PermPersonRead) {
		counts, err := s.st.CountByTag(ctx, a, 0)
		if err != nil {
			return err
		}
		for _, c := range counts {
			byID[c.Tag.ID] = c
		}
	}
	pg := TagsPage{RegPage: s.regPage(r, "tags.title"), CanAdmin: a.Can(linli.PermTagAdmin), New: tf.newForm, Error: tf.err}
	pg.Path = "/tags"
	if pg.New.Values["class"] == "" {
		pg.New.Values["class"] = linli.TagOrdinary
	}
	for _, t := range tags {
		row := TagCatalogRow{Tag: t}
		if c, ok := byID[t.ID]; ok {
			row.Count, row.Suppressed, row.Counted = c.Count, c.Suppressed, true
		}
		if pg.CanAdmin {
			if t.Code == tf.editCode {
				row.Edit, row.Open = tf.edit, true
			} else {
				row.Edit = newForm()
				row.Edit.Values["name_zh"], row.Edit.Values["name_en"] = t.NameZh, t.NameEn
				row.Edit.Values["class"], row.Edit.Values["attrs"] = t.Class, strings.Join(t.Attrs, ", ")
			}
		}
		pg.Tags = append(pg.Tags, row)
	}
	status := tf.status
	if status == 0 {
		status = http.StatusOK
	}
	return s.render(w, r, status, "tags.html", pg)
}

// splitAttrs reads the attribute names typed into one input, separated by
// commas (also the Chinese "，" and "、") or spaces.
func splitAttrs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000'
	})
}

func tagInputFrom(f Form) store.TagInput {
	return store.TagInput{Code: f.Values["code"], NameZh: f.Values["name_zh"], NameEn: f.Values["name_en"],
		Class: f.Values["class"], Attrs: splitAttrs(f.Values["attrs"])}
}

// tagCreate adds a tag; a bad field or a code in use re-renders the form
// with the user's input and a message at the field.
func (s *Server) tagCreate(w http.ResponseWriter, r *http.Request) error {
	f := formFrom(r, tagFormFields...)
	_, err := s.st.CreateTag(r.Context(), actor(r), tagInputFrom(f))
	if err == nil {
		return s.redirect(w, r, "/tags", "tags.admin.created")
	}
	p := s.page(r, "tags.title")
	if f.setErrors(p, err) {
		return s.showTags(w, r, tagForms{newForm: f, status: http.StatusUnprocessableEntity})
	}
	if msg, ok := conflictMessage(p, err); ok {
		f.Errors["code"] = msg // the only conflict of a new tag: its code is taken
		return s.showTags(w, r, tagForms{newForm: f, status: http.StatusConflict})
	}
	return err
}

// tagUpdate changes a tag's names, class and attributes.
func (s *Server) tagUpdate(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	f := formFrom(r, tagFormFields...)
	_, err := s.st.UpdateTag(r.Context(), actor(r), code, tagInputFrom(f))
	if err == nil {
		return s.redirect(w, r, "/tags", "tags.admin.updated")
	}
	p := s.page(r, "tags.title")
	if f.setErrors(p, err) {
		return s.showTags(w, r, tagForms{newForm: newForm(), editCode: code, edit: f, status: http.StatusUnprocessableEntity})
	}
	if msg, ok := conflictMessage(p, err); ok {
		return s.showTags(w, r, tagForms{newForm: newForm(), editCode: code, edit: f, err: msg, status: http.StatusConflict})
	}
	return err
}

func (s *Server) tagRetire(w http.ResponseWriter, r *http.Request) error {
	_, err := s.st.RetireTag(r.Context(), actor(r), r.PathValue("code"))
	return s.tagRetired(w, r, err, "tags.admin.retired")
}

func (s *Server) tagUnretire(w http.ResponseWriter, r *http.Request) error {
	_, err := s.st.UnretireTag(r.Context(), actor(r), r.PathValue("code"))
	return s.tagRetired(w, r, err, "tags.admin.unretired")
}

// tagRetired answers a retire or bring-back: back to the catalogue, or the
// catalogue with the conflict (already retired, not retired).
func (s *Server) tagRetired(w http.ResponseWriter, r *http.Request, err error, flash string) error {
	if err == nil {
		return s.redirect(w, r, "/tags", flash)
	}
	var ce *linli.ConflictError
	if errors.As(err, &ce) {
		msg, _ := conflictMessage(s.page(r, "tags.title"), err)
		return s.showTags(w, r, tagForms{newForm: newForm(), err: msg, status: http.StatusConflict})
	}
	return err
}
