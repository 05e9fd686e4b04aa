package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

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
