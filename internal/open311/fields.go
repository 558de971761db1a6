package open311

import (
	"strings"

	"github.com/linli-org/linli"
)

// fieldItem words a field error of the store (linli.WorkOrderInput's
// fields, checked by store.CreateWorkOrder and linli.Service.CheckAnswers)
// in Open311's terms: the parameter a client sent, and for an attribute
// its question.
func fieldItem(c *call, f linli.FieldError) errItem {
	if code, ok := strings.CutPrefix(f.Field, "attribute["); ok {
		code = strings.TrimSuffix(code, "]")
		q := attrQuestion(c, code)
		switch f.Key {
		case "wo.attr.required":
			return errItem{"open311.attr.required", []any{f.Field, q}}
		case "wo.attr.not_in_list":
			return errItem{"open311.attr.not_in_list", []any{f.Field, q}}
		case "wo.attr.one_value":
			return errItem{"open311.attr.one_value", []any{f.Field, q}}
		case "wo.attr.number":
			return errItem{"open311.attr.number", []any{f.Field, q}}
		case "wo.attr.datetime":
			return errItem{"open311.attr.datetime", []any{f.Field, q}}
		case "field.too_long":
			return errItem{"open311.attr.too_long", append([]any{f.Field, q}, f.Args...)}
		}
		return errItem{"open311.invalid", []any{f.Field}}
	}
	switch f.Field + " " + f.Key {
	case "description field.too_long":
		return errItem{"open311.description.too_long", f.Args}
	case "description field.required":
		return errItem{"open311.description.required", nil}
	case "description wo.cert.forbidden":
		return errItem{"open311.cert.forbidden", f.Args}
	case "service_code wo.service.negative":
		return errItem{"open311.service.negative", f.Args}
	case "contact_name wo.contact.required", "anonymous wo.anonymous.not_allowed":
		return errItem{"open311.name.required", nil}
	case "contact_email wo.email.invalid":
		return errItem{"open311.email.invalid", nil}
	case "lat wo.point.invalid":
		return errItem{"open311.location.invalid", nil}
	case "address field.too_long":
		return errItem{"open311.address.too_long", f.Args}
	case "area wo.area.required", "area wo.area.not_found":
		return errItem{"open311.area.unknown", nil}
	case "idempotency_key wo.idempotency.too_long":
		return errItem{"open311.idempotency.too_long", nil}
	}
	if f.Field == "contact_phone" {
		return errItem{"open311.phone.invalid", nil}
	}
	return errItem{"open311.invalid", []any{f.Field}}
}

// attrQuestion is an attribute's question in the request's language.
func attrQuestion(c *call, code string) string {
	if c.svc == nil {
		return code
	}
	for _, a := range c.svc.Attrs {
		if a.Code == code {
			if c.p.Lang == "en" && a.DescriptionEn != "" {
				return a.DescriptionEn
			}
			return a.Description
		}
	}
	return code
}
