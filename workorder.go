package linli

import (
	"fmt"
	"time"
)

// Work orders (工单): every request from the counter, the web, a hotline or
// another system becomes one, routed to a unit, tracked against a deadline,
// followed up and rated. The life of an order is a pure transition table
// (Transitions): the store applies an action only if the table allows it
// from the order's state, and records it as an event.

// WOState is the state of a work order (the states of the 12345 loop).
type WOState string

const (
	WOAccepted           WOState = "accepted"            // 已受理/待分派
	WOAnswered           WOState = "answered"            // 直接办结
	WODispatched         WOState = "dispatched"          // 已派单/待签收
	WOReturnRequested    WOState = "return_requested"    // 退单申请中
	WOInProgress         WOState = "in_progress"         // 已签收/办理中 (the clock runs)
	WOContacted          WOState = "contacted"           // 已联系诉求人
	WOExtensionRequested WOState = "extension_requested" // 延期申请中
	WODeferred           WOState = "deferred"            // 挂账 (the clock is paused)
	WOResolved           WOState = "resolved"            // 已办结/待评价
	WOVerified           WOState = "verified"            // 已回访/已评价
	WOReopened           WOState = "reopened"            // 重办
	WOArchived           WOState = "archived"            // 已归档
	WOVoid               WOState = "void"                // 作废
	WODuplicate          WOState = "duplicate"           // 重复件 (merged into another)
	WOWithdrawn          WOState = "withdrawn"           // 已撤销
)

// WOStates lists every state in the order of the loop.
var WOStates = []WOState{WOAccepted, WOAnswered, WODispatched, WOReturnRequested, WOInProgress, WOContacted,
	WOExtensionRequested, WODeferred, WOResolved, WOVerified, WOReopened, WOArchived, WOVoid, WODuplicate, WOWithdrawn}

// Open reports whether the order still needs work: Open311 "open".
func (s WOState) Open() bool {
	switch s {
	case WOAnswered, WOResolved, WOVerified, WOArchived, WOVoid, WODuplicate, WOWithdrawn:
		return false
	}
	return true
}

// Clocked reports whether the deadline clock runs in the state: from
// sign-for (签收) to resolution, except while deferred (挂账).
func (s WOState) Clocked() bool {
	switch s {
	case WOInProgress, WOContacted, WOExtensionRequested, WOReopened, WOReturnRequested:
		return true
	}
	return false
}

// Final reports whether no action leaves the state.
func (s WOState) Final() bool { return len(Transitions[s]) == 0 }

// WOAction is something done to a work order.
type WOAction string

const (
	ActAnswer           WOAction = "answer"            // clerk answers at first contact (直接办结)
	ActDispatch         WOAction = "dispatch"          // clerk sends it to a unit (派单, also 改派 before signing)
	ActSign             WOAction = "sign"              // unit signs for it (签收): the clock starts
	ActRequestReturn    WOAction = "request_return"    // unit says it is not theirs (退单申请)
	ActApproveReturn    WOAction = "approve_return"    // clerk agrees: back to accepted, to be re-dispatched
	ActRejectReturn     WOAction = "reject_return"     // clerk refuses: the unit keeps it (驳回)
	ActContact          WOAction = "contact"           // unit has contacted the requester (先行联系)
	ActRequestExtension WOAction = "request_extension" // unit asks for more time, with a reason
	ActGrantExtension   WOAction = "grant_extension"   // supervisor grants it: the deadline moves
	ActDenyExtension    WOAction = "deny_extension"    // supervisor refuses it
	ActDefer            WOAction = "defer"             // supervisor approves 挂账: the clock pauses
	ActResume           WOAction = "resume"            // work starts again after 挂账
	ActResolve          WOAction = "resolve"           // unit replies and closes its work (办结)
	ActRate             WOAction = "rate"              // requester (or a clerk's call-back) rates it (回访/评价)
	ActReopen           WOAction = "reopen"            // an unsatisfied rating sends it back (重办)
	ActCloseUnrated     WOAction = "close_unrated"     // not rated in time: closed as unrated
	ActArchive          WOAction = "archive"           // closed for good (归档)
	ActVoid             WOAction = "void"              // invalid or malicious (作废)
	ActMarkDuplicate    WOAction = "mark_duplicate"    // merged into another order
	ActWithdraw         WOAction = "withdraw"          // the requester withdraws it
)

// Transitions is the state machine: for each state, the actions allowed
// and the state each leads to. Events that do not change the state (notes,
// co-handlers, reminders, escalations) are not actions.
var Transitions = map[WOState]map[WOAction]WOState{
	WOAccepted: {
		ActAnswer: WOAnswered, ActDispatch: WODispatched, ActVoid: WOVoid, ActMarkDuplicate: WODuplicate, ActWithdraw: WOWithdrawn,
	},
	WOAnswered: {ActArchive: WOArchived},
	WODispatched: {
		ActSign: WOInProgress, ActRequestReturn: WOReturnRequested, ActDispatch: WODispatched,
		ActVoid: WOVoid, ActMarkDuplicate: WODuplicate, ActWithdraw: WOWithdrawn,
	},
	WOReturnRequested: {ActApproveReturn: WOAccepted, ActRejectReturn: WODispatched},
	WOInProgress: {
		ActContact: WOContacted, ActRequestExtension: WOExtensionRequested, ActDefer: WODeferred,
		ActResolve: WOResolved, ActRequestReturn: WOReturnRequested, ActWithdraw: WOWithdrawn,
	},
	WOContacted: {
		ActRequestExtension: WOExtensionRequested, ActDefer: WODeferred, ActResolve: WOResolved, ActWithdraw: WOWithdrawn,
	},
	WOExtensionRequested: {ActGrantExtension: WOInProgress, ActDenyExtension: WOInProgress, ActResolve: WOResolved},
	WODeferred:           {ActResume: WOInProgress, ActResolve: WOResolved},
	WOResolved:           {ActRate: WOVerified, ActCloseUnrated: WOArchived},
	WOVerified:           {ActReopen: WOReopened, ActArchive: WOArchived},
	WOReopened: {
		ActContact: WOContacted, ActRequestExtension: WOExtensionRequested, ActDefer: WODeferred, ActResolve: WOResolved,
	},
	WOArchived:  {},
	WOVoid:      {},
	WODuplicate: {},
	WOWithdrawn: {},
}

// ErrTransition is returned for an action the table does not allow from
// the order's state. It unwraps to ErrConflict.
type ErrTransition struct {
	From   WOState
	Action WOAction
}

func (e *ErrTransition) Error() string {
	return fmt.Sprintf("work order: %s is not allowed in state %s", e.Action, e.From)
}

func (e *ErrTransition) Unwrap() error { return ErrConflict }

// Next returns the state an action leads to from s, or an *ErrTransition.
func Next(s WOState, a WOAction) (WOState, error) {
	to, ok := Transitions[s][a]
	if !ok {
		return s, &ErrTransition{From: s, Action: a}
	}
	return to, nil
}

// Priority of a work order (一般/紧急/特急).
type Priority string

const (
	PriorityNormal   Priority = "normal"   // 一般
	PriorityUrgent   Priority = "urgent"   // 紧急
	PriorityCritical Priority = "critical" // 特急
)

// Priorities in increasing urgency.
var Priorities = []Priority{PriorityNormal, PriorityUrgent, PriorityCritical}

// Raise returns the next priority up (critical stays critical).
func (p Priority) Raise() Priority {
	switch p {
	case PriorityNormal:
		return PriorityUrgent
	default:
		return PriorityCritical
	}
}

// Channel is where an order came from.
type Channel string

const (
	ChannelCounter Channel = "counter" // 窗口
	ChannelWeb     Channel = "web"     // 网上/手机
	ChannelPhone   Channel = "phone"   // 电话/热线
	ChannelOpen311 Channel = "open311" // another system
	ChannelPatrol  Channel = "patrol"  // 网格巡查
)

// Channels lists every channel.
var Channels = []Channel{ChannelCounter, ChannelWeb, ChannelPhone, ChannelOpen311, ChannelPatrol}

// DeadlineUnit says how a deadline counts time.
type DeadlineUnit string

const (
	UnitHours        DeadlineUnit = "hours"         // natural hours, day and night (特急, 紧急)
	UnitWorkingHours DeadlineUnit = "working_hours" // hours of the working day
	UnitWorkingDays  DeadlineUnit = "working_days"  // to the close of the n-th working day
)

// Deadline is the time a service allows at a priority.
type Deadline struct {
	N    int          `json:"n"`
	Unit DeadlineUnit `json:"unit"`
}

// Valid reports whether the deadline is usable.
func (d Deadline) Valid() bool {
	switch d.Unit {
	case UnitHours, UnitWorkingHours, UnitWorkingDays:
		return d.N > 0
	}
	return false
}

// WorkCalendar computes deadlines over working time; internal/calendar
// implements it.
type WorkCalendar interface {
	AddWorkingDays(start time.Time, n int) time.Time
	AddWorkingHours(start time.Time, d time.Duration) time.Time
	WorkingDuration(from, to time.Time) time.Duration
}

// Due returns the deadline of an order whose clock starts at start.
func (d Deadline) Due(cal WorkCalendar, start time.Time) time.Time {
	switch d.Unit {
	case UnitWorkingHours:
		return cal.AddWorkingHours(start, time.Duration(d.N)*time.Hour)
	case UnitWorkingDays:
		return cal.AddWorkingDays(start, d.N)
	default:
		return start.Add(time.Duration(d.N) * time.Hour)
	}
}

// Rating levels (好差评, 5 levels).
const (
	RatingVeryUnsatisfied = 1 // 非常不满意
	RatingUnsatisfied     = 2 // 不满意
	RatingNeutral         = 3 // 基本满意
	RatingSatisfied       = 4 // 满意
	RatingVerySatisfied   = 5 // 非常满意
)

// Satisfied reports whether a rating counts as satisfied in the
// satisfaction rate (满意 + 基本满意 + 非常满意).
func Satisfied(level int) bool { return level >= RatingNeutral }

// Visibility of a timeline event.
const (
	VisPublic   = "public"   // the requester and Open311 see it
	VisInternal = "internal" // staff only
)

// Permissions of the one-stop service hall (see RolePermissions).
const (
	PermWOIntake     Permission = "wo.intake"     // take any matter at the counter or the hotline, dispatch, decide returns
	PermWOHandle     Permission = "wo.handle"     // a unit's work: sign, return, contact, extend, resolve
	PermWOSupervise  Permission = "wo.supervise"  // grant extensions, approve 挂账, the overdue board
	PermWORead       Permission = "wo.read"       // read orders in scope
	PermServiceAdmin Permission = "service.admin" // the catalogue, the responsibility map, units
	PermKPIRead      Permission = "kpi.read"      // KPI dashboard and export
)

// WorkOrder is a work order as the store returns it. The contact phone is
// only ever held masked here.
type WorkOrder struct {
	ID                int64
	Number            string // GD + date + sequence
	ServiceID         int64
	ServiceCode       string
	ServiceName       string
	ServiceNameEn     string
	Channel           Channel
	Priority          Priority
	State             WOState
	RequesterPersonID int64
	RequesterUserID   int64
	ContactName       string
	ContactPhone      string // masked
	ContactEmail      string
	Anonymous         bool
	Address           string
	Lat, Lon          float64 // 0, 0: no point
	HasPoint          bool
	AreaID            int64
	Path              string
	Title             string
	Description       string
	Answers           map[string][]string
	LeadUnitID        int64
	LeadUnitName      string
	AcceptedAt        time.Time
	DispatchedAt      time.Time
	SignedAt          time.Time
	DueAt             time.Time
	WarnAt            time.Time
	PausedAt          time.Time
	ResolvedAt        time.Time
	ClosedAt          time.Time
	Reply             string
	Rating            int // the latest rating, 0 if none
	Ratings           int
	Reopens           int
	Returns           int
	Unrated           bool
	Overdue           bool // overdue was flagged by a timer (or is now)
	Requesters        int
	DuplicateOf       int64
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int64
}

// Light is the traffic light of an open order's deadline at now: "green",
// "yellow" (past the warning point), "red" (overdue), or "" when the
// order has no running clock.
func (o WorkOrder) Light(now time.Time) string {
	if !o.State.Open() || o.DueAt.IsZero() {
		return ""
	}
	switch {
	case o.Overdue || now.After(o.DueAt):
		return "red"
	case !o.WarnAt.IsZero() && now.After(o.WarnAt):
		return "yellow"
	}
	return "green"
}

// WorkOrderInput is a new request, from any channel.
type WorkOrderInput struct {
	ServiceCode       string
	Channel           Channel
	Priority          Priority // empty: normal
	RequesterPersonID int64    // a resident of the registry
	ContactName       string   // someone not registered
	ContactPhone      string
	ContactEmail      string
	Anonymous         bool
	Address           string
	Lat, Lon          float64
	HasPoint          bool
	AreaID            int64 // grid or community; 0: the actor's own (or the person's grid)
	Title             string
	Description       string
	Answers           map[string][]string
	AttachmentNames   []string // uploaded first (see the store's attachments)
	IdempotencyKey    string
	Open311Token      bool // Open311: answer with a token
}

// WOActionInput carries what an action needs besides its name.
type WOActionInput struct {
	Action      WOAction
	Note        string    // reason, reply, comment
	UnitID      int64     // dispatch: the lead unit
	CoUnitIDs   []int64   // dispatch: co-handlers (协办)
	Override    bool      // dispatch: the clerk chose another unit than the map's
	NewDue      time.Time // request_extension: the deadline asked for
	Rating      int       // rate: 1..5
	Solved      bool      // rate: the requester says it is solved
	RatingTags  []string
	Public      bool   // the note is shown to the requester
	DuplicateOf int64  // mark_duplicate: the order it merges into
	Version     int64  // the version read (optimistic lock); 0 skips the check
	Channel     string // rate: web, callback, open311
	// Certificate is the number of the certificate issued with an answer
	// or a resolve; only the store's IssueCertificate sets it (Act clears
	// it), and the event records it.
	Certificate string
}
