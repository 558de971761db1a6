package web

import (
	"net/http"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/auth"
	"github.com/linli-org/linli/internal/store"
)

// tokenPrefix marks linli API tokens, so secret scanners recognise them.
const tokenPrefix = "lt_"

// TokensPage lists the API tokens, with the form for a new one. NewToken
// is set once, right after creation, and never again.
type TokensPage struct {
	Page
	Tokens   []store.APIToken
	Form     Form
	Roles    []RoleChoice
	Scope    []AreaOption
	NewToken string
	NewName  string
}

// tokenRoles are the roles a token may hold: business staff roles only.
func tokenRoles() []linli.Role {
	var out []linli.Role
	for _, r := range linli.AllRoles {
		if r.IsStaff() && !r.IsAdminDuty() {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, pg TokensPage, scope map[int64]bool, status int) error {
	ctx := r.Context()
	a := actor(r)
	var err error
	if pg.Tokens, err = s.st.APITokens(ctx, a); err != nil {
		return err
	}
	areas, err := s.st.Areas(ctx, a, store.AreaFilter{})
	if err != nil {
		return err
	}
	pg.Scope = areaOptions(pg.Page, areas, scope)
	pg.Roles = roleChoices(tokenRoles(), map[linli.Role]bool{linli.Role(pg.Form.Values["role"]): true})
	return s.render(w, r, status, "tokens.html", pg)
}

func (s *Server) tokenList(w http.ResponseWriter, r *http.Request) error {
	return s.tokensPage(w, r, TokensPage{Page: s.page(r, "tokens.title"), Form: newForm()}, nil, http.StatusOK)
}

// tokenCreate makes a token, stores its hash and shows the token once on
// the answer itself (no redirect: it is never stored in clear).
func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	p := s.page(r, "tokens.title")
	f := formFrom(r, "name", "role")
	scopeIDs, scopeSet := idSet(r.PostForm["scope"])
	token, hash, err := auth.NewToken(tokenPrefix)
	if err != nil {
		return err
	}
	t, err := s.st.CreateAPIToken(r.Context(), actor(r), f.Values["name"], linli.Role(f.Values["role"]), scopeIDs, hash)
	if err != nil {
		if f.setErrors(p, err) {
			return s.tokensPage(w, r, TokensPage{Page: p, Form: f}, scopeSet, http.StatusUnprocessableEntity)
		}
		return err
	}
	p.Flash = p.T("token.created")
	return s.tokensPage(w, r, TokensPage{Page: p, Form: newForm(), NewToken: token, NewName: t.Name}, nil, http.StatusOK)
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.RevokeAPIToken(r.Context(), actor(r), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/tokens", "token.revoked")
}
