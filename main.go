// Command kubeprobe_exporter probes targets exactly as kubelet does and
// exports what it saw, down to the packets of each TCP handshake.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"

	"github.com/kubeprobe/kubeprobe_exporter/collector"
)

const (
	exporterName = "kubeprobe_exporter"
	// defaultListenAddress is outside the NodePort range (30000-32767) and
	// below Linux's default ephemeral range (32768-60999).
	defaultListenAddress = ":9878"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run parses the command line and runs the chosen command, returning the
// process's exit code.
func run(args []string) int {
	fillVersion()
	app := kingpin.New(exporterName, "Probes targets exactly as kubelet does and exports what it saw, down to the packets of each TCP handshake.\n\n"+
		"Without a command it serves: 'kubeprobe_exporter serve --help' lists serve's flags (--config.file, --web.listen-address, …), "+
		"which are given with or without the word serve.")
	// Asked-for help and the version are output, not errors: stdout, exit 0.
	app.UsageWriter(os.Stdout)
	app.ErrorWriter(os.Stderr)
	app.Version(version.Print(exporterName))
	app.HelpFlag.Short('h')
	logs := addLogFlags(app)

	sf := addServeCommand(app)

	probe := app.Command("probe", "Run one probe from the shell, print the verdict and the debug output; exit 0 on success, 1 on failure, 2 if the probe could not be run.")
	pf := probeFlags{
		configFile: addConfigFileFlag(probe),
		tracing:    addTracingFlag(probe),
		module:     probe.Flag("module", "The module to probe with.").Required().String(),
		timeout:    durationFlag(probe, "timeout", "Override the module's timeout, with its unit: 2s, 500ms."),
		sourcePort: probe.Flag("source-port", "Override the module's source_port: ephemeral, a port or a range.").String(),
		hostname:   probe.Flag("hostname", "http modules: the Host header to send, as blackbox_exporter's hostname (the probe still connects to the target).").String(),
		target:     probe.Arg("target", "What to probe: host:port, or a URL for http modules.").Required().String(),
		// The collector's NodePort sources, so that a reset names the
		// NodePort that took the source port.
		collector:   collector.AddFlags(probe),
		syncTimeout: probe.Flag("kubernetes.timeout", "How long to wait for the Kubernetes API to list the Services (--nodeport.kubernetes).").Default("30s").Duration(),
	}

	check, cf := addCheckCommand(app)
	demo, df := addDemoCommand(app)
	shadowCmd, shf := addShadowCommand(app)

	command, err := app.Parse(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s, try --help\n", exporterName, err)
		return 2
	}
	logger, untimed := logs.newLogger(os.Stderr)
	sf.probeLogs, pf.probeLogs = logs.forProbes(logger), logs.forProbes(logger)
	switch command {
	case probe.FullCommand():
		return runProbe(pf, logger, logs.slogLogger(untimed), os.Stdout)
	case check.FullCommand():
		return runCheck(cf, logger, logs.slogLogger(untimed), os.Stdout)
	case demo.FullCommand():
		return runDemo(df, logger, os.Stdout)
	case shadowCmd.FullCommand():
		return runShadowCommand(shf, logger, os.Stdout)
	default:
		return runServe(sf, logger, logs.slogLogger(untimed))
	}
}

// addConfigFileFlag is --config.file, for the commands that read modules.
func addConfigFileFlag(cmd *kingpin.CmdClause) *string {
	return cmd.Flag("config.file", "Probe module configuration file.").Default("kubeprobe.yml").String()
}

// durationFromSeconds converts a flag given in seconds.
func durationFromSeconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}
