package shadow

import (
	"context"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// maxTries is kubelet's maxProbeRetries: a probe that errors is tried
// again at once, three times in all, before its result is thrown away.
const maxTries = 3

// ProbeFunc runs the probe once, within timeout.
type ProbeFunc func(ctx context.Context, timeout time.Duration) Run

// worker is one container's probe of one type, deciding as kubelet's
// worker decides (doProbe in pkg/kubelet/prober/worker.go).
type worker struct {
	spec   Spec
	probe  ProbeFunc
	status func() (Container, bool) // false: no status yet
	clock  clock.PassiveClock
	notify observer

	mu          sync.Mutex
	containerID string
	cached      Result // what kubelet holds for the probe
	lastResult  Result
	resultRun   int
	onHold      bool
	startedAt   time.Time // of the container whose start-up is watched
	firstOK     bool      // a probe of this container has succeeded
	refusedOnly bool      // every failure before the first success was refused
	failedOnce  bool      // some probe of this container failed
	last        Run
}

// observer hears what a worker decides, for the metrics.
type observer interface {
	probed(w *worker, run Run, took time.Duration)
	// set hears what kubelet holds change; decided is true when probes
	// decided it, false when the container's state did (not running).
	set(w *worker, r Result, decided bool)
	firstSuccess(w *worker, after time.Duration, failuresBefore string)
}

func newWorker(spec Spec, probe ProbeFunc, status func() (Container, bool), c clock.PassiveClock, o observer) *worker {
	return &worker{spec: spec.WithDefaults(), probe: probe, status: status, clock: c, notify: o, cached: initialResult(spec.Type)}
}

// doProbe is one tick of the worker: it probes if kubelet would, and
// updates what kubelet would hold. It reports false when the worker is
// done: the container terminated for good, or the pod is going away.
func (w *worker) doProbe(ctx context.Context) (keepGoing bool) {
	c, ok := w.status()
	if !ok || c.ID == "" {
		return true // no status yet: wait for more information
	}
	if c.Done {
		w.setResult(Failure)
		return false
	}
	w.follow(c)
	if w.held() {
		return true
	}
	if !c.Running {
		w.setResult(Failure)
		return true
	}
	if c.Deleting && w.spec.Type != Readiness {
		w.setResult(Success)
		return false
	}
	if w.clock.Since(c.StartedAt) < w.spec.InitialDelay {
		return true
	}
	if c.Started == (w.spec.Type == Startup) {
		// Startup probes run until the container has started, the others
		// only after.
		return true
	}
	run, ok := w.tryProbe(ctx)
	if !ok {
		return true // errored every time: kubelet throws the result away
	}
	w.decide(c, run)
	return true
}

// follow resets the worker for a container it has not seen: a new one,
// or the same one restarted.
func (w *worker) follow(c Container) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.containerID == c.ID {
		return
	}
	w.containerID = c.ID
	w.onHold = false
	w.startedAt, w.firstOK, w.refusedOnly, w.failedOnce = c.StartedAt, false, true, false
	w.setLocked(initialResult(w.spec.Type), false)
}

func (w *worker) held() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.onHold
}

// tryProbe runs the probe, trying again at once while it errors, and
// reports false when every try errored.
func (w *worker) tryProbe(ctx context.Context) (Run, bool) {
	var run Run
	for range maxTries {
		start := w.clock.Now()
		run = w.probe(ctx, w.spec.Timeout)
		w.notify.probed(w, run, w.clock.Since(start))
		if !run.Errored {
			return run, true
		}
	}
	return run, false
}

// decide counts the result and changes what kubelet holds once enough
// results in a row agree.
func (w *worker) decide(c Container, run Run) {
	result := Failure
	if run.Success {
		result = Success
	}
	w.mu.Lock()
	w.last = run
	w.watchStartup(c, run)
	if w.lastResult == result {
		w.resultRun++
	} else {
		w.lastResult, w.resultRun = result, 1
	}
	threshold := w.spec.FailureThreshold
	if result == Success {
		threshold = w.spec.SuccessThreshold
	}
	if w.resultRun < threshold {
		w.mu.Unlock()
		return
	}
	w.setLocked(result, true)
	if (w.spec.Type == Liveness && result == Failure) || w.spec.Type == Startup {
		// Liveness failed: the container is restarted, and nothing is
		// probed until the new one runs. Startup decided: it is done.
		w.onHold, w.resultRun = true, 0
	}
	w.mu.Unlock()
}

// watchStartup learns how long the container took to first succeed, and
// whether it only refused until then. Called with mu held.
func (w *worker) watchStartup(c Container, run Run) {
	if w.firstOK {
		return
	}
	if !run.Success {
		w.failedOnce = true
		w.refusedOnly = w.refusedOnly && run.Outcome == "refused"
		return
	}
	w.firstOK = true
	before := "none"
	switch {
	case w.failedOnce && w.refusedOnly:
		before = "refused"
	case w.failedOnce:
		before = "other"
	}
	w.notify.firstSuccess(w, w.clock.Since(c.StartedAt), before)
}

// setResult is what kubelet holds when the container's state decides it.
func (w *worker) setResult(r Result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.setLocked(r, false)
}

func (w *worker) setLocked(r Result, decided bool) {
	if w.cached == r {
		return
	}
	w.cached = r
	w.notify.set(w, r, decided)
}

// state is what the metrics read of a worker.
type state struct {
	cached              Result
	consecutiveFailures int
	starting            time.Duration // since the container started, until a first success
	last                Run
}

func (w *worker) state() state {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := state{cached: w.cached, last: w.last}
	if w.lastResult == Failure {
		s.consecutiveFailures = w.resultRun
	}
	if !w.firstOK && !w.startedAt.IsZero() {
		s.starting = w.clock.Since(w.startedAt)
	}
	return s
}
