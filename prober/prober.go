// Package prober runs probes the way kubelet runs them: TCP, HTTP and gRPC
// with kubelet's requests, transport, timeouts and verdicts, and reports
// each as Prometheus metrics.
package prober

import (
	"context"
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

// Run carries out one probe of target with module m, all of it within
// timeout, and returns the report. The target must have passed CheckTarget.
func Run(ctx context.Context, target, moduleName string, m config.Module, timeout time.Duration, logger log.Logger) *Report {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := &Report{ModuleName: moduleName, Module: m, Target: target, Registry: prometheus.NewRegistry()}
	pl := newProbeLogger(logger, &r.log, moduleName, target)
	localIP, _ := netip.ParseAddr(m.SourceIPAddress) // validated with the config
	p := &Probe{
		Target:   target,
		Module:   m,
		Timeout:  timeout,
		Registry: r.Registry,
		Log:      pl,
		Dialer:   NewDialer(localIP, kubeletOf(m.KubeletVersion), pl),
	}
	level.Info(pl).Log("msg", "Beginning probe", "probe", m.Prober, "timeout_seconds", timeout.Seconds(),
		"kubelet_version", m.KubeletVersion)
	start := time.Now()
	r.Outcome = Probers[m.Prober](ctx, p)
	r.Duration = time.Since(start)
	registerProbeMetrics(r, p.Dialer, timeout)
	logOutcome(pl, r)
	return r
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
