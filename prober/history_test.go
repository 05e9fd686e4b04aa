package prober

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestHistoryKeepsFailuresLonger(t *testing.T) {
	h := NewHistory(3, 1<<30)
	add := func(target string, ok bool) {
		r := &Report{Target: target, Registry: prometheus.NewRegistry()}
		if !ok {
			r.Verdict = failure("down")
		}
		h.Add(r)
	}
	add("fail-1", false)
	add("fail-2", false)
	for _, s := range []string{"ok-1", "ok-2", "ok-3", "ok-4"} {
		add(s, true)
	}
	var got []string
	for _, e := range h.List() {
		got = append(got, e.Target)
	}
	want := []string{"ok-4", "ok-3", "ok-2", "fail-2", "fail-1"}
	if len(got) != len(want) {
		t.Fatalf("history = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("history = %v, want %v", got, want)
		}
	}
	if e := h.Get(0); e == nil || e.Target != "fail-1" {
		t.Errorf("Get(0) = %+v, want fail-1", e)
	}
	if e := h.Get(2); e != nil {
		t.Errorf("Get(2) = %+v, want nil: ok-1 has been pushed out", e)
	}
}

func TestHistoryLimitZeroKeepsNothing(t *testing.T) {
	h := NewHistory(0, 1<<30)
	h.Add(&Report{Registry: prometheus.NewRegistry()})
	if n := len(h.List()); n != 0 {
		t.Errorf("kept %d probes with limit 0", n)
	}
}
