package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/kubeprobe/kubeprobe_exporter/collector"
)

// Exit codes of the check command, for node bootstrap scripts: one per
// verdict (docs/collector.md), non-zero whenever a fix is needed or the
// node cannot be vouched for.
const (
	exitNothingToFix = 0
	exitAtRisk       = 1
	exitCheckNotRun  = 2
	exitExposed      = 3
)

type checkFlags struct {
	collector     *collector.Flags
	format        *string
	churnInterval *time.Duration
	syncTimeout   *time.Duration
	listen        *[]string
}

func addCheckCommand(app *kingpin.Application) (*kingpin.CmdClause, checkFlags) {
	check := app.Command("check", "Report this node's port ranges, the NodePorts at risk of being handed out as source ports and the sysctl that fixes it; "+
		"exit 0 if nothing needs fixing, 1 if NodePorts are at risk, 3 if the NodePort range or the listen port is exposed with nothing allocated at risk, 2 if the check could not run or cannot vouch for the node.")
	return check, checkFlags{
		collector:     collector.AddFlags(check),
		format:        check.Flag("format", "Output format: text or json.").Default("text").Enum("text", "json"),
		churnInterval: check.Flag("churn.interval", "How long to count new connections for the churn; 0s skips it.").Default("2s").Duration(),
		syncTimeout:   check.Flag("kubernetes.timeout", "How long to wait for the Kubernetes API to list the Services (--nodeport.kubernetes).").Default("30s").Duration(),
		listen: check.Flag("web.listen-address", "The exporter's listen address, as serve takes it, whose port the fix reserves too when the kernel could hand it out; repeatable.").
			Default(defaultListenAddress).Strings(),
	}
}

// runCheck reports on this node and returns the exit code.
func runCheck(f checkFlags, logger log.Logger, slogger *slog.Logger, out io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	listen, err := flagListenPorts(*f.listen)
	if err != nil {
		level.Error(logger).Log("msg", "Error setting up the check", "err", err)
		return exitCheckNotRun
	}
	node, err := newNodeCollector(ctx, f.collector, listen, logger, slogger)
	if err != nil {
		level.Error(logger).Log("msg", "Error setting up the check", "err", err)
		return exitCheckNotRun
	}
	report, err := checkNode(ctx, node, f)
	if err != nil {
		level.Error(logger).Log("msg", "Error checking this node", "err", err)
		return exitCheckNotRun
	}
	if *f.format == "json" {
		err = report.WriteJSON(out)
	} else {
		err = report.WriteText(out)
	}
	if err != nil {
		level.Error(logger).Log("msg", "Error writing the report", "err", err)
		return exitCheckNotRun
	}
	return checkExitCode(report)
}

// checkNode waits for the Kubernetes source, when on, for at most
// --kubernetes.timeout, then reads the node. A source that has not
// answered by then is reported as failed.
func checkNode(ctx context.Context, node *collector.Collector, f checkFlags) (*collector.Report, error) {
	syncCtx, cancel := context.WithTimeout(ctx, *f.syncTimeout)
	defer cancel()
	_ = node.WaitForSources(syncCtx) // a source that did not sync says why in the report
	return node.Check(ctx, *f.churnInterval)
}

// checkExitCode is the verdict's code.
func checkExitCode(r *collector.Report) int {
	switch r.Verdict {
	case collector.VerdictAtRisk:
		return exitAtRisk
	case collector.VerdictUnknown:
		return exitCheckNotRun
	case collector.VerdictExposed:
		return exitExposed
	}
	return exitNothingToFix
}
