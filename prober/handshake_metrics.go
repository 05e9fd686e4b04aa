package prober

import (
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// registerHandshakeMetrics reports the TCP handshakes under a probe. The
// outcome, source port and connect time are the last connection's (the
// one a failure stopped at); the packet counts cover all of them, and are
// left out without the capture, which alone can count packets.
func writeHandshakeMetrics(s *metricSet, attempts []*handshake.Attempt, traced bool) {
	outcome, port, seconds := handshake.Errored, 0.0, 0.0
	if n := len(attempts); n > 0 {
		last := attempts[n-1]
		outcome, port, seconds = last.Outcome, float64(last.SourcePort()), last.Duration.Seconds()
	}
	outcomeStateSet(s, "probe_tcp_handshake_outcome",
		"What became of the probe's TCP handshake, one series per outcome (1 for the one that happened).", outcome)
	s.set("probe_tcp_source_port", "The source port of the probe's connection, 0 if none was had.", port)
	s.set("probe_tcp_connect_duration_seconds", "How long the connect took, until established or given up.", seconds)
	traceAvailable(s, traced)
	if traced {
		writePacketCounts(s, attempts)
	}
}

// writePacketCounts reports the captured SYN and RST segments.
func writePacketCounts(s *metricSet, attempts []*handshake.Attempt) {
	var wire handshake.Packets
	for _, a := range attempts {
		wire = wire.Add(a.Packets())
	}
	s.set("probe_tcp_syn_sent", "SYN segments sent, retransmissions included.", float64(wire.SYNSent))
	s.set("probe_tcp_synack_received", "SYN-ACK segments received.", float64(wire.SYNACKReceived))
	s.set("probe_tcp_rst_sent", "RST segments this host sent on the probe's connections.", float64(wire.RSTSent))
	s.set("probe_tcp_rst_received", "RST segments received on the probe's connections.", float64(wire.RSTReceived))
}

func traceAvailable(s *metricSet, traced bool) {
	s.set("probe_tcp_trace_available",
		"1 if the handshake was judged from its packets, 0 if from the error alone (no CAP_NET_RAW).", boolValue(traced))
}

// writeSweepMetrics reports a source-port sweep.
func writeSweepMetrics(s *metricSet, attempts []*handshake.Attempt, traced bool) {
	counts := map[handshake.Outcome]int{}
	for _, a := range attempts {
		counts[a.Outcome]++
	}
	for _, o := range handshake.Outcomes {
		s.set("probe_source_port_sweep_outcome_ports", "Source ports of the sweep by the outcome of their handshake.",
			float64(counts[o]), "outcome", string(o))
	}
	s.set("probe_source_port_sweep_ports", "Source ports the sweep tried before its timeout.", float64(len(attempts)))
	traceAvailable(s, traced)
}

// outcomeStateSet is a gauge per outcome, 1 for the one that happened.
func outcomeStateSet(s *metricSet, name, help string, happened handshake.Outcome) {
	for _, o := range handshake.Outcomes {
		s.set(name, help, boolValue(o == happened), "outcome", string(o))
	}
}
