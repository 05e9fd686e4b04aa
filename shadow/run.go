package shadow

import (
	"context"
	"math/rand/v2"
	"time"

	"k8s.io/utils/clock"
)

// loop runs a worker as kubelet's run does: after a random part of a
// period if the prober itself started less than a period ago (so that
// workers started together do not probe together), then at once and on
// every tick, or when triggered, until the worker is done or ctx ends.
type loop struct {
	w       *worker
	clock   clock.WithTicker
	started time.Time // when the manager started, kubelet's start
	trigger chan struct{}
	stopped chan struct{}
	// ticked, when set, hears every tick the worker has finished: tests
	// step their fake clock in time with it.
	ticked func()
}

func newLoop(w *worker, c clock.WithTicker, managerStart time.Time) *loop {
	return &loop{w: w, clock: c, started: managerStart, trigger: make(chan struct{}, 1), stopped: make(chan struct{})}
}

func (l *loop) run(ctx context.Context) {
	defer close(l.stopped)
	period := l.w.spec.Period
	if period > l.clock.Since(l.started) {
		select {
		case <-l.clock.After(time.Duration(rand.Float64() * float64(period))):
		case <-ctx.Done():
			return
		}
	}
	ticker := l.clock.NewTicker(period)
	defer ticker.Stop()
	for l.tick(ctx) {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
		case <-l.trigger:
			ticker.Stop() // kubelet resets its ticker on a manual trigger
			ticker = l.clock.NewTicker(period)
		}
	}
}

func (l *loop) tick(ctx context.Context) bool {
	keepGoing := l.w.doProbe(ctx)
	if l.ticked != nil {
		l.ticked()
	}
	return keepGoing
}

// poke makes the worker probe now, as kubelet does for readiness once a
// container's startup probe has succeeded.
func (l *loop) poke() {
	select {
	case l.trigger <- struct{}{}:
	default:
	}
}
