package linli_test

import (
	"errors"
	"testing"
	"time"

	"github.com/linli-org/linli"
)

// allowed is the transition table written out by hand, one line per
// allowed (state, action) pair: the test fails if the table in
// workorder.go allows anything else or refuses any of these.
var allowed = map[linli.WOState]map[linli.WOAction]linli.WOState{
	linli.WOAccepted: {
		linli.ActAnswer: linli.WOAnswered, linli.ActDispatch: linli.WODispatched, linli.ActVoid: linli.WOVoid,
		linli.ActMarkDuplicate: linli.WODuplicate, linli.ActWithdraw: linli.WOWithdrawn,
	},
	linli.WOAnswered: {linli.ActArchive: linli.WOArchived},
	linli.WODispatched: {
		linli.ActSign: linli.WOInProgress, linli.ActRequestReturn: linli.WOReturnRequested, linli.ActDispatch: linli.WODispatched,
		linli.ActVoid: linli.WOVoid, linli.ActMarkDuplicate: linli.WODuplicate, linli.ActWithdraw: linli.WOWithdrawn,
	},
	linli.WOReturnRequested: {linli.ActApproveReturn: linli.WOAccepted, linli.ActRejectReturn: linli.WODispatched},
	linli.WOInProgress: {
		linli.ActContact: linli.WOContacted, linli.ActRequestExtension: linli.WOExtensionRequested, linli.ActDefer: linli.WODeferred,
		linli.ActResolve: linli.WOResolved, linli.ActRequestReturn: linli.WOReturnRequested, linli.ActWithdraw: linli.WOWithdrawn,
	},
	linli.WOContacted: {
		linli.ActRequestExtension: linli.WOExtensionRequested, linli.ActDefer: linli.WODeferred, linli.ActResolve: linli.WOResolved,
		linli.ActWithdraw: linli.WOWithdrawn,
	},
	linli.WOExtensionRequested: {linli.ActGrantExtension: linli.WOInProgress, linli.ActDenyExtension: linli.WOInProgress, linli.ActResolve: linli.WOResolved},
	linli.WODeferred:           {linli.ActResume: linli.WOInProgress, linli.ActResolve: linli.WOResolved},
	linli.WOResolved:           {linli.ActRate: linli.WOVerified, linli.ActCloseUnrated: linli.WOArchived},
	linli.WOVerified:           {linli.ActReopen: linli.WOReopened, linli.ActArchive: linli.WOArchived},
	linli.WOReopened: {
		linli.ActContact: linli.WOContacted, linli.ActRequestExtension: linli.WOExtensionRequested, linli.ActDefer: linli.WODeferred,
		linli.ActResolve: linli.WOResolved,
	},
}

var allActions = []linli.WOAction{linli.ActAnswer, linli.ActDispatch, linli.ActSign, linli.ActRequestReturn, linli.ActApproveReturn,
	linli.ActRejectReturn, linli.ActContact, linli.ActRequestExtension, linli.ActGrantExtension, linli.ActDenyExtension, linli.ActDefer,
	linli.ActResume, linli.ActResolve, linli.ActRate, linli.ActReopen, linli.ActCloseUnrated, linli.ActArchive, linli.ActVoid,
	linli.ActMarkDuplicate, linli.ActWithdraw}

// Every (state, action) pair: allowed ones lead where the list says,
// every other one is refused with an *ErrTransition that is a conflict.
func TestTransitionsEveryPair(t *testing.T) {
	nAllowed, nRefused := 0, 0
	for _, st := range linli.WOStates {
		for _, act := range allActions {
			got, err := linli.Next(st, act)
			want, ok := allowed[st][act]
			switch {
			case ok && err != nil:
				t.Errorf("Next(%s, %s) = %v, want %s", st, act, err, want)
			case ok && got != want:
				t.Errorf("Next(%s, %s) = %s, want %s", st, act, got, want)
			case ok:
				nAllowed++
			case err == nil:
				t.Errorf("Next(%s, %s) = %s, want refused", st, act, got)
			default:
				var te *linli.ErrTransition
				if !errors.As(err, &te) || !errors.Is(err, linli.ErrConflict) || got != st {
					t.Errorf("Next(%s, %s) = %s, %v; want the state kept and an ErrTransition conflict", st, act, got, err)
				}
				nRefused++
			}
		}
	}
	if nAllowed+nRefused != len(linli.WOStates)*len(allActions) || nAllowed != 37 {
		t.Errorf("checked %d allowed and %d refused pairs, want 37 allowed of %d", nAllowed, nRefused, len(linli.WOStates)*len(allActions))
	}
}

// Every state is reachable from accepted, and every open state can still
// reach a closed one.
func TestTransitionsReachability(t *testing.T) {
	seen := map[linli.WOState]bool{linli.WOAccepted: true}
	queue := []linli.WOState{linli.WOAccepted}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, to := range linli.Transitions[s] {
			if !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	for _, s := range linli.WOStates {
		if !seen[s] {
			t.Errorf("state %s is not reachable from accepted", s)
		}
		if s.Open() && s.Final() {
			t.Errorf("state %s is open but final", s)
		}
	}
	if len(linli.Transitions) != len(linli.WOStates) {
		t.Errorf("Transitions has %d states, WOStates %d", len(linli.Transitions), len(linli.WOStates))
	}
}

func TestStateClocked(t *testing.T) {
	for _, s := range linli.WOStates {
		want := s == linli.WOInProgress || s == linli.WOContacted || s == linli.WOExtensionRequested || s == linli.WOReopened || s == linli.WOReturnRequested
		if s.Clocked() != want {
			t.Errorf("%s.Clocked() = %v, want %v", s, s.Clocked(), want)
		}
	}
	if linli.WODeferred.Clocked() {
		t.Error("deferred (挂账) must pause the clock")
	}
}

func TestLight(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	o := linli.WorkOrder{State: linli.WOInProgress, WarnAt: now.Add(time.Hour), DueAt: now.Add(2 * time.Hour)}
	for _, c := range []struct {
		at   time.Time
		want string
	}{{now, "green"}, {now.Add(90 * time.Minute), "yellow"}, {now.Add(3 * time.Hour), "red"}} {
		if got := o.Light(c.at); got != c.want {
			t.Errorf("Light(%s) = %q, want %q", c.at, got, c.want)
		}
	}
	o.State = linli.WOResolved
	if got := o.Light(now.Add(3 * time.Hour)); got != "" {
		t.Errorf("Light of a resolved order = %q, want none", got)
	}
}

func TestForbiddenCertificate(t *testing.T) {
	for _, c := range []struct {
		text string
		want string
	}{
		{"我需要开一份无犯罪记录证明", "无犯罪记录证明"},
		{"请社区出具亲属关系证明", "亲属关系证明"},
		{"开具居住证明，用于孩子入学", ""},
	} {
		name, ref, ok := linli.ForbiddenCertificate(c.text)
		if name != c.want || ok != (c.want != "") || (ok && ref == "") {
			t.Errorf("ForbiddenCertificate(%q) = %q, %q, %v; want %q", c.text, name, ref, ok, c.want)
		}
	}
	if len(linli.ForbiddenCertificates) != 20 {
		t.Errorf("ForbiddenCertificates has %d entries, want the 20 of 民发〔2020〕20号", len(linli.ForbiddenCertificates))
	}
}
