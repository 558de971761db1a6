package web

import (
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// maxImportRows bounds one CSV import (the body is limited to 8 MiB too).
const maxImportRows = 20000

// pathID parses the {name} path segment as an id; anything else is a page
// that does not exist.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, linli.ErrNotFound
	}
	return id, nil
}

// levelLabel is the display name of a level (literal keys, so that the
// catalog test sees them).
func levelLabel(p Page, l linli.Level) string {
	switch l {
	case linli.LevelDistrict:
		return p.T("level.district")
	case linli.LevelStreet:
		return p.T("level.street")
	case linli.LevelCommunity:
		return p.T("level.community")
	case linli.LevelGrid:
		return p.T("level.grid")
	}
	return string(l)
}

// conflictMessage returns the user's message of a *linli.ConflictError.
func conflictMessage(p Page, err error) (string, bool) {
	var ce *linli.ConflictError
	if !errors.As(err, &ce) {
		return "", false
	}
	return p.T(ce.Key, ce.Args...), true
}

// AreaOption is a node offered in a select, indented by its depth.
type AreaOption struct {
	ID       int64
	Label    string
	Selected bool
}

// areaOptions turns a path-ordered list into options indented by level
// (relative to the shallowest node), marking the selected ids.
func areaOptions(p Page, areas []linli.Area, selected map[int64]bool) []AreaOption {
	top := 0
	for _, a := range areas {
		if d := a.Level.Depth(); top == 0 || d < top {
			top = d
		}
	}
	out := make([]AreaOption, 0, len(areas))
	for _, a := range areas {
		indent := strings.Repeat("\u3000", max(a.Level.Depth()-top, 0))
		out = append(out, AreaOption{ID: a.ID, Label: indent + a.Name + " · " + levelLabel(p, a.Level) + " · " + a.Code, Selected: selected[a.ID]})
	}
	return out
}

// idSet parses repeated form values as a set of ids; junk is dropped (the
// store checks that every id is a node in scope).
func idSet(vals []string) ([]int64, map[int64]bool) {
	var ids []int64
	set := map[int64]bool{}
	for _, v := range vals {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 || set[id] {
			continue
		}
		set[id] = true
		ids = append(ids, id)
	}
	return ids, set
}

// AreaNode is a node of the rendered tree.
type AreaNode struct {
	linli.Area
	LevelLabel   string
	RetiredLabel string
	Children     []*AreaNode
}

// AreaListPage is the tree of the actor's scope.
type AreaListPage struct {
	Page
	Roots       []*AreaNode
	ShowRetired bool
	Empty       bool
}

// buildTree nests a path-ordered list: a node whose parent is not in the
// list (the top of a scope, or under a hidden node) is a root.
func buildTree(p Page, areas []linli.Area) []*AreaNode {
	byID := map[int64]*AreaNode{}
	var roots []*AreaNode
	retired := p.T("area.retired.tag")
	for _, a := range areas {
		n := &AreaNode{Area: a, LevelLabel: levelLabel(p, a.Level)}
		if a.Retired {
			n.RetiredLabel = retired
		}
		byID[a.ID] = n
		if parent, ok := byID[a.ParentID]; ok && a.ParentID != 0 {
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}

func (s *Server) areaList(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	p := s.page(r, "areas.title")
	showRetired := r.URL.Query().Get("retired") == "1"
	if n, err := strconv.Atoi(r.URL.Query().Get("imported")); err == nil && n > 0 {
		p.Flash = p.T("area.import.done", n)
	}
	areas, err := s.st.Areas(r.Context(), a, store.AreaFilter{IncludeRetired: showRetired})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "area_list.html", AreaListPage{Page: p, Roots: buildTree(p, areas), ShowRetired: showRetired, Empty: len(areas) == 0})
}

// AreaShowPage is one node: details, children, history, and the forms of
// an area manager.
type AreaShowPage struct {
	Page
	Area       linli.Area
	LevelLabel string
	Parent     *linli.Area
	Children   []AreaNode
	History    []store.AreaChange
	CanManage  bool
	CanAdd     bool // the node may have children
	CanMove    bool
	Parents    []AreaOption // possible new parents
	Rename     Form
	Move       Form
	Error      string // a conflict, shown above the forms
}

// HistoryLabel is the display name of a history action.
func (p AreaShowPage) HistoryLabel(action string) string {
	switch action {
	case "create":
		return p.T("area.history.create")
	case "rename":
		return p.T("area.history.rename")
	case "move":
		return p.T("area.history.move")
	case "recode":
		return p.T("area.history.recode")
	case "retire":
		return p.T("area.history.retire")
	}
	return action
}

// showArea renders a node's page with the given forms and status.
func (s *Server) showArea(w http.ResponseWriter, r *http.Request, id int64, rename, move Form, errMsg string, status int) error {
	ctx := r.Context()
	a := actor(r)
	ar, err := s.st.Area(ctx, a, id)
	if err != nil {
		return err
	}
	p := s.page(r, "area.title")
	p.Title = ar.Name
	pg := AreaShowPage{Page: p, Area: ar, LevelLabel: levelLabel(p, ar.Level), Rename: rename, Move: move, Error: errMsg,
		CanManage: a.Can(linli.PermAreaManage) && !ar.Retired}
	if ar.ParentID != 0 {
		// The parent may be outside the actor's scope: then no link.
		if par, err := s.st.Area(ctx, a, ar.ParentID); err == nil {
			pg.Parent = &par
		} else if !errors.Is(err, linli.ErrNotFound) {
			return err
		}
	}
	kids, err := s.st.Areas(ctx, a, store.AreaFilter{ParentID: id, IncludeRetired: true})
	if err != nil {
		return err
	}
	for _, k := range kids {
		n := AreaNode{Area: k, LevelLabel: levelLabel(p, k.Level)}
		if k.Retired {
			n.RetiredLabel = p.T("area.retired.tag")
		}
		pg.Children = append(pg.Children, n)
	}
	if pg.History, err = s.st.AreaHistory(ctx, a, id); err != nil {
		return err
	}
	if pg.CanManage {
		pg.CanAdd = ar.Level.Child() != ""
		if d := ar.Level.Depth(); d > 1 {
			cands, err := s.st.Areas(ctx, a, store.AreaFilter{Level: linli.Levels[d-2]})
			if err != nil {
				return err
			}
			sel := map[int64]bool{}
			if v, err := strconv.ParseInt(move.Values["parent"], 10, 64); err == nil {
				sel[v] = true
			}
			var opts []linli.Area
			for _, c := range cands {
				if c.ID != ar.ParentID {
					opts = append(opts, c)
				}
			}
			pg.Parents = areaOptions(p, opts, sel)
			pg.CanMove = len(pg.Parents) > 0
		}
		if rename.Values["name"] == "" && len(rename.Errors) == 0 {
			rename.Values["name"], rename.Values["code"] = ar.Name, ar.Code
		}
		if rename.Values["version"] == "" {
			rename.Values["version"] = strconv.FormatInt(ar.Version, 10)
		}
	}
	return s.render(w, r, status, "area_show.html", pg)
}

func (s *Server) areaShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.showArea(w, r, id, newForm(), newForm(), "", http.StatusOK)
}

// areaRename changes a node's name and code (with the version the user saw).
func (s *Server) areaRename(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := formFrom(r, "name", "code", "version")
	version, err := strconv.ParseInt(f.Values["version"], 10, 64)
	if err != nil {
		version = -1 // never current: a stale-edit conflict
	}
	_, err = s.st.RenameArea(r.Context(), actor(r), id, f.Values["name"], f.Values["code"], version)
	if err == nil {
		return s.redirect(w, r, "/areas/"+strconv.FormatInt(id, 10), "area.updated")
	}
	p := s.page(r, "area.title")
	if f.setErrors(p, err) {
		return s.showArea(w, r, id, f, newForm(), "", http.StatusUnprocessableEntity)
	}
	if msg, ok := conflictMessage(p, err); ok {
		f.Values["version"] = "" // offer the current version again
		return s.showArea(w, r, id, f, newForm(), msg, http.StatusConflict)
	}
	return err
}

func (s *Server) areaMove(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := formFrom(r, "parent", "code")
	p := s.page(r, "area.title")
	parentID, perr := strconv.ParseInt(f.Values["parent"], 10, 64)
	if perr != nil || parentID <= 0 {
		f.Errors["parent"] = p.T("area.parent.required")
		return s.showArea(w, r, id, newForm(), f, "", http.StatusUnprocessableEntity)
	}
	_, err = s.st.MoveArea(r.Context(), actor(r), id, parentID, f.Values["code"])
	if err == nil {
		return s.redirect(w, r, "/areas/"+strconv.FormatInt(id, 10), "area.moved")
	}
	if f.setErrors(p, err) {
		return s.showArea(w, r, id, newForm(), f, "", http.StatusUnprocessableEntity)
	}
	if msg, ok := conflictMessage(p, err); ok {
		return s.showArea(w, r, id, newForm(), f, msg, http.StatusConflict)
	}
	return err
}

func (s *Server) areaRetire(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = s.st.RetireArea(r.Context(), actor(r), id)
	if err == nil {
		return s.redirect(w, r, "/areas/"+strconv.FormatInt(id, 10), "area.retired.done")
	}
	if msg, ok := conflictMessage(s.page(r, "area.title"), err); ok {
		return s.showArea(w, r, id, newForm(), newForm(), msg, http.StatusConflict)
	}
	return err
}

// AreaNewPage is the form for a new node: under a given parent, or with a
// choice of parent (and, for the whole tree's holder, none: a district).
type AreaNewPage struct {
	Page
	Form       Form
	Parent     *linli.Area  // fixed parent
	Parents    []AreaOption // choice of parent when none is fixed
	AllowTop   bool         // "no parent" (a new district) may be chosen
	LevelLabel string       // when the level is known
	CodeHint   string
}

// codeHint explains the code expected for a child of parent (nil: a
// district; level "": unknown until a parent is chosen).
func codeHint(p Page, l linli.Level, parent *linli.Area) string {
	switch {
	case l == linli.LevelDistrict:
		return p.T("area.code.hint.district")
	case parent != nil && l == linli.LevelStreet && len(parent.Code) >= 6:
		return p.T("area.code.hint.street", parent.Code[:6], parent.Code[:6]+"001000")
	case parent != nil && l == linli.LevelCommunity && len(parent.Code) >= 9:
		return p.T("area.code.hint.community", parent.Code[:9], parent.Code[:9]+"001")
	case parent != nil && l == linli.LevelGrid:
		return p.T("area.code.hint.grid", parent.Code, parent.Code+"-01")
	}
	return p.T("area.code.hint.any")
}

func (s *Server) areaNewPage(w http.ResponseWriter, r *http.Request, f Form, status int) error {
	ctx := r.Context()
	a := actor(r)
	p := s.page(r, "area.new.title")
	pg := AreaNewPage{Page: p, Form: f}
	if v := f.Values["parent"]; v != "" && v != "0" && f.Values["fixed"] == "1" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return linli.ErrNotFound
		}
		par, err := s.st.Area(ctx, a, id)
		if err != nil {
			return err
		}
		if par.Level.Child() == "" || par.Retired {
			return linli.ErrNotFound
		}
		pg.Parent = &par
		pg.LevelLabel = levelLabel(p, par.Level.Child())
		pg.CodeHint = codeHint(p, par.Level.Child(), &par)
		return s.render(w, r, status, "area_new.html", pg)
	}
	pg.AllowTop = a.Can(linli.PermSettingsManage)
	all, err := s.st.Areas(ctx, a, store.AreaFilter{})
	if err != nil {
		return err
	}
	var cands []linli.Area
	for _, ar := range all {
		if ar.Level.Child() != "" {
			cands = append(cands, ar)
		}
	}
	sel := map[int64]bool{}
	if id, err := strconv.ParseInt(f.Values["parent"], 10, 64); err == nil {
		sel[id] = true
	}
	pg.Parents = areaOptions(p, cands, sel)
	if pg.AllowTop && len(cands) == 0 {
		pg.LevelLabel = levelLabel(p, linli.LevelDistrict)
		pg.CodeHint = codeHint(p, linli.LevelDistrict, nil)
	} else {
		pg.CodeHint = codeHint(p, "", nil)
	}
	return s.render(w, r, status, "area_new.html", pg)
}

func (s *Server) areaNew(w http.ResponseWriter, r *http.Request) error {
	f := newForm()
	if v := r.URL.Query().Get("parent"); v != "" {
		f.Values["parent"], f.Values["fixed"] = v, "1"
	}
	return s.areaNewPage(w, r, f, http.StatusOK)
}

// areaCreate adds a node; its level follows from the parent (none: a
// district).
func (s *Server) areaCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	p := s.page(r, "area.new.title")
	f := formFrom(r, "parent", "fixed", "name", "code")
	in := linli.AreaInput{Level: linli.LevelDistrict, Name: f.Values["name"], Code: f.Values["code"]}
	switch v := f.Values["parent"]; {
	case v == "":
		f.Errors["parent"] = p.T("area.parent.required")
		return s.areaNewPage(w, r, f, http.StatusUnprocessableEntity)
	case v == "0": // a new district: only for the whole tree's holder
		if !a.Can(linli.PermSettingsManage) {
			f.Errors["parent"] = p.T("area.parent.required")
			return s.areaNewPage(w, r, f, http.StatusUnprocessableEntity)
		}
	default:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			f.Errors["parent"] = p.T("area.parent.not_found")
			f.Values["fixed"] = ""
			return s.areaNewPage(w, r, f, http.StatusUnprocessableEntity)
		}
		par, err := s.st.Area(ctx, a, id)
		if errors.Is(err, linli.ErrNotFound) {
			f.Errors["parent"] = p.T("area.parent.not_found")
			f.Values["fixed"] = ""
			return s.areaNewPage(w, r, f, http.StatusUnprocessableEntity)
		}
		if err != nil {
			return err
		}
		switch {
		case par.Level.Child() == "":
			f.Errors["parent"] = p.T("area.parent.is_grid")
		case par.Retired:
			f.Errors["parent"] = p.T("area.parent.retired")
		}
		if len(f.Errors) > 0 {
			f.Values["fixed"] = ""
			return s.areaNewPage(w, r, f, http.StatusUnprocessableEntity)
		}
		in.ParentID, in.Level = par.ID, par.Level.Child()
	}
	ar, err := s.st.CreateArea(ctx, a, in)
	if err == nil {
		return s.redirect(w, r, "/areas/"+strconv.FormatInt(ar.ID, 10), "area.created")
	}
	if f.setErrors(p, err) {
		if msg, ok := f.Errors["level"]; ok {
			f.Errors["parent"] = msg
		}
		return s.areaNewPage(w, r, f, http.StatusUnprocessableEntity)
	}
	return err
}

// AreaImportPage is the CSV import form and, after a failed import, its
// report.
type AreaImportPage struct {
	Page
	Form   Form
	Report []ImportProblem
	Rows   int
}

// ImportProblem is one line of the import report.
type ImportProblem struct {
	Row     int
	Code    string
	Message string
}

func (s *Server) areaImportForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "area_import.html", AreaImportPage{Page: s.page(r, "area.import.title"), Form: newForm()})
}

// areaImport reads a CSV file (level,code,name,parent_code with a header
// row; UTF-8 with or without BOM, or GBK) and imports it in one
// transaction: all rows or none.
func (s *Server) areaImport(w http.ResponseWriter, r *http.Request) error {
	p := s.page(r, "area.import.title")
	pg := AreaImportPage{Page: p, Form: newForm()}
	again := func(key string, args ...any) error {
		pg.Form.Errors["file"] = p.T(key, args...)
		return s.render(w, r, http.StatusUnprocessableEntity, "area_import.html", pg)
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil { // #nosec G120 -- the body is already capped by http.MaxBytesReader (the route's upload limit)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return again("area.import.no_file")
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return again("area.import.no_file")
	}
	defer file.Close()
	raw, err := io.ReadAll(file)
	if err != nil {
		return err
	}
	text, ok := store.DecodeCSV(raw)
	if !ok {
		return again("area.import.encoding")
	}
	rows, perr := parseAreaCSV(text)
	if perr != nil {
		return again(perr.key, perr.args...)
	}
	pg.Rows = len(rows)
	created, rowErrs, err := s.st.ImportAreas(r.Context(), actor(r), rows)
	if err != nil {
		return err
	}
	if len(rowErrs) > 0 {
		for _, re := range rowErrs {
			pg.Report = append(pg.Report, ImportProblem{Row: re.Row, Code: re.Code, Message: p.T(re.Key, re.Args...)})
		}
		pg.Form.Errors["form"] = p.T("area.import.failed", len(rowErrs))
		return s.render(w, r, http.StatusUnprocessableEntity, "area_import.html", pg)
	}
	return s.redirect(w, r, "/areas?imported="+strconv.Itoa(created), "")
}

// csvError is a problem of the file as a whole, as a message key.
type csvError struct {
	key  string
	args []any
}

// importColumns maps accepted header names (English or Chinese) to columns.
var importColumns = map[string]string{
	"level": "level", "层级": "level",
	"code": "code", "代码": "code", "区划代码": "code",
	"name": "name", "名称": "name",
	"parent_code": "parent_code", "上级代码": "parent_code",
}

// importLevels maps accepted level names to levels.
var importLevels = map[string]linli.Level{
	"district": linli.LevelDistrict, "区": linli.LevelDistrict,
	"street": linli.LevelStreet, "街道": linli.LevelStreet, "乡镇": linli.LevelStreet,
	"community": linli.LevelCommunity, "社区": linli.LevelCommunity, "村": linli.LevelCommunity,
	"grid": linli.LevelGrid, "网格": linli.LevelGrid,
}

// parseAreaCSV reads the header and the data rows, numbered from 1 after
// the header. Values are checked by the store, not here.
func parseAreaCSV(text string) ([]store.AreaRow, *csvError) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, &csvError{key: "area.import.empty"}
	}
	if err != nil {
		return nil, &csvError{key: "area.import.bad_csv", args: []any{csvLine(err)}}
	}
	col := map[string]int{}
	for i, h := range head {
		if c, ok := importColumns[strings.ToLower(strings.TrimSpace(h))]; ok {
			col[c] = i
		}
	}
	for _, c := range []string{"level", "code", "name", "parent_code"} {
		if _, ok := col[c]; !ok {
			return nil, &csvError{key: "area.import.header"}
		}
	}
	var rows []store.AreaRow
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &csvError{key: "area.import.bad_csv", args: []any{csvLine(err)}}
		}
		if len(rows) >= maxImportRows {
			return nil, &csvError{key: "area.import.too_many", args: []any{maxImportRows}}
		}
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		lv := get("level")
		level, ok := importLevels[strings.ToLower(lv)]
		if !ok {
			level = linli.Level(lv) // the store reports it as an unknown level
		}
		rows = append(rows, store.AreaRow{Row: n, Level: level, Code: get("code"), Name: get("name"), ParentCode: get("parent_code")})
	}
	if len(rows) == 0 {
		return nil, &csvError{key: "area.import.empty"}
	}
	return rows, nil
}

// csvLine is the line of a CSV syntax error, for the message.
func csvLine(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return strconv.Itoa(pe.Line)
	}
	return "?"
}
