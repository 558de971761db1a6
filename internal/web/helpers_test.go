package web_test

import (
	"net/url"

	"github.com/linli-org/linli/internal/store"
)

func storeFilterParent(id int64) store.AreaFilter { return store.AreaFilter{ParentID: id} }

func storeClient() store.Client { return store.Client{IP: "127.0.0.1"} }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
