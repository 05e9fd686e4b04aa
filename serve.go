package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/kubeprobe/kubeprobe_exporter/collector"
	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
)

type serveFlags struct {
	configFile    *string
	tracing       *bool
	web           *web.FlagConfig
	configCheck   *bool
	timeoutOffset *float64
	historyLimit  *int
	collector     *collector.Flags
}

// runServe serves until SIGTERM or SIGINT; SIGHUP reloads the configuration.
func runServe(f serveFlags, logger log.Logger, slogger *slog.Logger) int {
	if *f.configCheck {
		return checkConfig(*f.configFile, logger)
	}
	level.Info(logger).Log("msg", "Starting "+exporterName, "version", version.Info(), "build_context", version.BuildContext())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	registry := prometheus.NewRegistry()
	registry.MustRegister(
		versioncollector.NewCollector(exporterName),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	node, err := newNodeCollector(ctx, f.collector, logger, slogger)
	switch {
	case errors.Is(err, collector.ErrUnsupported):
		level.Warn(logger).Log("msg", "Serving probes without the node collector", "err", err)
	case err != nil:
		level.Error(logger).Log("msg", "Error setting up the node collector", "err", err)
		return 1
	default:
		registry.MustRegister(node)
	}
	sc := config.NewSafeConfig(registry)
	if err := sc.Reload(*f.configFile); err != nil {
		level.Error(logger).Log("msg", "Error loading config", "err", err)
		return 1
	}
	level.Info(logger).Log("msg", "Loaded config file", "file", *f.configFile, "modules", len(sc.Get().Modules))

	tracer := startTracer(*f.tracing, logger)
	defer tracer.Close()
	handshake.RegisterMetrics(registry, tracer, *f.tracing)
	reloader := newReloader(sc, *f.configFile, logger)
	history := prober.NewHistory(*f.historyLimit)
	runner := prober.NewRunner(tracer, logger)
	probeHandler := prober.NewHandler(sc, runner, durationFromSeconds(*f.timeoutOffset), history, registry)
	mux := newMux(routes{
		registry: registry,
		probe:    probeHandler,
		config:   sc,
		history:  history,
		reloader: reloader,
		logger:   logger,
	})
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	go reloader.watchSIGHUP(ctx)
	go shutdownOnDone(ctx, server, logger)
	if err := web.ListenAndServe(server, f.web, slogger); err != nil && !errors.Is(err, http.ErrServerClosed) {
		level.Error(logger).Log("msg", "Error running HTTP server", "err", err)
		return 1
	}
	return 0
}

func checkConfig(path string, logger log.Logger) int {
	if _, err := config.Load(path); err != nil {
		level.Error(logger).Log("msg", "Error loading config", "err", err)
		return 1
	}
	level.Info(logger).Log("msg", "Config file is ok", "file", path)
	return 0
}

// shutdownOnDone stops the server gracefully once ctx ends, letting
// running probes finish.
func shutdownOnDone(ctx context.Context, server *http.Server, logger log.Logger) {
	<-ctx.Done()
	level.Info(logger).Log("msg", "Shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		level.Error(logger).Log("msg", "Error shutting down HTTP server", "err", err)
	}
}

// reloader serialises reloads from SIGHUP and from POST /-/reload.
type reloader struct {
	config *config.SafeConfig
	path   string
	logger log.Logger
	reqs   chan chan error
}

func newReloader(sc *config.SafeConfig, path string, logger log.Logger) *reloader {
	return &reloader{config: sc, path: path, logger: logger, reqs: make(chan chan error)}
}

func (r *reloader) watchSIGHUP(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			_ = r.reload()
		case done := <-r.reqs:
			done <- r.reload()
		case <-ctx.Done():
			return
		}
	}
}

// Reload asks the watcher to reload and waits for the result.
func (r *reloader) Reload(ctx context.Context) error {
	done := make(chan error, 1)
	select {
	case r.reqs <- done:
		return <-done
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *reloader) reload() error {
	if err := r.config.Reload(r.path); err != nil {
		level.Error(r.logger).Log("msg", "Error reloading config; keeping the running one", "err", err)
		return err
	}
	level.Info(r.logger).Log("msg", "Reloaded config file", "file", r.path)
	return nil
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
