package prober

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// Runner runs probes. It holds what probes share: the handshake capture
// and where sequential source-port choices continue.
type Runner struct {
	tracer    *handshake.Tracer
	guard     *Guard
	logger    log.Logger
	cursors   *portCursors
	nodePorts NodePorts // nil: no NodePort source, nothing to name
}

// NewRunner returns a Runner; tracer may be nil, which turns tracing off.
// guard knows the exporter's own addresses for the target policy; nil
// when there are none to protect (the probe command).
func NewRunner(tracer *handshake.Tracer, guard *Guard, logger log.Logger) *Runner {
	if guard == nil {
		guard = NewGuard(nil)
	}
	return &Runner{tracer: tracer, guard: guard, logger: logger, cursors: newPortCursors()}
}

// Run carries out one probe, all of it within the request's timeout.
func (r *Runner) Run(ctx context.Context, req Request) *Report {
	asker := ctx
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	secrets := newRedactor(req)
	rep := &Report{ModuleName: req.ModuleName, Module: req.Module, Target: secrets.redact(req.Target), metrics: newMetricSet()}
	pl := newProbeLogger(r.logger, &rep.log, req.ModuleName, req.Target, secrets)
	done, finish := context.WithCancel(context.Background())
	defer finish()
	p := r.newProbe(done, req, rep.metrics, pl)
	level.Info(pl).Log("msg", "Beginning probe", "probe", req.Module.Prober, "timeout_seconds", req.Timeout.Seconds(),
		"kubelet_version", req.Module.KubeletVersion, "source", sourceDescription(p))
	start := time.Now()
	if rep.Denied = r.checkTarget(ctx, p, req); rep.Denied == nil {
		rep.Verdict, rep.Tries = runWithRetries(ctx, p, req.SingleTry)
		rep.Verdict.Output = secrets.redact(rep.Verdict.Output)
		rep.Verdict.Err = secrets.redact(rep.Verdict.Err)
	}
	rep.Duration = time.Since(start)
	// The scrape went away (or the exporter is stopping): what the probe
	// saw until then is not a verdict kubelet would reach.
	rep.Abandoned = asker.Err() != nil
	// A client library may still be dialing (net/http dials apart from
	// the request); ending those completes the record of the probe.
	finish()
	p.dialer.wait()
	r.record(p, rep)
	return rep
}

// runWithRetries is kubelet's runProbeWithRetries: a probe whose result is
// an error runs again at once, up to maxTries in all, and the last try's
// verdict stands. All tries share the probe's one timeout, where kubelet
// gives each its own: a scrape has one budget.
func runWithRetries(ctx context.Context, p *probe, singleTry bool) (Verdict, int) {
	run := proberFor(p.Module)
	for try := 1; ; try++ {
		v := run(ctx, p)
		if v.Result != Error || try == maxTries || singleTry || ctx.Err() != nil {
			return v, try
		}
		level.Warn(p.Log).Log("msg", "The probe errored; kubelet tries again at once", "try", try, "of", maxTries, "err", v.Err)
	}
}

// record completes the report: the connects, the metrics, the log.
func (r *Runner) record(p *probe, rep *Report) {
	rep.Attempts, rep.Traced, rep.Sweep = p.dialer.Attempts(), p.dialer.Traced(), p.SweepPorts != nil
	r.nameSourcePortOwners(rep.Attempts)
	if rep.Denied == nil {
		rep.Denied = p.dialer.Denied()
	}
	switch {
	case rep.Denied != nil:
		level.Warn(p.Log).Log("msg", "Probe refused by probe_targets", "err", rep.Denied)
		return
	case rep.Abandoned:
		level.Warn(p.Log).Log("msg", "The probe was cut short: whoever asked for it went away", "after_seconds", rep.Duration.Seconds())
	}
	writeProbeMetrics(rep, p.dialer, p.Timeout)
	if !rep.Sweep {
		writeHandshakeMetrics(rep.metrics, rep.Attempts, rep.Traced)
		r.writeNodePortMetric(rep.metrics, rep.Attempts)
	}
	logVerdict(p.Log, rep)
}

func (r *Runner) newProbe(done context.Context, req Request, metrics *metricSet, l log.Logger) *probe {
	localIP, _ := netip.ParseAddr(req.Module.SourceIPAddress) // validated with the config
	p := &probe{Target: req.Target, Module: req.Module, Timeout: req.Timeout, metrics: metrics, Log: l}
	port := 0
	if req.Module.SourcePortSweep != nil {
		p.SweepPorts = r.cursors.sweepPorts(req)
	} else {
		port = r.cursors.sourcePort(req)
	}
	p.dialer = &dialer{
		local:     netip.AddrPortFrom(localIP, uint16(port)),
		lingers:   kubeletOf(req.Module).lingers,
		tracer:    r.tracer,
		log:       l,
		probeDone: done,
		policy:    req.policy,
		guard:     r.guard,
		resolved:  map[string][]netip.Addr{},
	}
	return p
}

// checkTarget applies the request's target policy to every address the
// probe's first connect could go to, before anything is sent. A host that
// does not resolve is left to the probe, which fails as kubelet's would.
func (r *Runner) checkTarget(ctx context.Context, p *probe, req Request) error {
	if req.policy == nil {
		return nil
	}
	host, port := connectAddress(req.Target, req.Module)
	ips, err := p.dialer.preResolve(ctx, host)
	if err != nil {
		return nil
	}
	return p.dialer.allow(host, ips, port)
}

// sourceDescription says where the probe's connections come from.
func sourceDescription(p *probe) string {
	switch {
	case p.SweepPorts != nil:
		return "sweep of " + p.Module.SourcePortSweep.Range.String()
	case p.dialer.local.Port() == 0:
		return "port chosen by the kernel, as for kubelet"
	case !p.dialer.local.Addr().IsValid():
		return fmt.Sprintf("port %d", p.dialer.local.Port())
	}
	return p.dialer.local.String()
}

// logVerdict logs the verdict with kubelet's own words and keys.
func logVerdict(l log.Logger, r *Report) {
	keyvals := []any{"probeResult", r.Verdict.Result, "output", r.Verdict.Output, "duration_seconds", r.Duration.Seconds()}
	switch r.Verdict.Result {
	case Success:
		level.Info(l).Log(append([]any{"msg", "Probe succeeded"}, keyvals...)...)
	case Warning:
		level.Warn(l).Log(append([]any{"msg", "Probe succeeded with a warning, which kubelet counts as success"}, keyvals...)...)
	case Error:
		level.Error(l).Log(append([]any{"msg", "Probe errored: kubelet discards the result, which counts toward no threshold",
			"err", r.Verdict.Err, "tries", r.Tries}, keyvals...)...)
	default:
		level.Error(l).Log(append([]any{"msg", "Probe failed"}, keyvals...)...)
	}
}
