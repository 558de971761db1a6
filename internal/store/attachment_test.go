package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// jpegBytes is not a real image: the store checks only the magic and the
// size (internal/attach made and checked the image).
var jpegBytes = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{1}, 100)...)

func mustResident(t *testing.T, s *store.Store, name string) linli.Actor {
	t.Helper()
	u, err := s.CreateUser(context.Background(), linli.ConsoleActor(), linli.UserInput{Username: name, DisplayName: name,
		Roles: []linli.Role{linli.RoleResident}}, "sealed-hash")
	if err != nil {
		t.Fatal(err)
	}
	return linli.NewActor(u.ID, name, []linli.Role{linli.RoleResident}, linli.Scope{})
}

// Attachments are read only by those who may see their order, or by the
// uploader until the order exists; anything else is not found.
func TestAttachmentVisibility(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		wang, li := mustResident(t, s, "wang.daye"), mustResident(t, s, "li.dama")
		x, err := s.SaveAttachment(ctx, wang, "image/jpeg", 4, 3, jpegBytes)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Name) != 32 || x.OrderID != 0 {
			t.Fatalf("attachment = %+v", x)
		}
		// Before the order: the uploader only.
		if got, err := s.Attachment(ctx, wang, x.Name); err != nil || !bytes.Equal(got.Data, jpegBytes) || got.ContentType != "image/jpeg" {
			t.Fatalf("uploader reads = %+v, %v", got, err)
		}
		for _, a := range []linli.Actor{li, f.clerk} {
			if _, err := s.Attachment(ctx, a, x.Name); !errors.Is(err, linli.ErrNotFound) {
				t.Fatalf("%s reads an unlinked upload: %v", a.Username, err)
			}
		}
		if got, err := s.PendingAttachments(ctx, wang, []string{x.Name, "nope", x.Name}); err != nil || len(got) != 1 {
			t.Fatalf("pending = %v, %v", got, err)
		}
		if got, _ := s.PendingAttachments(ctx, li, []string{x.Name}); len(got) != 0 {
			t.Fatal("another resident's pending uploads include wang's")
		}
		// Another resident cannot link wang's photo to their own order.
		_, _, err = s.CreateWorkOrder(ctx, li, linli.WorkOrderInput{ServiceCode: f.svc.Code, AreaID: f.tr.a.ID, Description: "灯不亮",
			Answers: map[string][]string{"what": {"light"}}, AttachmentNames: []string{x.Name}})
		if !errors.Is(err, linli.ErrInvalid) {
			t.Fatalf("linking another's upload = %v", err)
		}
		o, _, err := s.CreateWorkOrder(ctx, wang, linli.WorkOrderInput{ServiceCode: f.svc.Code, AreaID: f.tr.a.ID, Description: "灯不亮",
			Answers: map[string][]string{"what": {"light"}}, AttachmentNames: []string{x.Name}})
		if err != nil {
			t.Fatal(err)
		}
		// After: the requester and staff of the order's community; not
		// another resident, not staff of another community.
		for _, a := range []linli.Actor{wang, f.clerk} {
			if _, err := s.Attachment(ctx, a, x.Name); err != nil {
				t.Fatalf("%s cannot read the order's photo: %v", a.Username, err)
			}
			if list, err := s.Attachments(ctx, a, o.ID); err != nil || len(list) != 1 || list[0].Data != nil {
				t.Fatalf("%s lists %v, %v", a.Username, list, err)
			}
		}
		other := actorOn([]linli.Role{linli.RoleCommunityWorker}, f.tr.b)
		for _, a := range []linli.Actor{li, other} {
			if _, err := s.Attachment(ctx, a, x.Name); !errors.Is(err, linli.ErrNotFound) {
				t.Fatalf("%v reads the photo: %v", a.Scope, err)
			}
			if _, err := s.Attachments(ctx, a, o.ID); !errors.Is(err, linli.ErrNotFound) {
				t.Fatalf("%v lists the photos: %v", a.Scope, err)
			}
		}
		if _, err := s.Attachment(ctx, wang, "../../etc/passwd"); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("odd name = %v", err)
		}
	})
}

func TestAttachmentRulesAndCleanup(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		wang := mustResident(t, s, "wang.daye")
		for _, tc := range []struct {
			ctype string
			data  []byte
		}{{"image/jpeg", nil}, {"text/html", []byte("<html>")}, {"image/png", jpegBytes}, {"image/jpeg", make([]byte, store.MaxAttachmentBytes+1)}} {
			if _, err := s.SaveAttachment(ctx, wang, tc.ctype, 1, 1, tc.data); !errors.Is(err, linli.ErrInvalid) {
				t.Fatalf("%s of %d bytes = %v", tc.ctype, len(tc.data), err)
			}
		}
		if _, err := s.SaveAttachment(ctx, actorOn([]linli.Role{linli.RoleAuditAdmin}, f.tr.a), "image/jpeg", 1, 1, jpegBytes); !errors.Is(err, linli.ErrForbidden) {
			t.Fatalf("an auditor uploads: %v", err)
		}
		// Seven names are one too many for an order.
		var names []string
		for range 7 {
			x, err := s.SaveAttachment(ctx, wang, "image/jpeg", 1, 1, jpegBytes)
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, x.Name)
		}
		_, _, err := s.CreateWorkOrder(ctx, wang, linli.WorkOrderInput{ServiceCode: f.svc.Code, AreaID: f.tr.a.ID, Description: "灯不亮",
			Answers: map[string][]string{"what": {"light"}}, AttachmentNames: names})
		var ve *linli.ValidationError
		if !errors.As(err, &ve) || !ve.Has("attachments") {
			t.Fatalf("seven photos = %v", err)
		}
		o, _, err := s.CreateWorkOrder(ctx, wang, linli.WorkOrderInput{ServiceCode: f.svc.Code, AreaID: f.tr.a.ID, Description: "灯不亮",
			Answers: map[string][]string{"what": {"light"}}, AttachmentNames: names[:2]})
		if err != nil {
			t.Fatal(err)
		}
		// Unlinked uploads go after a day; linked ones stay.
		c.Advance(23 * time.Hour)
		if n, err := s.CleanupAttachments(ctx, c.Now()); err != nil || n != 0 {
			t.Fatalf("cleanup after 23 h = %d, %v", n, err)
		}
		c.Advance(2 * time.Hour)
		if n, err := s.CleanupAttachments(ctx, c.Now()); err != nil || n != 5 {
			t.Fatalf("cleanup after 25 h = %d, %v", n, err)
		}
		if list, err := s.Attachments(ctx, wang, o.ID); err != nil || len(list) != 2 {
			t.Fatalf("linked photos after cleanup = %d, %v", len(list), err)
		}
		if _, err := s.Attachment(ctx, wang, names[6]); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("a cleaned upload = %v", err)
		}
		// A day's pending uploads per account are capped.
		for i := range 31 {
			_, err := s.SaveAttachment(ctx, wang, "image/jpeg", 1, 1, jpegBytes)
			if i < 30 && err != nil {
				t.Fatal(err)
			}
			if i == 30 && !errors.As(err, &ve) {
				t.Fatalf("the 31st pending upload = %v", err)
			}
		}
		// The idempotency lookup finds only the actor's own key.
		o2, _, err := s.CreateWorkOrder(ctx, wang, linli.WorkOrderInput{ServiceCode: f.svc.Code, AreaID: f.tr.a.ID, Description: "又坏了",
			Answers: map[string][]string{"what": {"light"}}, IdempotencyKey: "k-1"})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.WorkOrderByIdempotencyKey(ctx, wang, "k-1"); err != nil || got.ID != o2.ID {
			t.Fatalf("by key = %v, %v", got.ID, err)
		}
		if _, err := s.WorkOrderByIdempotencyKey(ctx, mustResident(t, s, "li.dama"), "k-1"); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("another's key = %v", err)
		}
		areas, err := s.RequestAreas(ctx)
		if err != nil || len(areas) < 2 || areas[0].Street == "" {
			t.Fatalf("request areas = %v, %v", areas, err)
		}
	})
}

// An upload by an API token belongs to that token: only it reads the
// photo before the order exists and links it to an order; another token,
// a resident or staff cannot.
func TestAttachmentOfAToken(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		sys, err := s.CreateUser(ctx, linli.ConsoleActor(), linli.UserInput{Username: "sys.admin", DisplayName: "系统管理员",
			Roles: []linli.Role{linli.RoleSystemAdmin}, OrgUnitID: f.unit.ID, ScopeIDs: []int64{f.tr.district.ID}}, "sealed-hash")
		if err != nil {
			t.Fatal(err)
		}
		admin := linli.NewActor(sys.ID, "sys.admin", []linli.Role{linli.RoleSystemAdmin}, linli.Scope{AreaIDs: []int64{f.tr.district.ID}, Paths: []string{f.tr.district.Path}})
		tokens := map[string]linli.Actor{}
		for _, name := range []string{"hotline", "other"} {
			if _, err := s.CreateAPIToken(ctx, admin, name, linli.RoleCommunityWorker, []int64{f.tr.a.ID}, "hash-"+name); err != nil {
				t.Fatal(err)
			}
			if tokens[name], err = s.TokenActor(ctx, "hash-"+name); err != nil || tokens[name].TokenID == 0 {
				t.Fatalf("token actor %s = %+v, %v", name, tokens[name], err)
			}
		}
		hotline, other := tokens["hotline"], tokens["other"]
		x, err := s.SaveAttachment(ctx, hotline, "image/jpeg", 4, 3, jpegBytes)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Attachment(ctx, hotline, x.Name); err != nil || !bytes.Equal(got.Data, jpegBytes) {
			t.Fatalf("the token reads its upload = %+v, %v", got, err)
		}
		for _, a := range []linli.Actor{other, f.clerk, mustResident(t, s, "wang.daye")} {
			if _, err := s.Attachment(ctx, a, x.Name); !errors.Is(err, linli.ErrNotFound) {
				t.Fatalf("%s/%d reads the token's upload: %v", a.Username, a.TokenID, err)
			}
			if got, _ := s.PendingAttachments(ctx, a, []string{x.Name}); len(got) != 0 {
				t.Fatalf("%s/%d has the token's upload pending", a.Username, a.TokenID)
			}
		}
		in := linli.WorkOrderInput{ServiceCode: f.svc.Code, AreaID: f.tr.a.ID, Description: "灯不亮", ContactName: "王先生",
			ContactPhone: "13800138000", Answers: map[string][]string{"what": {"light"}}, AttachmentNames: []string{x.Name}}
		for _, a := range []linli.Actor{other, f.clerk} {
			if _, _, err := s.CreateWorkOrder(ctx, a, in); !errors.Is(err, linli.ErrInvalid) {
				t.Fatalf("%s/%d links the token's upload: %v", a.Username, a.TokenID, err)
			}
		}
		if got, err := s.PendingAttachments(ctx, hotline, []string{x.Name}); err != nil || len(got) != 1 {
			t.Fatalf("the token's pending uploads = %v, %v", got, err)
		}
		o, _, err := s.CreateWorkOrder(ctx, hotline, in)
		if err != nil {
			t.Fatal(err)
		}
		if list, err := s.Attachments(ctx, f.clerk, o.ID); err != nil || len(list) != 1 || list[0].Name != x.Name {
			t.Fatalf("photos of the token's order = %v, %v", list, err)
		}
	})
}
