package loadgen

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func TestCheckTarget(t *testing.T) {
	ok := []string{"http://127.0.0.1:8080", "http://127.8.9.10/", "https://[::1]:8443", "http://localhost:1"}
	for _, u := range ok {
		if _, err := CheckTarget(context.Background(), u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	bad := []string{"http://10.0.0.1", "http://[::ffff:10.0.0.1]:80", "http://0.0.0.0:8080", "http://[2001:db8::1]"}
	for _, u := range bad {
		if _, err := CheckTarget(context.Background(), u); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("%s: err %v, want ErrNotLoopback", u, err)
		}
	}
	for _, u := range []string{"ftp://127.0.0.1", "127.0.0.1:8080", "http://"} {
		if _, err := CheckTarget(context.Background(), u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

// The dial-time check refuses a non-loopback address even when the URL
// looked fine.
func TestLoopbackOnlyAtDial(t *testing.T) {
	if err := loopbackOnly("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("loopback refused: %v", err)
	}
	if err := loopbackOnly("tcp6", "[::1]:80", nil); err != nil {
		t.Errorf("::1 refused: %v", err)
	}
	for _, a := range []string{"10.0.0.1:80", "[2001:db8::1]:443", "nonsense"} {
		if err := loopbackOnly("tcp", a, nil); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("%s: %v, want ErrNotLoopback", a, err)
		}
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("search=3, create=1")
	if err != nil || m[OpSearch] != 3 || m[OpCreate] != 1 || m[OpKPI] != 0 {
		t.Fatalf("ParseMix = %v, %v", m, err)
	}
	for _, bad := range []string{"search", "search=-1", "jump=3", "search=0", "search=x"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Draws follow the weights.
	r := rand.New(rand.NewPCG(1, 2))
	n := map[Op]int{}
	for range 40000 {
		n[m.pick(r)]++
	}
	if n[OpSearch] < 29000 || n[OpSearch] > 31000 || n[OpCreate]+n[OpSearch] != 40000 {
		t.Errorf("draws %v, want 3:1", n)
	}
	if w := DefaultMix; w.total() != 100 || w[OpCreate]+w[OpAdvance]+w[OpRate] != 30 {
		t.Errorf("default mix %v is not 70/30 of 100", w)
	}
}

func TestSummarise(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := summarise(ds)
	if l.N != 100 || l.P50 != 50*time.Millisecond || l.P90 != 90*time.Millisecond || l.P99 != 99*time.Millisecond || l.Max != 100*time.Millisecond {
		t.Errorf("summarise = %+v", l)
	}
	if (summarise(nil) != Latency{}) {
		t.Error("empty input gives figures")
	}
}

func TestErrKind(t *testing.T) {
	cases := []struct {
		err    error
		status int
		want   string
	}{
		{nil, 201, ""}, {nil, 503, "http 503"}, {nil, 422, "http 422"},
		{context.DeadlineExceeded, 0, "timeout"}, {ErrNotLoopback, 0, "refused: not loopback"}, {errors.New("x"), 0, "other"},
	}
	for _, c := range cases {
		if got := errKind(c.err, c.status); got != c.want {
			t.Errorf("errKind(%v, %d) = %q, want %q", c.err, c.status, got, c.want)
		}
	}
}
