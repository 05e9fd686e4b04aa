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
	req, err := prober.NewRequest(cfg, prober.FromCommandLine, prober.Params{
		Module:        *f.module,
		Target:        *f.target,
		SourcePort:    *f.sourcePort,
		HasSourcePort: *f.sourcePort != "",
		Timeout:       *f.timeout,
	})
	if err != nil {
		level.Error(logger).Log("msg", fmt.Sprintf("%s: %s", *f.configFile, err))
		return exitProbeNotRun
	}
	tracer := startTracer(*f.tracing, level.NewFilter(logger, level.AllowWarn()))
	defer tracer.Close()
	report := prober.NewRunner(tracer, nil, logger).Run(context.Background(), req)
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
