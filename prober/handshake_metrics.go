package prober

import (
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/prometheus/client_golang/prometheus"
)

// registerHandshakeMetrics reports the TCP handshakes under a probe. The
// outcome, source port and connect time are the last connection's (the
// one a failure stopped at); the packet counts cover all of them, and are
// left out without the capture, which alone can count packets.
func registerHandshakeMetrics(reg prometheus.Registerer, attempts []*handshake.Attempt, traced bool) {
	outcome, port, seconds := handshake.Errored, 0.0, 0.0
	if n := len(attempts); n > 0 {
		last := attempts[n-1]
		outcome, port, seconds = last.Outcome, float64(last.SourcePort()), last.Duration.Seconds()
	}
	reg.MustRegister(outcomeStateSet("probe_tcp_handshake_outcome",
		"What became of the probe's TCP handshake, one series per outcome (1 for the one that happened).", outcome))
	reg.MustRegister(
		constGauge("probe_tcp_source_port", "The source port of the probe's connection, 0 if none was had.", port),
		constGauge("probe_tcp_connect_duration_seconds", "How long the connect took, until established or given up.", seconds),
		traceAvailable(traced))
	if traced {
		registerPacketCounts(reg, attempts)
	}
}

// registerPacketCounts reports the captured SYN and RST segments.
func registerPacketCounts(reg prometheus.Registerer, attempts []*handshake.Attempt) {
	var wire handshake.Packets
	for _, a := range attempts {
		wire = wire.Add(a.Packets())
	}
	reg.MustRegister(
		constGauge("probe_tcp_syn_sent", "SYN segments sent, retransmissions included.", float64(wire.SYNSent)),
		constGauge("probe_tcp_synack_received", "SYN-ACK segments received.", float64(wire.SYNACKReceived)),
		constGauge("probe_tcp_rst_sent", "RST segments this host sent on the probe's connections.", float64(wire.RSTSent)),
		constGauge("probe_tcp_rst_received", "RST segments received on the probe's connections.", float64(wire.RSTReceived)))
}

func traceAvailable(traced bool) prometheus.Gauge {
	return constGauge("probe_tcp_trace_available",
		"1 if the handshake was judged from its packets, 0 if from the error alone (no CAP_NET_RAW).", boolValue(traced))
}

// registerSweepMetrics reports a source-port sweep.
func registerSweepMetrics(reg prometheus.Registerer, attempts []*handshake.Attempt, traced bool) {
	counts := map[handshake.Outcome]int{}
	for _, a := range attempts {
		counts[a.Outcome]++
	}
	byOutcome := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "probe_source_port_sweep_outcome_ports",
		Help: "Source ports of the sweep by the outcome of their handshake.",
	}, []string{"outcome"})
	for _, o := range handshake.Outcomes {
		byOutcome.WithLabelValues(string(o)).Set(float64(counts[o]))
	}
	reg.MustRegister(byOutcome,
		constGauge("probe_source_port_sweep_ports", "Source ports the sweep tried before its timeout.", float64(len(attempts))),
		traceAvailable(traced))
}

// outcomeStateSet is a gauge per outcome, 1 for the one that happened.
func outcomeStateSet(name, help string, happened handshake.Outcome) prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"outcome"})
	for _, o := range handshake.Outcomes {
		g.WithLabelValues(string(o)).Set(boolValue(o == happened))
	}
	return g
}

func constGauge(name, help string, value float64) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	g.Set(value)
	return g
}
