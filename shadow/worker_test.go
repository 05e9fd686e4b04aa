package shadow

import (
	"context"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// script is a probe that answers from a list, counting its calls.
type script struct {
	mu    sync.Mutex
	runs  []Run
	calls int
}

func (s *script) probe(context.Context, time.Duration) Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runs[min(s.calls, len(s.runs)-1)]
	s.calls++
	return r
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

var (
	ok      = Run{Success: true, Outcome: "success"}
	refused = Run{Outcome: "refused", Output: "dial tcp 198.18.0.2:9092: connect: connection refused"}
	errored = Run{Errored: true, Outcome: "error"}
)

// recorder is an observer that keeps what it hears.
type recorder struct {
	sets     []Result
	runs     []Run
	firstOK  []time.Duration
	firstWhy []string
}

func (r *recorder) probed(_ *worker, run Run, _ time.Duration) { r.runs = append(r.runs, run) }
func (r *recorder) set(_ *worker, res Result, _ bool)          { r.sets = append(r.sets, res) }
func (r *recorder) firstSuccess(_ *worker, after time.Duration, why string) {
	r.firstOK, r.firstWhy = append(r.firstOK, after), append(r.firstWhy, why)
}

// fixture is one worker on a fake clock, with a container that started
// at the clock's start.
type fixture struct {
	t     *testing.T
	clock *clocktesting.FakeClock
	c     Container
	has   bool
	probe *script
	rec   *recorder
	w     *worker
}

func newFixture(t *testing.T, spec Spec, runs ...Run) *fixture {
	f := &fixture{t: t, clock: clocktesting.NewFakeClock(time.Unix(1_000_000, 0)), probe: &script{runs: runs}, rec: &recorder{}, has: true}
	f.c = Container{ID: "c1", Running: true, StartedAt: f.clock.Now(), Started: spec.Type != Startup}
	f.w = newWorker(spec, f.probe.probe, func() (Container, bool) { return f.c, f.has }, f.clock, f.rec)
	return f
}

// tick runs doProbe once, after d, and checks what kubelet would hold.
func (f *fixture) tick(d time.Duration, wantCalls int, want Result) {
	f.t.Helper()
	f.clock.Step(d)
	if !f.w.doProbe(context.Background()) {
		f.t.Fatalf("the worker stopped")
	}
	if f.probe.calls != wantCalls || f.w.state().cached != want {
		f.t.Fatalf("after %v: %d probes, holding %s; want %d probes, holding %s", d, f.probe.calls, f.w.state().cached, wantCalls, want)
	}
}

func TestWorkerStartsFromKubeletsInitialValues(t *testing.T) {
	for typ, want := range map[ProbeType]Result{Readiness: Failure, Liveness: Success, Startup: Unknown} {
		if got := newFixture(t, Spec{Type: typ}, ok).w.state().cached; got != want {
			t.Errorf("%s starts holding %s, want %s", typ, got, want)
		}
	}
}

func TestWorkerWaitsForStatusAndTheInitialDelay(t *testing.T) {
	f := newFixture(t, Spec{Type: Readiness, InitialDelay: 15 * time.Second, Period: 5 * time.Second}, ok)
	f.has = false
	f.tick(20*time.Second, 0, Failure) // no status: nothing to probe
	f.has = true
	f.c.StartedAt = f.clock.Now()
	f.tick(5*time.Second, 0, Failure) // 5s into a 15s delay
	f.tick(5*time.Second, 0, Failure) // 10s
	f.tick(5*time.Second, 1, Success) // 15s: the first probe, and one success is enough
	f.tick(5*time.Second, 2, Success)
}

func TestWorkerNeedsThresholdsInARow(t *testing.T) {
	f := newFixture(t, Spec{Type: Readiness, SuccessThreshold: 2, FailureThreshold: 3}, ok, ok, refused, refused, ok, refused, refused, refused)
	f.tick(0, 1, Failure) // one success of the two needed
	f.tick(0, 2, Success)
	f.tick(0, 3, Success) // one failure of three
	f.tick(0, 4, Success)
	f.tick(0, 5, Success) // a success breaks the run
	f.tick(0, 6, Success)
	f.tick(0, 7, Success)
	f.tick(0, 8, Failure) // three in a row
	if got := f.w.state().consecutiveFailures; got != 3 {
		t.Errorf("consecutive failures %d, want 3", got)
	}
}

func TestWorkerRetriesErrorsAndDiscardsThem(t *testing.T) {
	f := newFixture(t, Spec{Type: Readiness}, errored, errored, ok)
	f.tick(0, 3, Success) // two errors, then a success on the third try: a success
	f = newFixture(t, Spec{Type: Readiness, FailureThreshold: 1}, errored)
	f.tick(0, 3, Failure) // three errors: thrown away, nothing decided
	if f.w.state().consecutiveFailures != 0 || len(f.rec.sets) != 0 {
		t.Errorf("a discarded result counted: %d failures, sets %v", f.w.state().consecutiveFailures, f.rec.sets)
	}
	if len(f.rec.runs) != 3 {
		t.Errorf("%d tries counted, want 3", len(f.rec.runs))
	}
}

func TestLivenessHoldsAfterAFailureUntilARestart(t *testing.T) {
	f := newFixture(t, Spec{Type: Liveness, FailureThreshold: 2}, refused, refused, refused, ok)
	f.tick(0, 1, Success)
	f.tick(0, 2, Failure) // kubelet kills the container
	f.tick(0, 2, Failure) // and probes nothing until the new one runs
	f.tick(0, 2, Failure)
	f.c = Container{ID: "c2", Running: true, StartedAt: f.clock.Now(), Started: true}
	f.tick(0, 3, Success) // a new container: liveness starts over from success
	f.tick(0, 4, Success)
}

func TestStartupGatesTheOthersAndEndsOnceDecided(t *testing.T) {
	readiness := newFixture(t, Spec{Type: Readiness}, ok)
	readiness.c.Started = false
	readiness.tick(0, 0, Failure) // not started: readiness waits
	readiness.c.Started = true
	readiness.tick(0, 1, Success)

	startup := newFixture(t, Spec{Type: Startup, FailureThreshold: 3}, refused, ok, ok)
	startup.tick(0, 1, Unknown)
	startup.tick(0, 2, Success)
	startup.tick(0, 2, Success) // decided: held
	startup.c.Started = true
	startup.tick(0, 2, Success) // started: startup probes no more
}

func TestWorkerFollowsTheContainersLife(t *testing.T) {
	f := newFixture(t, Spec{Type: Liveness}, ok)
	f.c.Running = false
	f.tick(0, 0, Failure) // not running: failure, and wait
	f.c.Running, f.c.Deleting = true, true
	f.clock.Step(time.Second)
	if f.w.doProbe(context.Background()) || f.w.state().cached != Success {
		t.Errorf("a liveness worker of a pod being deleted goes on, or holds %s; want done, success", f.w.state().cached)
	}
	r := newFixture(t, Spec{Type: Readiness}, ok)
	r.c.Deleting = true
	r.tick(0, 1, Success) // readiness keeps probing a pod being deleted
	r.c.Done = true
	if r.w.doProbe(context.Background()) {
		t.Error("the worker of a container terminated for good goes on")
	}
}

// The first incident: a broker refuses until it listens 20s after it
// started; the shadow learns 20s, and that only refusals came before.
func TestWorkerLearnsHowLongStartupTakes(t *testing.T) {
	f := newFixture(t, Spec{Type: Readiness, Period: 5 * time.Second}, refused, refused, refused, refused, ok)
	for i, d := range []time.Duration{0, 5, 5, 5, 5} {
		f.tick(d*time.Second, i+1, map[bool]Result{true: Success, false: Failure}[i == 4])
		if i == 3 && f.w.state().starting != 15*time.Second {
			t.Errorf("starting for %v at 15s", f.w.state().starting)
		}
	}
	if len(f.rec.firstOK) != 1 || f.rec.firstOK[0] != 20*time.Second || f.rec.firstWhy[0] != "refused" {
		t.Errorf("learned %v %v, want 20s after refusals only", f.rec.firstOK, f.rec.firstWhy)
	}
	if f.w.state().starting != 0 {
		t.Errorf("still starting after its first success: %v", f.w.state().starting)
	}
}

// kubelet's loop: a random part of a period first when the prober has
// just started, then at once and every period.
func TestLoopJittersThenTicksEveryPeriod(t *testing.T) {
	f := newFixture(t, Spec{Type: Readiness, Period: 10 * time.Second}, ok)
	l := newLoop(f.w, f.clock, f.clock.Now())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.run(ctx)
	waitFor(t, func() bool { return f.clock.HasWaiters() })
	f.clock.Step(10 * time.Second) // past any jitter
	waitCalls(t, f.probe, 1)
	for want := 2; want <= 4; want++ {
		waitFor(t, func() bool { return f.clock.HasWaiters() })
		f.clock.Step(10 * time.Second)
		waitCalls(t, f.probe, want)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
	}
}

func waitCalls(t *testing.T, s *script, n int) {
	t.Helper()
	waitFor(t, func() bool { return s.count() >= n })
}
