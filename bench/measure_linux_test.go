package bench

import (
	"fmt"
	"time"
)

// resumeSettle lets a competitor continued after a pause catch up on what
// queued meanwhile (timers, segments its capture kept) before it is
// measured.
const resumeSettle = 300 * time.Millisecond

// load is one wrk run's settings.
type load struct {
	Probe       string // tcp or http: the module
	Target      string
	Concurrency int
	Duration    time.Duration
	// Successes counts, since some time before, the probes that succeeded.
	Successes func() (float64, error)
}

// measure continues c, checks that its probe succeeds, runs wrk against
// it, and pauses it again: throughput and latency from wrk, CPU per probe
// from /proc/PID/stat over the run, the resident peak since the run began,
// and how many of wrk's requests were answered with a failed probe.
func measure(c *competitor, l load) (sample, error) {
	s := sample{Competitor: c.Name, Probe: l.Probe, Concurrency: l.Concurrency}
	if err := c.resume(); err != nil {
		return s, err
	}
	defer c.pause()
	time.Sleep(resumeSettle)
	url := c.probeURL(l.Probe, l.Target)
	if err := c.verify(url); err != nil {
		return s, err
	}
	if err := resetPeakRSS(c.pid()); err != nil {
		return s, fmt.Errorf("resetting the peak RSS of %s: %w", c.Name, err)
	}
	// Successes may ask the competitor's /metrics: outside the CPU window.
	succeededBefore, err := l.Successes()
	if err != nil {
		return s, err
	}
	meter, err := startCPUMeter(c.pid())
	if err != nil {
		return s, err
	}
	w, err := runWrk(url, l.Concurrency, l.Duration)
	if err != nil {
		return s, err
	}
	cpu, _, err := meter.read()
	if err != nil {
		return s, err
	}
	succeeded, err := l.Successes()
	if err != nil {
		return s, err
	}
	// A probe wrk gave up on at the end may have succeeded all the same.
	s.Failed = max(0, w.Requests-int(succeeded-succeededBefore))
	if s.PeakMiB, err = memoryMiB(c.pid(), "VmHWM"); err != nil {
		return s, err
	}
	s.Requests, s.PerSecond, s.P50, s.P99, s.Errors = w.Requests, w.PerSecond, w.P50, w.P99, w.Errors
	if w.Requests > 0 {
		s.CPUPerProbe = cpu / float64(w.Requests)
	}
	return s, nil
}
