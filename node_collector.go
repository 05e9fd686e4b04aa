package main

import (
	"context"
	"log/slog"

	"github.com/go-kit/log"
	"k8s.io/klog/v2"

	"github.com/kubeprobe/kubeprobe_exporter/collector"
)

// newNodeCollector builds the node's port-range collector from its flags,
// for serve and check alike. client-go logs through klog; it is routed to
// the exporter's logger so there is one log stream in one format.
func newNodeCollector(ctx context.Context, f *collector.Flags, logger log.Logger, slogger *slog.Logger) (*collector.Collector, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	if cfg.Kubernetes {
		klog.SetSlogLogger(slogger)
	}
	return collector.New(ctx, cfg, logger)
}
