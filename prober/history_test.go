package prober

import (
	"runtime"
	"strings"
	"testing"
)

func TestHistoryKeepsFailuresLonger(t *testing.T) {
	h := NewHistory(3, 1<<30)
	add := func(target string, ok bool) {
		r := &Report{Target: target, metrics: newMetricSet()}
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
	// Ids start at 1, so that /logs?id=0 is never a probe.
	if e := h.Get(1); e == nil || e.Target != "fail-1" {
		t.Errorf("Get(1) = %+v, want fail-1", e)
	}
	if e := h.Get(3); e != nil {
		t.Errorf("Get(3) = %+v, want nil: ok-1 has been pushed out", e)
	}
	if last := h.LastID(); last != 6 {
		t.Errorf("LastID() = %d, want 6", last)
	}
}

func TestHistoryLimitZeroKeepsNothing(t *testing.T) {
	h := NewHistory(0, 1<<30)
	h.Add(&Report{metrics: newMetricSet()})
	if n := len(h.List()); n != 0 {
		t.Errorf("kept %d probes with limit 0", n)
	}
}

// The history's byte bound holds only if a report's estimate is at least
// what it takes: keep 200 real reports alive and weigh them.
func TestReportMemorySizeIsAnUpperBound(t *testing.T) {
	addr := closedPort(t)
	m := mustModule(t, "prober: http\nhttp: {http_headers: [{name: X-Probe, value: readiness}]}")
	target := "http://" + addr + "/" + strings.Repeat("p", 900)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	reports := make([]*Report, 200)
	var estimated int64
	for i := range reports {
		reports[i] = runProbe(t, target, m)
		estimated += reports[i].memorySize()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("200 reports hold %d bytes, %d each; estimated %d each", held, held/200, estimated/200)
	if held > estimated {
		t.Errorf("200 reports hold %d bytes, more than the %d estimated: raise reportOverhead", held, estimated)
	}
	runtime.KeepAlive(reports)
}
