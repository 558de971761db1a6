package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/linli-org/linli"
)

// problem is an RFC 9457 problem document. Code, ExistingID, State and
// RequestID are extension members: the message key of a conflict, the id
// of the resident a duplicate conflicts with (only when it is in the
// caller's scope), the current state of a work order that an action was
// refused in, and the request id to quote when reporting a server error.
type problem struct {
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Status     int            `json:"status"`
	Detail     string         `json:"detail,omitempty"`
	Code       string         `json:"code,omitempty"`
	ExistingID int64          `json:"existing_id,omitempty"`
	State      string         `json:"state,omitempty"`
	RequestID  string         `json:"request_id,omitempty"`
	Errors     []fieldProblem `json:"errors,omitempty"`
}

// fieldProblem is one invalid input field: Code is the message key,
// Message its English text.
type fieldProblem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// problemTypePrefix starts every problem type URI; the suffix names the
// kind of problem ("validation", "not-found"…) and never changes.
const problemTypePrefix = "urn:linli:problem:"

// kind is one row of the error table: how a class of error looks to a client.
type kind struct {
	status int
	slug   string
	title  string
	detail string
}

var (
	kindInternal    = kind{http.StatusInternalServerError, "internal", "Internal error", "internal error"}
	kindValidation  = kind{http.StatusUnprocessableEntity, "validation", "Invalid input", "One or more fields are invalid; see errors."}
	kindConflict    = kind{http.StatusConflict, "conflict", "Conflict", "The request conflicts with the current state of the resource."}
	kindUnavailable = kind{http.StatusServiceUnavailable, "unavailable", "Service unavailable", "The service is temporarily unavailable; try again later."}
)

// errorTable maps the domain's sentinel errors to problems: the one place
// where an error becomes a status code. The first match wins.
var errorTable = []struct {
	err  error
	kind kind
}{
	{linli.ErrNotFound, kind{http.StatusNotFound, "not-found", "Not found", "The resource does not exist or is outside your scope."}},
	{linli.ErrForbidden, kind{http.StatusForbidden, "forbidden", "Forbidden", "Your roles do not allow this action."}},
	{linli.ErrInvalid, kindValidation},
	{linli.ErrConflict, kindConflict},
	{linli.ErrUnauthorized, kind{http.StatusUnauthorized, "unauthorized", "Unauthorized", "Sign in, or send an API token as \"Authorization: Bearer <token>\"."}},
	{linli.ErrLocked, kind{http.StatusLocked, "locked", "Locked", "The account is locked."}},
	{linli.ErrRateLimited, kind{http.StatusTooManyRequests, "rate-limited", "Too many requests", "Too many requests; slow down and try again later."}},
	{linli.ErrUnavailable, kindUnavailable},
}

// requestError is a problem with the HTTP request itself (its method, media
// type, size or syntax), found before any domain code runs. Its detail is
// written for the client and never holds stored data.
type requestError struct {
	kind kind
}

func (e *requestError) Error() string { return e.kind.title + ": " + e.kind.detail }

var (
	errNoRoute          = &requestError{kind{http.StatusNotFound, "not-found", "Not found", "There is no such endpoint; see /api/v1/openapi.json."}}
	errMethodNotAllowed = &requestError{kind{http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", "The endpoint does not support this method; see the Allow header."}}
	errTooLarge         = &requestError{kind{http.StatusRequestEntityTooLarge, "too-large", "Content too large", fmt.Sprintf("The request body must be at most %d bytes.", maxBodyBytes)}}
	errMediaType        = &requestError{kind{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type", "Send the request body as application/json."}}
)

// badRequest is a 400 problem with a detail for the client.
func badRequest(detail string) error {
	return &requestError{kind{http.StatusBadRequest, "bad-request", "Bad request", detail}}
}

// problemFor builds the problem document for err.
func problemFor(err error) problem {
	k := kindInternal
	var re *requestError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &re):
		k = re.kind
	case errors.As(err, &mbe):
		k = errTooLarge.kind
	default:
		for _, row := range errorTable {
			if errors.Is(err, row.err) {
				k = row.kind
				break
			}
		}
	}
	p := problem{Type: problemTypePrefix + k.slug, Title: k.title, Status: k.status, Detail: k.detail}
	var ve *linli.ValidationError
	if k == kindValidation && errors.As(err, &ve) {
		for _, f := range ve.Fields {
			p.Errors = append(p.Errors, fieldProblem{Field: apiField(f.Field), Code: f.Key, Message: message(f.Key, f.Args...)})
		}
	}
	var te *linli.ErrTransition
	if k == kindConflict && errors.As(err, &te) {
		// The state table refused the action: name the order's state, so a
		// client can read the order again and offer what is allowed.
		p.Code = transitionKey
		p.Detail = message(transitionKey, string(te.Action), string(te.From))
		p.State = string(te.From)
	}
	var ce *linli.ConflictError
	if k == kindConflict && errors.As(err, &ce) {
		p.Code = ce.Key
		p.Detail = message(ce.Key, ce.Args...)
		if duplicateKeys[ce.Key] && len(ce.Args) > 0 {
			// The store names the existing resident only when the caller
			// may see them; the *_hidden keys carry no id.
			if id, ok := ce.Args[0].(int64); ok {
				p.ExistingID = id
			}
		}
	}
	return p
}

// fail renders err as a problem. Server errors are logged here, once, with
// the request id and the route pattern (never the URL or the body, which
// may hold personal data); the client sees only a generic message.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	p.RequestID = requestID(r)
	if p.Status >= 500 {
		s.log.LogAttrs(r.Context(), slog.LevelError, "api request failed",
			slog.String("request_id", p.RequestID), slog.String("method", r.Method),
			slog.String("route", r.Pattern), slog.Int("status", p.Status), slog.String("error", err.Error()))
	}
	h := w.Header()
	switch p.Status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="linli"`)
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "5")
	}
	b, merr := json.Marshal(p)
	if merr != nil {
		// A problem holds only strings and ints; this cannot happen.
		b = []byte(`{"type":"` + problemTypePrefix + `internal","title":"Internal error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(p.Status)
	// A failed write means the client has gone; there is no one to tell.
	_, _ = w.Write(append(b, '\n'))
}

// transitionKey is the code of a 409 for an action that the work-order
// state table (linli.Transitions) does not allow from the order's state.
const transitionKey = "wo.transition"

// duplicateKeys are the conflicts whose first argument is the id of the
// existing resident, shown as existing_id.
var duplicateKeys = map[string]bool{"person.duplicate_id": true, "person.possible_duplicate": true}

// apiFields renames the domain's field names to the JSON members a client
// sent, where they differ.
var apiFields = map[string]string{
	"parent":   "parent_id",
	"org_unit": "org_unit_id",
	"scope":    "scope_ids",
	"area":     "area_id",
	"grid":     "grid_id",
	"room":     "room_id",
	"head":     "head_id",
	"person":   "person_id",
}

func apiField(f string) string {
	if n, ok := apiFields[f]; ok {
		return n
	}
	return f
}

// messages holds the English text of the message keys that the store, the
// domain and this package use. The web interface has full catalogs; API
// clients get the key (to translate themselves) and this short text. An
// unknown key falls back to the key itself.
var messages = map[string]string{ // #nosec G101 -- message texts of problem keys (some keys name tokens), no credentials
	"area.name.required":         "Enter a name.",
	"area.name.too_long":         "The name must be at most %d characters.",
	"area.level.invalid":         "The level must be one of district, street, community, grid.",
	"area.parent.district_top":   "A district has no parent area.",
	"area.parent.required":       "Give the parent area.",
	"area.parent.wrong_level":    "The parent area must be one level above this area.",
	"area.parent.retired":        "The parent area is retired.",
	"area.parent.not_found":      "The parent area does not exist or is outside your scope.",
	"area.code.required":         "Give the division code.",
	"area.code.format":           "The code must be 12 digits.",
	"area.code.grid_format":      "A grid code is its community's 12-digit code, a hyphen and 1 to 4 digits.",
	"area.code.district_format":  "A district code ends in 000000.",
	"area.code.street_format":    "A street code ends in 000 and has a street number.",
	"area.code.community_format": "A community code must not end in 000.",
	"area.code.parent_prefix":    "The code must start with the parent area's code.",
	"area.code.taken":            "Another live area has this code.",
	"area.code.descendant_taken": "Re-coding would give a sub-area the code %s, which another live area has.",
	"area.move.district":         "A district cannot be moved.",
	"area.move.into_self":        "An area cannot move into its own subtree.",
	"area.retired":               "The area is retired.",
	"area.retire.has_children":   "The area still has %d live sub-areas.",
	"area.retire.has_staff":      "%d active staff accounts still have this area in their scope.",
	"area.retire.has_org_units":  "%d organisation units are still based in this area.",
	"edit.stale":                 "Someone else changed this since you read it; read it again and retry.",

	"user.username.required":     "Enter a login name.",
	"user.username.format":       "A login name has 3 to 32 of a-z, 0-9, '.', '_' and '-'.",
	"user.username.taken":        "This login name is taken.",
	"user.display_name.required": "Enter a display name.",
	"user.display_name.too_long": "The display name must be at most %d characters.",
	"user.roles.required":        "Choose at least one role.",
	"user.roles.unknown":         "Unknown role.",
	"user.roles.duplicate":       "A role is listed twice.",
	"user.roles.admin_exclusive": "An account holds at most one of the three admin duties.",
	"user.roles.admin_alone":     "An admin duty cannot be combined with other roles.",
	"user.roles.self":            "You cannot change your own roles.",
	"user.org_unit.required":     "Staff need an organisation unit.",
	"user.org_unit.not_found":    "The organisation unit does not exist or is outside your scope.",
	"user.scope.required":        "Staff need at least one area in their scope.",
	"user.scope.not_found":       "A scope area does not exist, is retired or is outside your scope.",
	"user.disable.self":          "You cannot disable your own account.",
	"user.already_disabled":      "The account is already disabled.",
	"orgunit.name.required":      "Enter a name.",
	"orgunit.name.taken":         "This name is taken.",
	"orgunit.kind.invalid":       "Unknown kind of organisation unit.",
	"orgunit.area.not_found":     "The area does not exist or is outside your scope.",
	"apitoken.name.required":     "Enter a name.",
	"apitoken.role.invalid":      "An API token holds one business staff role.",

	"person.name.required":             "Enter the name.",
	"person.name.too_long":             "The name may have at most %d characters.",
	"person.gender.invalid":            "The gender must be a GB/T 2261.1 code: 0, 1, 2 or 9.",
	"person.gender.mismatch":           "The gender does not match the ID number.",
	"person.birth_date.invalid":        "The birth date is not valid (YYYY-MM-DD, not in the future).",
	"person.birth_date.mismatch":       "The birth date does not match the ID number.",
	"person.id_type.invalid":           "Unknown document type.",
	"person.id_number.required":        "Enter the ID number.",
	"person.id_number.format":          "The document number has 5 to 30 letters or digits.",
	"person.id_number.none_type":       "Choose a document type for this number.",
	"person.phone.digits":              "A phone number has digits only.",
	"person.phone.format":              "Not a valid phone number (11-digit mobile, or a landline with area code).",
	"person.phone.ten_digits":          "The mobile number has only 10 digits; a digit is missing.",
	"person.reg_type.invalid":          "The registration type must be one of registered, migrant, separated, overseas.",
	"person.grid.required":             "Give the grid.",
	"person.grid.not_found":            "The grid does not exist or is outside your scope.",
	"person.room.not_found":            "The room does not exist or is not in the chosen grid.",
	"person.address.too_long":          "The address may have at most %d characters.",
	"person.date.future":               "The date cannot be after today.",
	"person.date.before_birth":         "The date cannot be before the birth date.",
	"person.deceased":                  "This person has died; the record can no longer change.",
	"person.moved_out":                 "This person has already moved out.",
	"person.duplicate_id":              "This ID number is already registered (resident %d).",
	"person.duplicate_id_hidden":       "This ID number is already registered elsewhere; ask your supervisor to check.",
	"person.possible_duplicate":        "A resident with the same name and birth date lives in this community (resident %d); send confirm_duplicate if this is someone else.",
	"person.possible_duplicate_hidden": "A resident with the same name and birth date lives in this community; send confirm_duplicate if this is someone else.",
	"person.search.too_short":          "Type at least 2 characters.",
	"err.id.length":                    "An ID number has 18 characters.",
	"err.id.chars":                     "An ID number has digits and a final X only.",
	"err.id.region":                    "The region digits of the ID number are not valid.",
	"err.id.birth":                     "The birth date in the ID number is not valid.",
	"err.id.check":                     "The ID number's check digit is wrong.",
	"household.closed":                 "This household is closed.",
	"household.kind.invalid":           "The kind must be one of family, collective, single.",
	"household.single.members":         "A single-person household has no other members.",
	"household.two_heads":              "A household has exactly one head.",
	"household.relation.invalid":       "The relation must be a family relation code (GB/T 4761).",
	"household.member.twice":           "A resident can be added only once.",
	"household.member.elsewhere":       "Resident %d already belongs to another household; remove them there first.",
	"household.member.not_living":      "Resident %d has moved out or died and cannot join.",
	"household.head.same":              "This person is already the head.",
	"household.head.not_member":        "The new head must be a current member of the household.",
	"household.not_member":             "This person is not a current member of the household.",
	"household.remove_head":            "The head cannot be removed; change the head first.",
	"tag.already":                      "This person already has this tag.",
	"tag.attr.unknown":                 "This tag has no attribute \"%s\".",
	"tag.person_not_living":            "Tags can be added only to living residents.",
	"tag.until.before_since":           "The end date cannot be before the start date.",
	"tag.code.required":                "Give the tag code.",
	"tag.code.format":                  "A tag code starts with a lower-case letter and has only a-z, 0-9 and '_', 2 to %d characters.",
	"tag.code.taken":                   "The tag code %s is already used (retired tags included).",
	"tag.code.retired":                 "This tag is retired and can no longer be added.",
	"tag.name_zh.required":             "Give the Chinese name.",
	"tag.name_zh.too_long":             "The Chinese name may have at most %d characters.",
	"tag.name_en.too_long":             "The English name may have at most %d characters.",
	"tag.class.invalid":                "The class must be one of ordinary, sensitive, restricted.",
	"tag.class.loosen_in_use":          "This tag has been on residents: its class can only become more restrictive.",
	"tag.attrs.format":                 "The attribute name %s is not valid: a lower-case letter, then a-z, 0-9 and '_', at most 30 characters.",
	"tag.attrs.duplicate":              "The attribute %s is listed twice.",
	"tag.attrs.too_many":               "A tag has at most %d attributes.",
	"tag.attrs.in_use":                 "Residents' tags hold values for the attribute %s; it cannot be removed.",
	"tag.retired":                      "The tag %s is retired.",
	"tag.not_retired":                  "The tag %s is not retired.",
	"error.invalid":                    "Not a valid value for this member.",

	"field.required":                    "This member is required.",
	"field.too_long":                    "At most %d characters.",
	"service.code.invalid":              "A service code is an upper-case letter, then A-Z, 0-9 and '-', 2 to 40 characters.",
	"service.code.taken":                "This service code is already used (retired services included).",
	"service.group.invalid":             "Unknown catalogue group.",
	"service.duty.invalid":              "The duty must be one of own, assist, negative.",
	"service.authority.required":        "A service assisting the government names the authority that assigned it.",
	"service.referral.required":         "A service on the negative list names where to go instead.",
	"service.deadline.invalid":          "Give the deadline of this priority: n > 0 hours, working_hours or working_days.",
	"service.attr.code_invalid":         "An attribute code is a lower-case letter, then a-z, 0-9 and '_', at most 40 characters.",
	"service.attr.code_duplicate":       "This attribute code is used twice.",
	"service.attr.type_invalid":         "The datatype must be one of string, number, datetime, text, singlevaluelist, multivaluelist.",
	"service.attr.values_required":      "A list attribute needs at least one value.",
	"service.attr.description_required": "Give the attribute's question.",
	"service.unit.not_found":            "The organisation unit does not exist.",
	"route.area.not_found":              "The area does not exist or is outside your scope.",
	"wo.service.unknown":                "No such service in the catalogue (or it is retired).",
	"wo.service.negative":               "The community does not handle this service; refer the requester to: %s",
	"wo.cert.forbidden":                 "Communities no longer issue \"%s\"; refer the requester to: %s",
	"wo.attr.required":                  "This question must be answered.",
	"wo.attr.one_value":                 "Give one value only.",
	"wo.attr.number":                    "Must be a number.",
	"wo.attr.datetime":                  "Must be a date (YYYY-MM-DD) or an RFC 3339 time.",
	"wo.attr.not_in_list":               "Not one of the values this question offers.",
	"wo.priority.invalid":               "The priority must be one of normal, urgent, critical.",
	"wo.channel.invalid":                "The channel must be one of counter, web, phone, open311, patrol.",
	"wo.point.invalid":                  "Give both lat and lon, in degrees (WGS-84).",
	"wo.email.invalid":                  "Not a valid email address.",
	"wo.requester.not_found":            "The resident does not exist or is outside your scope.",
	"wo.anonymous.not_allowed":          "This service cannot be requested anonymously.",
	"wo.contact.required":               "Name the requester: a resident, a contact, or anonymous where the service allows it.",
	"wo.area.required":                  "Give the area (grid or community) of the request.",
	"wo.area.not_found":                 "The area does not exist, is retired or is outside your scope.",
	"wo.attachment.unknown":             "An attachment does not exist or belongs to another order.",
	"wo.attachment.empty":               "The file is empty.",
	"wo.attachment.too_large":           "A photo may be at most %d MiB.",
	"wo.attachment.too_many":            "At most %d photos per order.",
	"wo.attachment.not_image":           "Not a photo: only JPEG, PNG and GIF images are taken.",
	"wo.attachment.html":                "Not a photo but a web page, XML or SVG document; it is refused.",
	"wo.attachment.format":              "This image format (such as HEIC or WebP) is not supported; send a JPEG or PNG.",
	"wo.attachment.broken":              "The image is damaged or incomplete.",
	"wo.attachment.too_many_pixels":     "The image has too many pixels (over %d megapixels).",
	"wo.attachment.quota":               "Too many photos uploaded and not yet attached to an order today (at most %d).",
	"wo.idempotency.too_long":           "The idempotency key may have at most 100 characters.",
	"wo.reason.required":                "Give the reason.",
	"wo.reply.required":                 "Give the reply to the requester.",
	"wo.unit.required":                  "Choose the unit: the responsibility map suggests none.",
	"wo.override.reason":                "Give the reason for choosing another unit than the responsibility map's.",
	"wo.co_unit.is_lead":                "The lead unit cannot also be a co-handler.",
	"wo.extension.due_invalid":          "The new deadline must be later than the current one.",
	"wo.rating.invalid":                 "The rating must be 1 to 5.",
	"wo.rating.twice":                   "This order has been rated twice already.",
	"wo.duplicate.invalid":              "Give another open order in your scope to merge into.",
	"wo.queue.tab_invalid":              "The tab must be one of to_sign, in_progress, due_soon, overdue, returned.",
	"wo.transition":                     "The action %s is not allowed while the order is %s.",
	"kpi.range.invalid":                 "The end of the period must be after its start.",
	"kpi.range.too_long":                "The period may be at most 366 days.",
	"cert.template.missing":             "The certificate's template cannot be filled: %s",
	"cert.template.empty":               "This service has no certificate template.",
	"cert.service.none":                 "This order's service issues no certificate.",
	"cert.exists":                       "A certificate was already issued for this order (%s).",
	"cert.area.not_community":           "Certificates are issued by a residents' committee; this order is not in a community.",
	"cert.valid_until.past":             "The last valid day cannot be before today.",
	"cert.requester.not_person":         "The requester must be a registered resident in your scope; link the resident to the order first.",
	"cert.requester.not_living":         "The requester has moved out or died; no certificate can be issued.",
	"cert.void.reason_required":         "Give the reason for voiding the certificate.",
	"cert.voided":                       "This certificate is void.",

	"api.version.required": "Give the version you read (optimistic locking).",
	"api.patch.empty":      "Give at least one member to change.",
	"api.integer":          "Must be a positive integer.",
	"api.boolean":          "Must be true or false.",
	"api.limit.range":      "Must be an integer from %d to %d.",
	"api.cursor.invalid":   "Invalid cursor; pass back a next_cursor value unchanged.",
	"api.time.invalid":     "Must be an RFC 3339 time, e.g. 2026-03-01T00:00:00+08:00.",
	"api.time.order":       "Must be later than from.",
	"api.date.invalid":     "Must be a date (YYYY-MM-DD) or an RFC 3339 time.",
	"api.callback.done":    "This call-back is already done.",
	"api.file.one":         "Send one file per request.",
}

// message is the English text of key with args filled in.
func message(key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if strings.Contains(m, "%") {
		return fmt.Sprintf(m, args...)
	}
	return m
}
