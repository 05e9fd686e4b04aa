package shadow

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	clocktesting "k8s.io/utils/clock/testing"
)

// managerFixture is a Manager on a fake clock whose probes answer from
// scripts.
type managerFixture struct {
	t     *testing.T
	clock *clocktesting.FakeClock
	m     *Manager
	reg   *prometheus.Registry
	ticks atomic.Int64
}

func newManagerFixture(t *testing.T) *managerFixture {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	// Long after the manager started: no start jitter.
	c := clocktesting.NewFakeClock(time.Unix(1_000_000, 0))
	m := NewManager(ctx, c)
	c.Step(time.Hour)
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	f := &managerFixture{t: t, clock: c, m: m, reg: reg}
	m.ticked = func() { f.ticks.Add(1) }
	return f
}

func entry(name string, typ ProbeType, s *script, spec Spec) Probe {
	spec.Type = typ
	return Probe{Key: Key{Container: name}, Spec: spec, Run: s.probe, Identity: name + string(typ)}
}

// step advances the clock once every running worker waits on it (one
// ticker, or the start jitter, each), waits for every worker to have
// finished the tick, then for every script to have been called as often
// as it says. Waiting for one waiter only would let a worker still in its
// first tick miss the step, and take its ticker from the stepped time.
func (f *managerFixture) step(d time.Duration, want map[*script]int) {
	f.t.Helper()
	workers := int64(f.runningWorkers())
	waitFor(f.t, func() bool { return int64(f.clock.Waiters()) >= workers })
	before := f.ticks.Load()
	f.clock.Step(d)
	waitFor(f.t, func() bool { return f.ticks.Load() >= before+workers })
	for s, n := range want {
		waitCalls(f.t, s, n)
	}
}

// runningWorkers counts the workers whose loop has not ended.
func (f *managerFixture) runningWorkers() int {
	n := 0
	for _, v := range f.m.views() {
		select {
		case <-v.r.loop.stopped:
		default:
			n++
		}
	}
	return n
}

func (f *managerFixture) value(name string, labelPairs ...string) float64 {
	f.t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labelPairs); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					found = found || (lp.GetName() == labelPairs[i] && lp.GetValue() == labelPairs[i+1])
				}
				if !found {
					continue next
				}
			}
			switch {
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

func TestManagerRunsStartupThenReadiness(t *testing.T) {
	f := newManagerFixture(t)
	startup := &script{runs: []Run{refused, refused, ok}}
	readiness := &script{runs: []Run{ok}}
	spec := Spec{Period: 5 * time.Second, FailureThreshold: 5}
	f.m.Sync(configGroup, []Probe{entry("kafka", Startup, startup, spec), entry("kafka", Readiness, readiness, spec)}, nil)
	waitCalls(t, startup, 1) // at once
	f.step(5*time.Second, map[*script]int{startup: 2})
	if readiness.count() != 0 {
		t.Fatalf("readiness probed %d times before the startup probe succeeded", readiness.count())
	}
	// The startup probe succeeds: readiness is probed at once, not a
	// period later.
	f.step(5*time.Second, map[*script]int{startup: 3, readiness: 1})
	waitFor(t, func() bool {
		return f.value("kubeprobe_shadow_ready", "container", "kafka", "probe_type", "readiness") == 1
	})
	if got := f.value("kubeprobe_shadow_probes_total", "container", "kafka", "probe_type", "startup", "outcome", "refused"); got != 2 {
		t.Errorf("startup refusals counted %v, want 2", got)
	}
	if got := f.value("kubeprobe_shadow_ready", "container", "kafka", "probe_type", "startup"); got != 1 {
		t.Errorf("kubeprobe_shadow_ready{probe_type=startup} = %v, want 1", got)
	}
}

// A configured entry whose liveness probe fails is restarted as kubelet
// would restart it: counted, and probed again after its initial delay.
func TestManagerRestartsAConfiguredEntryOnLivenessFailure(t *testing.T) {
	f := newManagerFixture(t)
	live := &script{runs: []Run{refused}}
	f.m.Sync(configGroup, []Probe{entry("web", Liveness, live, Spec{Period: time.Second, FailureThreshold: 2, InitialDelay: 3 * time.Second})}, nil)
	f.step(time.Second, nil)                      // 1s: in the initial delay
	f.step(time.Second, nil)                      // 2s
	f.step(time.Second, map[*script]int{live: 1}) // 3s: the first failure
	f.step(time.Second, map[*script]int{live: 2}) // 4s: the second: kubelet restarts it
	waitFor(t, func() bool {
		return f.value("kubeprobe_shadow_would_restart_total", "container", "web", "probe_type", "liveness") == 1
	})
	// Restarted after kubelet's 10s back-off: nothing for the back-off
	// and the 3s of initial delay, then probed again.
	calls := live.count()
	for range 12 {
		f.step(time.Second, nil)
	}
	if live.count() != calls {
		t.Errorf("probed during the back-off or the restarted container's initial delay")
	}
	f.step(time.Second, map[*script]int{live: calls + 1})
	if got := f.value("kubeprobe_shadow_ready", "container", "web", "probe_type", "liveness"); got != 1 {
		t.Errorf("the restarted container's liveness holds %v, want kubelet's initial success", got)
	}
}

// A Sync keeps the state of probes that did not change and drops the
// series of those that are gone.
func TestManagerSyncKeepsUnchangedProbes(t *testing.T) {
	f := newManagerFixture(t)
	a, b := &script{runs: []Run{refused}}, &script{runs: []Run{ok}}
	spec := Spec{Period: time.Second, FailureThreshold: 10}
	f.m.Sync(configGroup, []Probe{entry("a", Readiness, a, spec), entry("b", Readiness, b, spec)}, nil)
	f.step(time.Second, map[*script]int{a: 2, b: 2})
	f.step(time.Second, map[*script]int{a: 3, b: 3})
	waitFor(t, func() bool { return f.value("kubeprobe_shadow_consecutive_failures", "container", "a") == 3 })
	f.m.Sync(configGroup, []Probe{entry("a", Readiness, a, spec)}, []Unsupported{{Key: Key{"ns", "p", "c"}, Type: Liveness, Handler: "exec"}})
	if got := f.value("kubeprobe_shadow_consecutive_failures", "container", "a"); got != 3 {
		t.Errorf("a's failures after a Sync that kept it: %v, want 3", got)
	}
	if got := f.value("kubeprobe_shadow_ready", "container", "b"); got != -1 {
		t.Errorf("b's series after a Sync that dropped it: %v, want none", got)
	}
	if got := testutil.CollectAndCount(f.m, "kubeprobe_shadow_probes_total"); got != 1 {
		t.Errorf("%d probes_total series left, want a's alone", got)
	}
	if got := f.value("kubeprobe_shadow_unsupported_probes", "pod", "p", "handler", "exec"); got != 1 {
		t.Errorf("unsupported exec probe: %v", got)
	}
}

func TestManagerTellsOverdueStartupFromUsual(t *testing.T) {
	f := newManagerFixture(t)
	never := &script{runs: []Run{refused}}
	spec := Spec{Period: 5 * time.Second, FailureThreshold: 3} // a budget of 10s: the third failure comes two periods after the first
	f.m.Sync(configGroup, []Probe{entry("never", Readiness, never, spec)}, nil)
	for range 2 {
		f.step(5*time.Second, nil)
	}
	if got := f.value("kubeprobe_shadow_startup_overdue", "container", "never"); got != 0 {
		t.Errorf("overdue at 10s of a 10s budget: %v", got)
	}
	f.step(5*time.Second, nil)
	waitFor(t, func() bool { return f.value("kubeprobe_shadow_startup_overdue", "container", "never") == 1 })
	if got := f.value("kubeprobe_shadow_starting_seconds", "container", "never"); got < 15 {
		t.Errorf("starting for %vs, want 15", got)
	}
	mfs, _ := f.reg.Gather()
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	if !strings.Contains(strings.Join(names, " "), "kubeprobe_shadow_startup_usual_seconds") {
		t.Errorf("no usual start-up series in %v", names)
	}
}

// A readiness probe whose container takes longer to start than the
// probe's budget: the metrics say the schedule that would cover it, as
// /shadow does.
func TestManagerExportsTheRecommendedSchedule(t *testing.T) {
	f := newManagerFixture(t)
	slow := &script{runs: []Run{refused, refused, refused, refused, refused, ok}}
	spec := Spec{Period: 5 * time.Second, FailureThreshold: 3} // a budget of 10s
	f.m.Sync(configGroup, []Probe{entry("slow", Readiness, slow, spec)}, nil)
	waitCalls(t, slow, 1)
	for i := range 5 {
		f.step(5*time.Second, map[*script]int{slow: i + 2})
	}
	waitFor(t, func() bool { return f.value("kubeprobe_shadow_startup_longest_seconds", "container", "slow") == 25 })
	if got := f.value("kubeprobe_shadow_startup_budget_seconds", "container", "slow"); got != 10 {
		t.Errorf("budget %v, want 10", got)
	}
	// 25s with a quarter to spare: 32s, seven periods of 5s after the
	// first probe, so a failureThreshold of eight.
	if got := f.value("kubeprobe_shadow_recommended_initial_delay_seconds", "container", "slow"); got != 32 {
		t.Errorf("recommended initialDelaySeconds %v, want 32", got)
	}
	if got := f.value("kubeprobe_shadow_recommended_startup_failure_threshold", "container", "slow", "period_seconds", "5"); got != 8 {
		t.Errorf("recommended failureThreshold %v, want 8", got)
	}
}

// The restart counter is there from the start, at 0, for the probes that
// restart: an alert on its increase sees the first restart.
func TestManagerCountsRestartsFromZero(t *testing.T) {
	f := newManagerFixture(t)
	live, ready := &script{runs: []Run{ok}}, &script{runs: []Run{ok}}
	spec := Spec{Period: time.Second, FailureThreshold: 3}
	f.m.Sync(configGroup, []Probe{entry("web", Liveness, live, spec), entry("web", Readiness, ready, spec)}, nil)
	if got := f.value("kubeprobe_shadow_would_restart_total", "container", "web", "probe_type", "liveness"); got != 0 {
		t.Errorf("liveness restarts before any: %v, want 0", got)
	}
	if got := f.value("kubeprobe_shadow_would_restart_total", "container", "web", "probe_type", "readiness"); got != -1 {
		t.Errorf("a readiness probe has a restart counter (%v): it never restarts", got)
	}
}
