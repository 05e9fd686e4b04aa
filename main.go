// Command kubeprobe_exporter probes targets exactly as kubelet does and
// exports what it saw, down to the packets of each TCP handshake.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

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
	app := kingpin.New(exporterName, "Probes targets exactly as kubelet does and exports what it saw, down to the packets of each TCP handshake.")
	app.Version(version.Print(exporterName))
	app.HelpFlag.Short('h')
	logs := addLogFlags(app)
	configFile := app.Flag("config.file", "Probe module configuration file.").Default("kubeprobe.yml").String()
	tracing := addTracingFlag(app)

	serve := app.Command("serve", "Serve /probe and /metrics (the default command).").Default()
	sf := serveFlags{
		configFile:    configFile,
		tracing:       tracing,
		web:           kingpinflag.AddFlags(serve, defaultListenAddress),
		configCheck:   serve.Flag("config.check", "Validate the configuration file, print the result and exit: 0 if valid, 1 if not.").Bool(),
		timeoutOffset: serve.Flag("timeout-offset", "Seconds to subtract from Prometheus's scrape timeout to give a probe's timeout.").Default("0.5").Float64(),
		historyLimit:  serve.Flag("history.limit", "The number of recent probes, and separately of older failed probes, to keep for the landing page.").Default("100").Int(),
		collector:     collector.AddFlags(serve),
	}

	probe := app.Command("probe", "Run one probe from the shell, print the verdict and the debug output; exit 0 on success, 1 on failure, 2 if the probe could not be run.")
	pf := probeFlags{
		configFile: configFile,
		tracing:    tracing,
		module:     probe.Flag("module", "The module to probe with.").Required().String(),
		timeout:    probe.Flag("timeout", "Override the module's timeout.").Duration(),
		sourcePort: probe.Flag("source-port", "Override the module's source_port: ephemeral, a port or a range.").String(),
		target:     probe.Arg("target", "What to probe: host:port, or a URL for http modules.").Required().String(),
	}

	check, cf := addCheckCommand(app)

	command, err := app.Parse(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s, try --help\n", exporterName, err)
		return 2
	}
	logger, untimed := logs.newLogger(os.Stderr)
	switch command {
	case probe.FullCommand():
		return runProbe(pf, logger, os.Stdout)
	case check.FullCommand():
		return runCheck(cf, logger, logs.slogLogger(untimed), os.Stdout)
	default:
		return runServe(sf, logger, logs.slogLogger(untimed))
	}
}

// durationFromSeconds converts a flag given in seconds.
func durationFromSeconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}
