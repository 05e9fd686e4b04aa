package prober

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// Runner runs probes. It holds what probes share: the handshake capture
// and where sequential source-port choices continue.
type Runner struct {
	tracer  *handshake.Tracer
	logger  log.Logger
	cursors *portCursors
}

// NewRunner returns a Runner; tracer may be nil, which turns tracing off.
func NewRunner(tracer *handshake.Tracer, logger log.Logger) *Runner {
	return &Runner{tracer: tracer, logger: logger, cursors: newPortCursors()}
}

// Run carries out one probe, all of it within the request's timeout.
func (r *Runner) Run(ctx context.Context, req Request) *Report {
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	rep := &Report{ModuleName: req.ModuleName, Module: req.Module, Target: req.Target, Registry: prometheus.NewRegistry()}
	pl := newProbeLogger(r.logger, &rep.log, req.ModuleName, req.Target)
	done, finish := context.WithCancel(context.Background())
	p := r.newProbe(done, req, rep.Registry, pl)
	level.Info(pl).Log("msg", "Beginning probe", "probe", req.Module.Prober, "timeout_seconds", req.Timeout.Seconds(),
		"kubelet_version", req.Module.KubeletVersion, "source", sourceDescription(p))
	start := time.Now()
	rep.Verdict = proberFor(req.Module)(ctx, p)
	rep.Duration = time.Since(start)
	// A client library may still be dialing (net/http dials apart from
	// the request); ending those completes the record of the probe.
	finish()
	p.dialer.wait()
	rep.Attempts, rep.Traced, rep.Sweep = p.dialer.Attempts(), p.dialer.Traced(), p.SweepPorts != nil
	registerProbeMetrics(rep, p.dialer, req.Timeout)
	if !rep.Sweep {
		registerHandshakeMetrics(rep.Registry, rep.Attempts, rep.Traced)
	}
	logVerdict(pl, rep)
	return rep
}

func (r *Runner) newProbe(done context.Context, req Request, reg *prometheus.Registry, l log.Logger) *probe {
	localIP, _ := netip.ParseAddr(req.Module.SourceIPAddress) // validated with the config
	p := &probe{Target: req.Target, Module: req.Module, Timeout: req.Timeout, Registry: reg, Log: l}
	port := 0
	if req.Module.SourcePortSweep != nil {
		p.SweepPorts = r.cursors.sweepPorts(req)
	} else {
		port = r.cursors.sourcePort(req)
	}
	p.dialer = &dialer{
		local:     netip.AddrPortFrom(localIP, uint16(port)),
		lingers:   kubeletOf(req.Module.KubeletVersion).lingers,
		tracer:    r.tracer,
		log:       l,
		probeDone: done,
	}
	return p
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
	default:
		level.Error(l).Log(append([]any{"msg", "Probe failed"}, keyvals...)...)
	}
}
