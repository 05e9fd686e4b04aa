package prober

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"
)

// Slots bound the probe sockets open at once (--probe.max-concurrent): a
// probe takes one slot, a sweep one per connect it runs in parallel, so
// that a flood of scrapes cannot exhaust the process's file descriptors
// or the node's ports. Requests that find every slot taken wait, a
// bounded number of them, each no longer than its deadline allows.
type Slots struct {
	sem        *semaphore.Weighted
	capacity   int64
	waiting    atomic.Int64
	maxWaiting int64

	inFlight prometheus.Gauge
}

// ErrBusy is why a probe did not get its slots: too many probes running
// and waiting already, or none freed before its deadline.
var ErrBusy = errors.New("too many probes are running")

// NewSlots allows capacity sockets at once, and as many requests again to
// wait for them; it registers the in-flight and limit gauges with reg.
func NewSlots(capacity int, reg prometheus.Registerer) *Slots {
	s := &Slots{
		sem:        semaphore.NewWeighted(int64(capacity)),
		capacity:   int64(capacity),
		maxWaiting: int64(capacity),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kubeprobe_exporter_probes_in_flight",
			Help: "Probes running now.",
		}),
	}
	reg.MustRegister(s.inFlight, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kubeprobe_exporter_probes_max_concurrent",
		Help: "Probe sockets allowed at once (--probe.max-concurrent); a sweep takes one per port it connects from at a time.",
	}, func() float64 { return float64(capacity) }))
	return s
}

// acquire takes n slots, waiting until waitUntil at the latest; release
// gives them back.
func (s *Slots) acquire(ctx context.Context, n int, waitUntil time.Time) (release func(), err error) {
	w := min(int64(n), s.capacity)
	if !s.sem.TryAcquire(w) {
		if err := s.wait(ctx, w, waitUntil); err != nil {
			return nil, err
		}
	}
	s.inFlight.Inc()
	return func() {
		s.inFlight.Dec()
		s.sem.Release(w)
	}, nil
}

func (s *Slots) wait(ctx context.Context, w int64, waitUntil time.Time) error {
	if time.Until(waitUntil) <= 0 {
		return ErrBusy
	}
	if s.waiting.Add(1) > s.maxWaiting {
		s.waiting.Add(-1)
		return ErrBusy
	}
	defer s.waiting.Add(-1)
	ctx, cancel := context.WithDeadline(ctx, waitUntil)
	defer cancel()
	if err := s.sem.Acquire(ctx, w); err != nil {
		return ErrBusy
	}
	return nil
}
