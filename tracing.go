package main

import (
	"errors"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

func addTracingFlag(cmd *kingpin.CmdClause) *bool {
	return cmd.Flag("tracing.handshakes",
		"Judge every TCP handshake from its packets with one AF_PACKET capture (needs CAP_NET_RAW); --no-tracing.handshakes judges from connect errors alone.").
		Default("true").Bool()
}

// startTracer opens the handshake capture, or explains in one line why
// probes go without it. A nil tracer turns tracing off.
func startTracer(enabled bool, logger log.Logger) *handshake.Tracer {
	if !enabled {
		level.Info(logger).Log("msg", "Handshake tracing is off (--no-tracing.handshakes): verdicts come from connect errors alone")
		return nil
	}
	t, err := handshake.Open(logger)
	if errors.Is(err, handshake.ErrUnsupported) {
		level.Info(logger).Log("msg", "Handshake tracing is off: verdicts come from connect errors alone", "err", err)
		return nil
	}
	if err != nil {
		level.Warn(logger).Log("msg", "Handshake tracing is off: probes still run, but a SYN-ACK reset or dropped on this host "+
			"reads as a plain timeout. The capture needs CAP_NET_RAW: run as root with it (in Kubernetes, runAsUser: 0 with "+
			"capabilities.add: [NET_RAW], as deploy/kubernetes does), or grant it to the binary of a non-root user "+
			"(setcap cap_net_raw+p kubeprobe_exporter) where privilege escalation is allowed", "err", err)
		return nil
	}
	level.Info(logger).Log("msg", "Handshake tracing is on: SYN and RST segments are captured on every interface")
	return t
}
