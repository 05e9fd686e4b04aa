package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
)

type probeFlags struct {
	configFile *string
	tracing    *bool
	module     *string
	timeout    *time.Duration
	sourcePort *string
	target     *string
}

// Exit codes of the probe command.
const (
	exitProbeSucceeded = 0
	exitProbeFailed    = 1
	exitProbeNotRun    = 2
)

// runProbe runs one probe and prints its verdict, then its debug output.
func runProbe(f probeFlags, logger log.Logger, out io.Writer) int {
	cfg, err := config.Load(*f.configFile)
	if err != nil {
		level.Error(logger).Log("msg", "Error loading config", "err", err)
		return exitProbeNotRun
	}
	m, ok := cfg.Modules[*f.module]
	if !ok {
		level.Error(logger).Log("msg", fmt.Sprintf("unknown module %q in %s: use one of %s",
			*f.module, *f.configFile, strings.Join(cfg.ModuleNames(), ", ")))
		return exitProbeNotRun
	}
	if err := prober.CheckTarget(*f.target, m); err != nil {
		level.Error(logger).Log("msg", err)
		return exitProbeNotRun
	}
	req := prober.Request{Target: *f.target, ModuleName: *f.module, Module: m, Timeout: time.Duration(m.Timeout)}
	if *f.timeout > 0 {
		req.Timeout = *f.timeout
	}
	if *f.sourcePort != "" && m.SourcePortSweep != nil {
		level.Error(logger).Log("msg", fmt.Sprintf("--source-port: module %q sweeps source ports; probe with a module without source_port_sweep", *f.module))
		return exitProbeNotRun
	}
	if *f.sourcePort != "" {
		sp, err := config.ParseSourcePort(*f.sourcePort)
		if err != nil {
			level.Error(logger).Log("msg", "--source-port="+*f.sourcePort+": "+err.Error())
			return exitProbeNotRun
		}
		req.SourcePort = &sp
	}
	tracer := startTracer(*f.tracing, level.NewFilter(logger, level.AllowWarn()))
	if tracer != nil {
		defer tracer.Close()
	}
	report := prober.NewRunner(tracer, logger).Run(context.Background(), req)
	fmt.Fprintln(out, verdictLine(report))
	if !report.Sweep {
		fmt.Fprintln(out, "Handshake: "+report.HandshakeVerdict())
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
		strings.ToUpper(r.Outcome.Result.String()), r.Module.Prober, r.Target, r.ModuleName, r.Duration.Seconds())
	if r.Outcome.Output != "" && r.Outcome.Result != prober.Success {
		line += ": " + r.Outcome.Output
	}
	return line
}
