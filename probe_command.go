package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/kubeprobe/kubeprobe_exporter/collector"
	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
)

type probeFlags struct {
	configFile  *string
	tracing     *bool
	module      *string
	timeout     *time.Duration
	sourcePort  *string
	hostname    *string
	target      *string
	collector   *collector.Flags
	syncTimeout *time.Duration
	// probeLogs receives the probe's own log lines.
	probeLogs log.Logger
}

// Exit codes of the probe command.
const (
	exitProbeSucceeded = 0
	exitProbeFailed    = 1
	exitProbeNotRun    = 2
)

// runProbe runs one probe and prints its verdict, then its debug output.
func runProbe(f probeFlags, logger log.Logger, slogger *slog.Logger, out io.Writer) int {
	cfg, err := config.Load(*f.configFile)
	if err != nil {
		level.Error(logger).Log("msg", "Error loading config", "err", err)
		return exitProbeNotRun
	}
	req, err := prober.NewRequest(cfg, prober.FromCommandLine, prober.Params{
		Module:        *f.module,
		Target:        *f.target,
		SourcePort:    *f.sourcePort,
		HasSourcePort: *f.sourcePort != "",
		Hostname:      *f.hostname,
		HasHostname:   *f.hostname != "",
		Timeout:       *f.timeout,
	})
	if err != nil {
		level.Error(logger).Log("msg", fmt.Sprintf("%s: %s", *f.configFile, err))
		return exitProbeNotRun
	}
	runner, err := probeRunner(f, logger, slogger)
	if err != nil {
		level.Error(logger).Log("msg", "Error setting up the probe", "err", err)
		return exitProbeNotRun
	}
	defer runner.close()
	report := runner.Run(context.Background(), req)
	fmt.Fprintln(out, verdictLine(report))
	if !report.Sweep {
		fmt.Fprintln(out, "Handshake: "+report.LastHandshake())
	}
	fmt.Fprintln(out)
	fmt.Fprint(out, report.DebugOutput())
	if !report.Success() {
		return exitProbeFailed
	}
	return exitProbeSucceeded
}

// verdictLine sums the probe up in one line.
func verdictLine(r *prober.Report) string {
	line := fmt.Sprintf("%s: %s probe of %s with module %s took %.3fs",
		strings.ToUpper(r.Verdict.Result.String()), r.Module.Prober, r.Target, r.ModuleName, r.Duration.Seconds())
	switch {
	case r.Verdict.Result == prober.Error:
		// kubelet's output is empty for an error; its log gives the error.
		line += fmt.Sprintf(" in %d tries (kubelet discards the result): %s", r.Tries, r.Verdict.Err)
	case r.Verdict.Output != "" && r.Verdict.Result != prober.Success:
		line += ": " + r.Verdict.Output
	}
	return line
}

// probeRunnerWithTracer is the probe command's runner and what it holds.
type probeRunnerWithTracer struct {
	*prober.Runner
	tracer *handshake.Tracer
	stop   context.CancelFunc
}

func (r probeRunnerWithTracer) close() {
	r.tracer.Close()
	r.stop()
}

// probeRunner traces as serve does and knows the NodePorts the collector's
// sources name, waiting up to --kubernetes.timeout for the Services to be
// listed; a source that has not answered by then names nothing.
func probeRunner(f probeFlags, logger log.Logger, slogger *slog.Logger) (probeRunnerWithTracer, error) {
	ctx, stop := context.WithCancel(context.Background())
	node, err := newNodeCollector(ctx, f.collector, ports.Set{}, level.NewFilter(logger, level.AllowWarn()), slogger)
	switch {
	case errors.Is(err, collector.ErrUnsupported):
		node = nil
	case err != nil:
		stop()
		return probeRunnerWithTracer{}, err
	default:
		syncCtx, cancel := context.WithTimeout(ctx, *f.syncTimeout)
		_ = node.WaitForSources(syncCtx)
		cancel()
	}
	tracer := startTracer(*f.tracing, level.NewFilter(logger, level.AllowWarn()))
	runner := prober.NewRunner(tracer, nil, f.probeLogs)
	knowNodePorts(runner, node)
	return probeRunnerWithTracer{Runner: runner, tracer: tracer, stop: stop}, nil
}
