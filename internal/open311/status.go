package open311

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/linli-org/linli"
	"github.com/linli-org/linli/internal/locale"
	"github.com/linli-org/linli/internal/seal"
)

// State mapping. GeoReport v2 knows two statuses: an order is "open" while
// it still needs work (linli.WOState.Open) and "closed" after. With
// extensions=true, extended_attributes also carry our own state
// (detailed_status), its name, and the nearest status of mySociety's
// FixMyStreet extension (fms_status), which FixMyStreet clients map to
// their own states.
var fmsStatus = map[linli.WOState]string{
	linli.WOAccepted:           "OPEN",
	linli.WOAnswered:           "CLOSED",
	linli.WODispatched:         "INVESTIGATING",
	linli.WOReturnRequested:    "INVESTIGATING",
	linli.WOInProgress:         "IN_PROGRESS",
	linli.WOContacted:          "IN_PROGRESS",
	linli.WOExtensionRequested: "IN_PROGRESS",
	linli.WODeferred:           "ACTION_SCHEDULED",
	linli.WOResolved:           "FIXED",
	linli.WOVerified:           "FIXED",
	linli.WOReopened:           "REOPEN",
	linli.WOArchived:           "CLOSED",
	linli.WOVoid:               "NO_FURTHER_ACTION",
	linli.WODuplicate:          "DUPLICATE",
	linli.WOWithdrawn:          "CANCELLED",
}

// status is the GeoReport v2 status of a state.
func status(st linli.WOState) string {
	if st.Open() {
		return "open"
	}
	return "closed"
}

// publicSpace are the catalogue groups whose requests concern public
// space (a broken lamp, rubbish, a hazard): their description, address and
// point are shown to everyone, as FixMyStreet shows reports. Requests of
// the other groups are a resident's own matters (a certificate, care,
// assistance, a dispute…): without a key that reads them, their free text
// and place are withheld.
var publicSpace = map[string]bool{"repair": true, "environment": true, "safety": true}

// noteSummary words an event of the public timeline.
func noteSummary(p locale.Printer, kind string, to linli.WOState, unit string) string {
	if kind == string(linli.ActDispatch) && unit != "" {
		return p.T("open311.note.dispatch_to", unit)
	}
	if k := "open311.note." + kind; p.Has(k) {
		return p.T(k)
	}
	return stateName(p, to)
}

// stateName is the name of our state in the printer's language.
func stateName(p locale.Printer, st linli.WOState) string { return p.T("open311.state." + string(st)) }

// groupName is the name of a catalogue group.
func groupName(p locale.Printer, g string) string {
	if k := "open311.group." + g; p.Has(k) {
		return p.T(k)
	}
	return g
}

// notice is the service notice: the time the service promises at a
// priority.
func notice(p locale.Printer, sv linli.Service, pr linli.Priority) any {
	d, ok := sv.Deadlines[pr]
	if !ok || !d.Valid() {
		return nil
	}
	return p.T("open311.notice."+string(d.Unit), d.N)
}

// Free text shown to everyone (descriptions, replies) goes through
// redact: digit runs of seven or more (phone numbers, ID numbers; also a
// mobile number written 138 1234 5678 or a landline 010-12345678) are
// masked as the registry masks them, e-mail addresses keep only their
// first character and domain, and the requester's own name is masked
// wherever it appears.
var (
	digitsRE = regexp.MustCompile(`(?:\+86[ -]?)?1[3-9]\d[ -]\d{4}[ -]\d{4}|0\d{2,3}-\d{7,8}|\d{17}[\dXx]|\d{7,}`)
	emailRE  = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
)

func redact(s, requester string) string {
	if s == "" {
		return s
	}
	s = digitsRE.ReplaceAllStringFunc(s, func(m string) string {
		n := linli.NormalizePhone(m)
		if len(n) == 18 { // an ID number (17 digits and a check character)
			return seal.MaskIDNumber(n)
		}
		return seal.MaskPhone(n)
	})
	s = emailRE.ReplaceAllStringFunc(s, func(m string) string {
		at := strings.IndexByte(m, '@')
		_, size := utf8.DecodeRuneInString(m)
		return m[:size] + "***" + m[at:]
	})
	if name := strings.TrimSpace(requester); utf8.RuneCountInString(name) >= 2 {
		s = strings.ReplaceAll(s, name, seal.MaskName(name))
	}
	return s
}
