package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/alecthomas/units"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/kubeprobe/kubeprobe_exporter/collector"
	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
)

type serveFlags struct {
	configFile      *string
	tracing         *bool
	web             *web.FlagConfig
	configCheck     *bool
	timeoutOffset   *float64
	historyLimit    *int
	historyMaxBytes *units.Base2Bytes
	maxConcurrent   *int
	gracePeriod     *time.Duration
	collector       *collector.Flags
	// probeLogs receives the probes' own log lines.
	probeLogs log.Logger
	shadow    shadowFlags
	watch     watchFlags
}

// addServeCommand adds serve, the default command, and its flags.
func addServeCommand(app *kingpin.Application) serveFlags {
	serve := app.Command("serve", "Serve /probe and /metrics (the default command).").Default()
	f := serveFlags{
		configFile:    addConfigFileFlag(serve),
		tracing:       addTracingFlag(serve),
		web:           kingpinflag.AddFlags(serve, defaultListenAddress),
		configCheck:   serve.Flag("config.check", "Validate the configuration file, print the result and exit: 0 if valid, 1 if not.").Bool(),
		timeoutOffset: serve.Flag("timeout-offset", "Seconds to subtract from Prometheus's scrape timeout to give a probe's timeout.").Default("0.5").Float64(),
		historyLimit:  serve.Flag("history.limit", "The number of recent probes, and separately of older failed probes, to keep for the landing page.").Default("100").Int(),
		historyMaxBytes: serve.Flag("history.max-bytes",
			"The most memory the kept probes may take, e.g. 16MiB; the oldest go first.").Default("16MiB").Bytes(),
		maxConcurrent: serve.Flag("probe.max-concurrent",
			"Probe sockets open at once; a sweep takes one per port it connects from at a time. Probes beyond it wait within their timeout, then get 503. 0: 256, or fewer where the descriptor limit (ulimit -n) would not hold them.").Default("0").Int(),
		gracePeriod: serve.Flag("shutdown.grace-period",
			"On SIGTERM or SIGINT, how long probes already running may take to finish; new ones get 503 meanwhile. Keep it below the pod's terminationGracePeriodSeconds.").Default("25s").Duration(),
	}
	f.collector = collector.AddFlags(serve)
	f.shadow = addShadowFlags(serve, f.collector)
	f.watch = addWatchFlags(serve)
	return f
}

// runServe serves until SIGTERM or SIGINT; SIGHUP reloads the configuration.
func runServe(f serveFlags, logger log.Logger, slogger *slog.Logger) int {
	if *f.configCheck {
		return checkConfig(*f.configFile, logger)
	}
	level.Info(logger).Log("msg", "Starting "+exporterName, "version", version.Info(), "build_context", version.BuildContext())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	limits, err := descriptorBudget(*f.maxConcurrent)
	if err != nil {
		level.Error(logger).Log("msg", "Error sizing the probe limits", "err", err)
		return 1
	}
	level.Info(logger).Log("msg", "Probe limits", "max_concurrent", limits.probes, "max_connections", limits.connections, "descriptor_limit", limits.descriptors)
	listeners, err := listen(f.web, limits.connections, slogger)
	if err != nil {
		level.Error(logger).Log("msg", "Error listening", "err", err)
		return 1
	}
	e, err := newService(ctx, f, limits, ownAddresses(listeners), logger, slogger)
	if err != nil {
		for _, l := range listeners {
			l.Close()
		}
		level.Error(logger).Log("msg", "Error starting", "err", err)
		return 1
	}
	defer e.tracer.Close()
	defer e.watch.Close()
	return e.serve(ctx, f, listeners, logger, slogger)
}

// ownAddresses is where the exporter listens, which probes are denied by
// default so that /probe cannot be turned on the exporter itself.
func ownAddresses(listeners []net.Listener) []netip.AddrPort {
	addrs := make([]net.Addr, len(listeners))
	for i, l := range listeners {
		addrs[i] = l.Addr()
	}
	return prober.ListenAddrPorts(addrs)
}

// service is what serve runs: the probe handler and the web server.
type service struct {
	probes *prober.Handler
	tracer *handshake.Tracer
	watch  nodeWatch
	server *http.Server
}

func newService(ctx context.Context, f serveFlags, limits fdBudget, own []netip.AddrPort, logger log.Logger, slogger *slog.Logger) (*service, error) {
	registry := prometheus.NewRegistry()
	registry.MustRegister(
		versioncollector.NewCollector(exporterName),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	node, err := registerNodeCollector(ctx, registry, f.collector, listenPorts(own), logger, slogger)
	if err != nil {
		return nil, err
	}
	tracer := startTracer(*f.tracing, logger)
	handshake.RegisterMetrics(registry, tracer, *f.tracing)
	history := prober.NewHistory(*f.historyLimit, int64(*f.historyMaxBytes))
	runner := prober.NewRunner(tracer, prober.NewGuard(own), f.probeLogs)
	knowNodePorts(runner, node)
	sc := config.NewSafeConfig(registry)
	shadowed, pods, err := startShadow(ctx, f.shadow, f.collector.Kubeconfig(), sc, *f.configFile, runner, history, registry, logger)
	if err != nil {
		return nil, err
	}
	if err := sc.Reload(*f.configFile); err != nil {
		return nil, fmt.Errorf("loading the configuration: %w", err)
	}
	watched := startWatch(f.watch, pods, node, registry, logger)
	level.Info(logger).Log("msg", "Loaded config file", "file", *f.configFile, "modules", len(sc.Get().Modules),
		"scheduled", len(sc.Get().Scheduled))
	reloader := newReloader(sc, *f.configFile, logger)
	go reloader.watchSIGHUP(ctx)
	probes := prober.NewHandler(prober.HandlerOptions{
		Config: sc, Runner: runner, History: history,
		Slots:         prober.NewSlots(limits.probes, registry),
		TimeoutOffset: durationFromSeconds(*f.timeoutOffset),
		Registerer:    registry,
	})
	mux := newMux(routes{registry: registry, probe: probes, config: sc, history: history, reloader: reloader, shadow: shadowed, watch: watched.counts, logger: logger})
	server := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// Prometheus keeps its connections between scrapes; one idle for
		// longer is closed, so idle clients cannot hold the connections.
		IdleTimeout: 2 * time.Minute,
		// The query string is the only input: a request line and headers
		// longer than this are refused before a handler sees them.
		MaxHeaderBytes: 16 << 10,
	}
	return &service{probes: probes, tracer: tracer, watch: watched, server: server}, nil
}

// registerNodeCollector adds the node's port-range signals, where there
// is a procfs to read them from, and returns the collector; nil where
// there is none.
func registerNodeCollector(ctx context.Context, reg *prometheus.Registry, f *collector.Flags, listen ports.Set, logger log.Logger, slogger *slog.Logger) (*collector.Collector, error) {
	node, err := newNodeCollector(ctx, f, listen, logger, slogger)
	switch {
	case errors.Is(err, collector.ErrUnsupported):
		level.Warn(logger).Log("msg", "Serving probes without the node collector", "err", err)
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("setting up the node collector: %w", err)
	}
	reg.MustRegister(node)
	return node, nil
}

// serve runs the web server until ctx ends, then stops gracefully.
func (e *service) serve(ctx context.Context, f serveFlags, listeners []net.Listener, logger log.Logger, slogger *slog.Logger) int {
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		e.stop(*f.gracePeriod, logger)
	}()
	if err := web.ServeMultiple(listeners, e.server, f.web, slogger); err != nil && !errors.Is(err, http.ErrServerClosed) {
		level.Error(logger).Log("msg", "Error running HTTP server", "err", err)
		return 1
	}
	<-stopped
	return 0
}

// stop refuses new probes, lets the running ones finish within grace,
// then closes the server: a probe still running then is cut short.
func (e *service) stop(grace time.Duration, logger log.Logger) {
	level.Info(logger).Log("msg", "Shutting down: new probes get 503, running ones may finish", "grace_period", grace)
	graceOver := make(chan struct{})
	timer := time.AfterFunc(grace, func() { close(graceOver) })
	defer timer.Stop()
	e.probes.Drain(graceOver)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := e.server.Shutdown(ctx); err != nil {
		level.Error(logger).Log("msg", "Error shutting down HTTP server", "err", err)
	}
	level.Info(logger).Log("msg", "Shut down")
}

func checkConfig(path string, logger log.Logger) int {
	if _, err := config.Load(path); err != nil {
		level.Error(logger).Log("msg", "Error loading config", "err", err)
		return 1
	}
	level.Info(logger).Log("msg", "Config file is ok", "file", path)
	return 0
}

// metricsHandler serves the exporter's own metrics.
func metricsHandler(reg *prometheus.Registry, logger log.Logger) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: promLogger{logger},
		Registry: reg,
	})
}

type promLogger struct{ log.Logger }

func (l promLogger) Println(v ...any) { level.Error(l.Logger).Log("msg", fmt.Sprint(v...)) }
