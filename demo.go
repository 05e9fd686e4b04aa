package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

type demoFlags struct {
	listen *string
}

// addDemoCommand adds demo: the exporter on loopback with targets of its
// own, for a first look on a laptop.
func addDemoCommand(app *kingpin.Application) (*kingpin.CmdClause, demoFlags) {
	demo := app.Command("demo", "Start a listener, a closed port and HTTP(S) servers on loopback, and the exporter on them, "+
		"print the probe URLs to try, and run until Ctrl-C; as root, also replay the NodePort reset incident in a throwaway network namespace.")
	return demo, demoFlags{
		listen: demo.Flag("web.listen-address", "Where the demo's exporter listens; loopback, so that /probe is not offered to the network.").
			Default("127.0.0.1:9878").String(),
	}
}

// demoConfig has the modules the printed URLs use.
const demoConfig = `# The demo's modules: kubelet's probes as a pod spec would write them.
modules:
  tcp_connect: {prober: tcp}
  http_get: {prober: http}
  incident:                 # the second incident: a tcpSocket probe from a NodePort
    prober: tcp
    timeout: 2s             # long enough to see the SYN sent again after a second
`

// runDemo runs the demo until SIGINT or SIGTERM.
func runDemo(f demoFlags, logger log.Logger, out io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp("", "kubeprobe-demo")
	if err != nil {
		level.Error(logger).Log("msg", "Error starting the demo", "err", err)
		return 1
	}
	defer os.RemoveAll(dir)
	configFile := filepath.Join(dir, "demo.yml")
	if err := os.WriteFile(configFile, []byte(demoConfig), 0o600); err != nil {
		level.Error(logger).Log("msg", "Error starting the demo", "err", err)
		return 1
	}
	targets, err := startDemoTargets()
	if err != nil {
		level.Error(logger).Log("msg", "Error starting the demo's targets", "err", err)
		return 1
	}
	defer targets.close()
	exporter, err := startDemoExporter(ctx, configFile, *f.listen)
	if err != nil {
		level.Error(logger).Log("msg", "Error starting the demo's exporter", "err", err)
		return 1
	}
	defer exporter.stop()
	printDemoURLs(out, "http://"+*f.listen, configFile, targets)
	removeLab := runDemoIncident(ctx, out, configFile, logger)
	defer removeLab()
	fmt.Fprintln(out, "\nRunning until Ctrl-C.")
	select {
	case <-ctx.Done():
	case <-exporter.exited:
		level.Error(logger).Log("msg", "The demo's exporter stopped", "err", exporter.err)
		return 1
	}
	return 0
}

// demoExporter is serve, run as a child process on the demo's modules.
type demoExporter struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

func startDemoExporter(ctx context.Context, configFile, listen string) (*demoExporter, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "serve", "--config.file="+configFile, "--web.listen-address="+listen, "--history.limit=20")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &demoExporter{cmd: cmd, exited: make(chan struct{})}
	go func() { e.err = cmd.Wait(); close(e.exited) }()
	if err := e.waitReady(ctx, "http://"+listen+"/-/ready"); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

// waitReady waits until the exporter answers, it exits, or ctx ends.
func (e *demoExporter) waitReady(ctx context.Context, url string) error {
	for {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-e.exited:
			return fmt.Errorf("it exited (%v) before it served: see its log above (another process on the address? give --web.listen-address)", e.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop ends the exporter as SIGTERM does, and waits for it.
func (e *demoExporter) stop() {
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = e.cmd.Process.Kill() // what it failed with is reported by Wait below
	}
	<-e.exited
}
