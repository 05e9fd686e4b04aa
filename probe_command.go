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
	module     *string
	timeout    *time.Duration
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
	timeout := time.Duration(m.Timeout)
	if *f.timeout > 0 {
		timeout = *f.timeout
	}
	report := prober.Run(context.Background(), *f.target, *f.module, m, timeout, logger)
	fmt.Fprintln(out, verdictLine(report))
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
