// Package prober runs probes the way kubelet runs them: TCP, HTTP and gRPC
// with kubelet's requests, transport, timeouts and verdicts, from the source
// port a module asks for, with every TCP handshake judged by package
// handshake. docs/kubelet.md tells the rules it follows, by release.
package prober

import (
	"context"
	"time"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// probe is one run of a module against a target: everything a prober needs.
type probe struct {
	Target  string
	Module  config.Module
	Timeout time.Duration
	// metrics receives the prober's own metrics; it is fresh per probe.
	metrics *metricSet
	Log     log.Logger
	// dialer opens every TCP connection the probe makes.
	dialer *dialer
	// SweepPorts are the source ports a sweep tries in this scrape.
	SweepPorts []int
	// http holds the HTTP metrics across kubelet's tries.
	http *httpMetrics
}

// probeFunc carries out a probe before ctx's deadline and returns kubelet's
// verdict.
type probeFunc func(ctx context.Context, p *probe) Verdict

// probers has an implementation of each of config.Probers.
var probers = map[config.ProberName]probeFunc{
	config.ProberTCP:  probeTCP,
	config.ProberHTTP: probeHTTP,
	config.ProberGRPC: probeGRPC,
}

func proberFor(m config.Module) probeFunc {
	if m.SourcePortSweep != nil {
		return probeSweep
	}
	return probers[m.Prober]
}
