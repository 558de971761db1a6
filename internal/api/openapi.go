package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.1 description of this package's routes,
// written by hand. TestOpenAPIGolden keeps a reviewed copy in testdata, and
// TestOpenAPICoversRoutes checks that it names exactly the routes in
// routes.go.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI is GET /api/v1/openapi.json. It needs no credentials: the
// document describes the API, not data.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	// A failed write means the client has gone; there is no one to tell.
	_, _ = w.Write(openAPIDoc)
	return nil
}
