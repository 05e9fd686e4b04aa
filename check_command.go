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

// Exit codes of the check command, for node bootstrap scripts.
const (
	exitNothingAtRisk = 0
	exitAtRisk        = 1
	exitCheckNotRun   = 2
)

type checkFlags struct {
	collector     *collector.Flags
	format        *string
	churnInterval *time.Duration
	syncTimeout   *time.Duration
}

func addCheckCommand(app *kingpin.Application) (*kingpin.CmdClause, checkFlags) {
	check := app.Command("check", "Report this node's port ranges, the NodePorts at risk of being handed out as source ports and the sysctl that fixes it; exit 0 if none is at risk, 1 if some are, 2 if the check could not run.")
	return check, checkFlags{
		collector:     collector.AddFlags(check),
		format:        check.Flag("format", "Output format: text or json.").Default("text").Enum("text", "json"),
		churnInterval: check.Flag("churn.interval", "How long to count new connections for the churn and wrap-around time; 0s skips it.").Default("2s").Duration(),
		syncTimeout:   check.Flag("kubernetes.timeout", "How long to wait for the Kubernetes API to list the Services (--nodeport.kubernetes).").Default("30s").Duration(),
	}
}

// runCheck reports on this node and returns the exit code.
func runCheck(f checkFlags, logger log.Logger, slogger *slog.Logger, out io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	node, err := newNodeCollector(ctx, f.collector, logger, slogger)
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

// checkExitCode is 1 when something is at risk, even if a source failed;
// 2 when nothing is known to be at risk but a source failed, since the
// check then cannot vouch for the node; 0 otherwise.
func checkExitCode(r *collector.Report) int {
	switch {
	case len(r.AtRisk) > 0:
		return exitAtRisk
	case r.Incomplete():
		return exitCheckNotRun
	}
	return exitNothingAtRisk
}
