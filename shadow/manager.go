package shadow

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"
)

// Key names a shadowed container: a pod's, or, with no namespace and no
// pod, an entry of the configuration.
type Key struct {
	Namespace, Pod, Container string
}

func (k Key) String() string {
	if k.Pod == "" {
		return k.Container
	}
	return k.Namespace + "/" + k.Pod + "/" + k.Container
}

// Probe is one probe of a container to shadow.
type Probe struct {
	Key  Key
	Spec Spec
	Run  ProbeFunc
	// Identity changes when the probe does (its handler, target or
	// schedule): a changed probe starts over, an unchanged one keeps its
	// state across a Sync.
	Identity string
	// Target is the address kubelet connects to, when it is an IP
	// literal and the port resolved: what tells a handshake of this node
	// to this probe's target apart (ProbesAt).
	Target netip.AddrPort
}

// Manager runs a worker per probe, as kubelet's prober manager does for a
// node's pods. Containers come in groups (the configuration, one pod) that
// Sync replaces whole.
type Manager struct {
	clock   clock.WithTicker
	start   time.Time
	ctx     context.Context
	metrics *metrics

	// ticked is the loops' test hook (see loop.ticked).
	ticked func()

	mu          sync.Mutex
	containers  map[Key]*shadowed
	groups      map[string][]Key
	unsupported map[string][]Unsupported // by group
}

// Unsupported is a probe the exporter does not run, counted.
type Unsupported struct {
	Key     Key
	Type    ProbeType
	Handler string
}

// NewManager runs workers until ctx ends.
func NewManager(ctx context.Context, c clock.WithTicker) *Manager {
	return &Manager{
		clock: c, start: c.Now(), ctx: ctx, metrics: newMetrics(),
		containers: map[Key]*shadowed{}, groups: map[string][]Key{}, unsupported: map[string][]Unsupported{},
	}
}

// Sync makes group's probes those given: new ones start, changed ones
// start over, missing ones stop and their series go; the others go on as
// they were. unsupported lists the group's probes that are not run.
func (m *Manager) Sync(group string, probes []Probe, unsupported []Unsupported) {
	// Workers are stopped once the locks are released: a stopping worker
	// may be deciding, which takes its container's lock.
	var stopping []*running
	defer func() {
		for _, r := range stopping {
			r.stop(m.metrics)
		}
	}()
	m.mu.Lock()
	defer m.mu.Unlock()
	wanted := map[Key][]Probe{}
	for _, p := range probes {
		wanted[p.Key] = append(wanted[p.Key], p)
	}
	for _, k := range m.groups[group] {
		if _, keep := wanted[k]; !keep {
			stopping = append(stopping, m.containers[k].drop(nil)...)
			delete(m.containers, k)
		}
	}
	keys := make([]Key, 0, len(wanted))
	for k, ps := range wanted {
		c := m.containers[k]
		if c == nil {
			c = newShadowed(k, m.clock, group != configGroup)
			m.containers[k] = c
		}
		stopping = append(stopping, c.sync(m, ps)...)
		keys = append(keys, k)
	}
	m.groups[group] = keys
	m.unsupported[group] = unsupported
}

// configGroup is the group of the configuration's scheduled entries.
const configGroup = "config"

// UpdateStatus tells what kubelet reports of a pod's container: its ID,
// whether it runs, when it started.
func (m *Manager) UpdateStatus(k Key, c Container) {
	m.mu.Lock()
	s := m.containers[k]
	m.mu.Unlock()
	if s != nil {
		s.setStatus(c)
	}
}

// shadowed is one container and its probes' workers.
type shadowed struct {
	key     Key
	fromPod bool // its status comes from the pod; else the exporter plays kubelet's part
	now     func() time.Time

	mu         sync.Mutex
	status     Container
	hasStatus  bool
	started    bool // its startup probe succeeded (kubelet's c.Started)
	hasStartup bool
	generation int
	restarts   int       // in a row, for the back-off
	nextStart  time.Time // of a configured entry's container being restarted
	workers    map[ProbeType]*running
	startups   map[ProbeType][]startup // the start-ups seen, newest last
}

type running struct {
	w        *worker
	loop     *loop
	cancel   context.CancelFunc
	identity string
	values   []string
}

// maxStartups is how many start-ups are remembered per probe.
const maxStartups = 16

func newShadowed(k Key, c clock.PassiveClock, fromPod bool) *shadowed {
	s := &shadowed{key: k, fromPod: fromPod, now: c.Now, workers: map[ProbeType]*running{}, startups: map[ProbeType][]startup{}}
	if !fromPod {
		// A configured entry runs from the moment it is configured.
		s.status, s.hasStatus = Container{ID: "config-0", Running: true, StartedAt: c.Now()}, true
	}
	return s
}

// sync starts the container's new and changed probes and returns the
// workers to stop.
func (s *shadowed) sync(m *Manager, probes []Probe) []*running {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[ProbeType]bool{}
	s.hasStartup = false
	var stopping []*running
	for _, p := range probes {
		seen[p.Spec.Type] = true
		s.hasStartup = s.hasStartup || p.Spec.Type == Startup
		r := s.workers[p.Spec.Type]
		if r != nil && r.identity == p.Identity {
			continue
		}
		if r != nil {
			stopping = append(stopping, r)
		}
		s.workers[p.Spec.Type] = s.startWorker(m, p)
	}
	return append(stopping, s.dropLocked(seen)...)
}

// drop removes the workers of types not in keep and returns them.
func (s *shadowed) drop(keep map[ProbeType]bool) []*running {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropLocked(keep)
}

func (s *shadowed) dropLocked(keep map[ProbeType]bool) []*running {
	var out []*running
	for t, r := range s.workers {
		if !keep[t] {
			out = append(out, r)
			delete(s.workers, t)
		}
	}
	return out
}

func (s *shadowed) startWorker(m *Manager, p Probe) *running {
	values := []string{s.key.Namespace, s.key.Pod, s.key.Container, string(p.Spec.Type)}
	o := &workerObserver{m: m, s: s, typ: p.Spec.Type, values: values}
	if p.Spec.Type != Readiness {
		// From 0, so that increase() counts the first restart too.
		m.metrics.wouldRestart.WithLabelValues(values...)
	}
	w := newWorker(p.Spec, p.Run, s.statusFor, m.clock, o)
	ctx, cancel := context.WithCancel(m.ctx)
	r := &running{w: w, loop: newLoop(w, m.clock, m.start), cancel: cancel, identity: p.Identity, values: values}
	r.loop.ticked = m.ticked
	go r.loop.run(ctx)
	return r
}

// statusFor is what a worker reads: the container's status, with Started
// as the shadow's own startup probe decided it.
func (s *shadowed) statusFor() (Container, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.fromPod && !s.status.Running && !s.now().Before(s.nextStart) {
		s.generation++ // the back-off has passed: kubelet starts a new container
		s.status = Container{ID: fmt.Sprintf("config-%d", s.generation), Running: true, StartedAt: s.nextStart}
	}
	c := s.status
	c.Started = !s.hasStartup || s.started
	return c, s.hasStatus
}

func (s *shadowed) setStatus(c Container) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID != s.status.ID {
		s.started = false // a new container starts over
	}
	s.status, s.hasStatus = c, true
}

func (r *running) stop(m *metrics) {
	r.cancel()
	<-r.loop.stopped
	m.forget(r.values)
}

// workerObserver carries a worker's decisions to its container and the
// metrics. It is called with the worker's lock held: it takes only its
// container's.
type workerObserver struct {
	m      *Manager
	s      *shadowed
	typ    ProbeType
	values []string
}

func (o *workerObserver) probed(_ *worker, run Run, took time.Duration) {
	o.m.metrics.probes.WithLabelValues(append(append([]string{}, o.values...), run.Outcome)...).Inc()
	o.m.metrics.duration.WithLabelValues(o.values...).Observe(took.Seconds())
}

func (o *workerObserver) set(_ *worker, r Result, decided bool) {
	switch {
	case !decided:
	case o.typ == Startup && r == Success:
		o.s.mu.Lock()
		o.s.started = true
		readiness := o.s.workers[Readiness]
		o.s.mu.Unlock()
		if readiness != nil {
			readiness.loop.poke() // kubelet probes readiness at once once started
		}
	case o.typ != Readiness && r == Failure:
		o.m.metrics.wouldRestart.WithLabelValues(o.values...).Inc()
		o.s.restartIfConfigured(o.m.clock.Now())
	}
}

func (o *workerObserver) firstSuccess(_ *worker, after time.Duration, failuresBefore string) {
	o.m.metrics.firstSuccess.WithLabelValues(append(append([]string{}, o.values...), failuresBefore)...).Observe(after.Seconds())
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	seen := append(o.s.startups[o.typ], startup{took: after, before: failuresBefore})
	o.s.startups[o.typ] = seen[max(len(seen)-maxStartups, 0):]
}

// Kubelet's restart back-off (CrashLoopBackOff): 10s, doubling to five
// minutes, forgotten once a container has run for ten.
const (
	backoffFirst  = 10 * time.Second
	backoffMax    = 5 * time.Minute
	backoffForget = 10 * time.Minute
)

// restartIfConfigured plays kubelet's restart for a configured entry: a
// new container, which runs once the back-off has passed. A pod's restart
// is kubelet's own, seen in its status.
func (s *shadowed) restartIfConfigured(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fromPod {
		return
	}
	if now.Sub(s.status.StartedAt) >= backoffForget {
		s.restarts = 0
	}
	backoff := min(backoffFirst<<min(s.restarts, 10), backoffMax)
	s.restarts++
	// The old container has stopped; the new one is made once the
	// back-off has passed, and only then has its ID.
	s.status.Running = false
	s.nextStart = now.Add(backoff)
	s.started = false
}

// startup is one start-up seen: how long until the probe first
// succeeded, and what the failures before were.
type startup struct {
	took   time.Duration
	before string
}

// seenStartups are the start-ups seen of the probe, oldest first.
func (s *shadowed) seenStartups(t ProbeType) []startup {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.startups[t])
}

// usualStartup is the longest start-up seen of the probe, and a period,
// since a probe sees a start-up up to a period late; or, with none seen,
// the probe's budget.
func (s *shadowed) usualStartup(t ProbeType, spec Spec) time.Duration {
	if longest, ok := longestStartup(s.seenStartups(t)); ok {
		return longest + spec.Period
	}
	return spec.Budget()
}

func longestStartup(seen []startup) (time.Duration, bool) {
	var longest time.Duration
	for _, st := range seen {
		longest = max(longest, st.took)
	}
	return longest, len(seen) > 0
}

// Describe sends every series the shadow exports.
func (m *Manager) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.metrics.collectors() {
		c.Describe(ch)
	}
	for _, d := range []*prometheus.Desc{readyDesc, failuresDesc, startingDesc, usualDesc, overdueDesc, budgetDesc, longestDesc, initialDelayDesc, thresholdDesc, unsupportedDesc} {
		ch <- d
	}
}

// Collect reads the workers' state now.
func (m *Manager) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.metrics.collectors() {
		c.Collect(ch)
	}
	for _, v := range m.views() {
		st := v.r.w.state()
		usual := v.s.usualStartup(v.r.w.spec.Type, v.r.w.spec)
		gauge(ch, readyDesc, boolValue(st.cached == Success), v.r.values)
		gauge(ch, failuresDesc, float64(st.consecutiveFailures), v.r.values)
		gauge(ch, startingDesc, st.starting.Seconds(), v.r.values)
		gauge(ch, usualDesc, usual.Seconds(), v.r.values)
		gauge(ch, overdueDesc, boolValue(st.starting > usual), v.r.values)
		collectAdvice(ch, newAdvice(v.r.w.spec, v.s.seenStartups(v.r.w.spec.Type)), v.r.values)
	}
	for _, u := range m.unsupportedList() {
		gauge(ch, unsupportedDesc, 1, []string{u.Key.Namespace, u.Key.Pod, u.Key.Container, string(u.Type), u.Handler})
	}
}

type view struct {
	s *shadowed
	r *running
}

func (m *Manager) views() []view {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []view
	for _, s := range m.containers {
		s.mu.Lock()
		for _, r := range s.workers {
			out = append(out, view{s, r})
		}
		s.mu.Unlock()
	}
	return out
}

func (m *Manager) unsupportedList() []Unsupported {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Unsupported
	for _, us := range m.unsupported {
		out = append(out, us...)
	}
	return out
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, values []string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, values...)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
