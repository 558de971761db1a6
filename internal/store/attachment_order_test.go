package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/store"
)

// countAttachments counts every stored photo, linked or not.
func countAttachments(t *testing.T, s *store.Store) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(`SELECT COUNT(*) FROM wo_attachments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Photos that come with a request (Open311's media) are stored in the
// order's transaction: a refused request leaves none, a retry stores none
// again.
func TestCreateWorkOrderWithPhotos(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		photo := store.Attachment{ContentType: "image/jpeg", Width: 4, Height: 3, Data: jpegBytes}
		in := linli.WorkOrderInput{ServiceCode: f.svc.Code, Channel: linli.ChannelOpen311, ContactName: "王大爷", AreaID: f.tr.gridA.ID,
			Description: "楼道灯不亮", Answers: map[string][]string{"what": {"light"}}, IdempotencyKey: "o311-1"}

		// Refused: a required answer is missing; nothing is stored.
		bad := in
		bad.Answers = nil
		if _, _, err := s.CreateWorkOrderWithPhotos(ctx, f.clerk, bad, []store.Attachment{photo}); !errors.Is(err, linli.ErrInvalid) {
			t.Fatalf("refused request = %v, want invalid", err)
		}
		// Not a photo the store holds; too many photos.
		html := store.Attachment{ContentType: "text/html", Width: 1, Height: 1, Data: []byte("<html><script>alert(1)</script>")}
		if _, _, err := s.CreateWorkOrderWithPhotos(ctx, f.clerk, in, []store.Attachment{html}); !errors.Is(err, linli.ErrInvalid) {
			t.Fatalf("an HTML photo = %v, want invalid", err)
		}
		seven := make([]store.Attachment, store.MaxAttachmentsPerOrder+1)
		for i := range seven {
			seven[i] = photo
		}
		if _, _, err := s.CreateWorkOrderWithPhotos(ctx, f.clerk, in, seven); !errors.Is(err, linli.ErrInvalid) {
			t.Fatalf("seven photos = %v, want invalid", err)
		}
		if n := countAttachments(t, s); n != 0 {
			t.Fatalf("%d photos stored by refused requests, want 0", n)
		}

		o, created, err := s.CreateWorkOrderWithPhotos(ctx, f.clerk, in, []store.Attachment{photo})
		if err != nil || !created {
			t.Fatalf("CreateWorkOrderWithPhotos = %v, %v", created, err)
		}
		list, err := s.Attachments(ctx, f.clerk, o.ID)
		if err != nil || len(list) != 1 || list[0].OrderID != o.ID || list[0].ContentType != "image/jpeg" || len(list[0].Name) != 32 {
			t.Fatalf("photos of the order = %+v, %v", list, err)
		}
		// The same request again: the first order, no second photo.
		again, created, err := s.CreateWorkOrderWithPhotos(ctx, f.clerk, in, []store.Attachment{photo})
		if err != nil || created || again.ID != o.ID {
			t.Fatalf("retry = %d, %v, %v; want order %d, not created", again.ID, created, err, o.ID)
		}
		if n := countAttachments(t, s); n != 1 {
			t.Fatalf("%d photos after a retry, want 1", n)
		}
	})
}

// Open311 shows a photo only to an actor who may see its order, and only
// for an order of the public catalogue.
func TestOpen311Media(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		f := mustWOFixture(t, s)
		admin := actorOn([]linli.Role{linli.RoleDistrictAdmin}, f.tr.district)
		if _, err := s.SaveService(ctx, admin, linli.Service{Code: "INTERNAL", NameZh: "内部事项", NameEn: "Internal matter", Group: "other",
			Duty: linli.DutyOwn, Deadlines: map[linli.Priority]linli.Deadline{linli.PriorityNormal: {N: 3, Unit: linli.UnitWorkingDays},
				linli.PriorityUrgent: {N: 3, Unit: linli.UnitWorkingDays}, linli.PriorityCritical: {N: 3, Unit: linli.UnitWorkingDays}}}); err != nil {
			t.Fatal(err)
		}
		photo := func(b byte) store.Attachment {
			return store.Attachment{ContentType: "image/jpeg", Width: 4, Height: 3, Data: append(append([]byte{}, jpegBytes...), b)}
		}
		public, _, err := s.CreateWorkOrderWithPhotos(ctx, f.clerk, linli.WorkOrderInput{ServiceCode: f.svc.Code, ContactName: "王大爷",
			AreaID: f.tr.gridA.ID, Description: "楼道灯不亮", Answers: map[string][]string{"what": {"light"}}}, []store.Attachment{photo(1), photo(2)})
		if err != nil {
			t.Fatal(err)
		}
		private, _, err := s.CreateWorkOrderWithPhotos(ctx, f.clerk, linli.WorkOrderInput{ServiceCode: "INTERNAL", ContactName: "王大爷",
			AreaID: f.tr.gridA.ID, Description: "内部"}, []store.Attachment{photo(3)})
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.Attachments(ctx, f.clerk, public.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("photos = %v, %v", list, err)
		}
		media, err := s.Open311Media(ctx, f.clerk, []int64{public.ID, private.ID})
		if err != nil || len(media) != 1 || media[public.ID].Name != list[0].Name || media[public.ID].Data != nil {
			t.Fatalf("Open311Media = %+v, %v; want the public order's first photo", media, err)
		}
		if x, err := s.Open311Attachment(ctx, f.clerk, list[0].Name); err != nil || x.Data[len(x.Data)-1] != 1 {
			t.Fatalf("Open311Attachment = %v", err)
		}
		privatePhotos, err := s.Attachments(ctx, f.clerk, private.ID)
		if err != nil || len(privatePhotos) != 1 {
			t.Fatal(err)
		}
		if _, err := s.Open311Attachment(ctx, f.clerk, privatePhotos[0].Name); !errors.Is(err, linli.ErrNotFound) {
			t.Fatalf("a private service's photo through Open311 = %v, want not found", err)
		}
		// Another community's staff, and no one at all, see nothing.
		other := actorOn([]linli.Role{linli.RoleCommunityWorker}, f.tr.b)
		for _, a := range []linli.Actor{other, {}} {
			if media, err := s.Open311Media(ctx, a, []int64{public.ID}); err != nil || len(media) != 0 {
				t.Fatalf("Open311Media for %v = %v, %v; want none", a.Scope, media, err)
			}
			if _, err := s.Open311Attachment(ctx, a, list[0].Name); !errors.Is(err, linli.ErrNotFound) {
				t.Fatalf("Open311Attachment for %v = %v, want not found", a.Scope, err)
			}
		}
	})
}
