// Package prober runs probes the way kubelet runs them: TCP, HTTP and gRPC
// with kubelet's requests, transport, timeouts and verdicts, from the source
// port a module asks for, with every TCP handshake judged from its packets.
package prober

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// Probe is one run of a module against a target: everything a prober needs.
type Probe struct {
	Target  string
	Module  config.Module
	Timeout time.Duration
	// Registry receives the prober's own metrics; it is fresh per probe.
	Registry *prometheus.Registry
	Log      log.Logger
	// Dialer opens every TCP connection the probe makes.
	Dialer *Dialer
	// SweepPorts are the source ports a sweep tries in this scrape.
	SweepPorts []int
}

// ProbeFn carries out a probe before ctx's deadline and returns kubelet's
// verdict.
type ProbeFn func(ctx context.Context, p *Probe) Outcome

// Probers maps each config.Probers name to its implementation.
var Probers = map[string]ProbeFn{
	"tcp":  ProbeTCP,
	"http": ProbeHTTP,
	"grpc": ProbeGRPC,
}

// Runner runs probes. It holds what probes share: the handshake capture
// and where sequential source-port choices continue.
type Runner struct {
	tracer  *Tracer
	logger  log.Logger
	cursors *portCursors
}

// NewRunner returns a Runner; tracer may be nil, which turns tracing off.
func NewRunner(tracer *Tracer, logger log.Logger) *Runner {
	return &Runner{tracer: tracer, logger: logger, cursors: newPortCursors()}
}

// Request is one probe to run. Its target must have passed CheckTarget.
type Request struct {
	Target     string
	ModuleName string
	Module     config.Module
	Timeout    time.Duration
	// SourcePort, if set, replaces the module's source_port: the
	// source_port parameter of a module with source_port_override.
	SourcePort *config.SourcePort
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
	rep.Outcome = proberFor(req.Module)(ctx, p)
	rep.Duration = time.Since(start)
	// A client library may still be dialing (net/http dials apart from
	// the request); ending those completes the record of the probe.
	finish()
	p.Dialer.wait()
	rep.Attempts, rep.Traced, rep.Sweep = p.Dialer.Attempts(), p.Dialer.Traced(), p.SweepPorts != nil
	registerProbeMetrics(rep, p.Dialer, req.Timeout)
	if !rep.Sweep {
		registerHandshakeMetrics(rep.Registry, rep.Attempts, rep.Traced)
	}
	logOutcome(pl, rep)
	return rep
}

func (r *Runner) newProbe(done context.Context, req Request, reg *prometheus.Registry, l log.Logger) *Probe {
	localIP, _ := netip.ParseAddr(req.Module.SourceIPAddress) // validated with the config
	p := &Probe{Target: req.Target, Module: req.Module, Timeout: req.Timeout, Registry: reg, Log: l}
	port := 0
	if req.Module.SourcePortSweep != nil {
		p.SweepPorts = r.cursors.sweepPorts(req)
	} else {
		port = r.cursors.sourcePort(req)
	}
	p.Dialer = &Dialer{
		local:     netip.AddrPortFrom(localIP, uint16(port)),
		lingers:   kubeletOf(req.Module.KubeletVersion).lingers,
		tracer:    r.tracer,
		log:       l,
		probeDone: done,
	}
	return p
}

func proberFor(m config.Module) ProbeFn {
	if m.SourcePortSweep != nil {
		return ProbeSweep
	}
	return Probers[m.Prober]
}

// sourceDescription says where the probe's connections come from.
func sourceDescription(p *Probe) string {
	switch {
	case p.SweepPorts != nil:
		return "sweep of " + p.Module.SourcePortSweep.Range.String()
	case p.Dialer.local.Port() == 0:
		return "port chosen by the kernel, as for kubelet"
	case !p.Dialer.local.Addr().IsValid():
		return fmt.Sprintf("port %d", p.Dialer.local.Port())
	}
	return p.Dialer.local.String()
}

// logOutcome logs the verdict with kubelet's own words and keys.
func logOutcome(l log.Logger, r *Report) {
	keyvals := []any{"probeResult", r.Outcome.Result, "output", r.Outcome.Output, "duration_seconds", r.Duration.Seconds()}
	switch r.Outcome.Result {
	case Success:
		level.Info(l).Log(append([]any{"msg", "Probe succeeded"}, keyvals...)...)
	case Warning:
		level.Warn(l).Log(append([]any{"msg", "Probe succeeded with a warning, which kubelet counts as success"}, keyvals...)...)
	default:
		level.Error(l).Log(append([]any{"msg", "Probe failed"}, keyvals...)...)
	}
}
