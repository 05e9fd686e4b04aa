package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/go-kit/log"
	"k8s.io/klog/v2"

	"github.com/kubeprobe/kubeprobe_exporter/collector"
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
)

// newNodeCollector builds the node's port-range collector from its flags,
// for serve, check and probe alike, with the exporter's TCP listen ports.
// client-go logs through klog; it is routed to the exporter's logger so
// there is one log stream in one format.
func newNodeCollector(ctx context.Context, f *collector.Flags, listen ports.Set, logger log.Logger, slogger *slog.Logger) (*collector.Collector, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	cfg.ListenPorts = listen
	if cfg.Kubernetes {
		klog.SetSlogLogger(slogger)
	}
	return collector.New(ctx, cfg, logger)
}

// nodePortRefresh is how stale the prober's view of the allocated
// NodePorts may be: Services and IPVS services change rarely, and a probe
// asks on every run.
const nodePortRefresh = 5 * time.Second

// nodePortLookup answers the prober's NodePort questions from the node
// collector's sources.
type nodePortLookup struct{ index *collector.NodePortIndex }

func (l nodePortLookup) NodePort(p uint16) (prober.NodePort, bool) {
	k, ok := l.index.Lookup(p)
	return prober.NodePort{Owners: k.Owners, Sources: k.Sources}, ok
}

// knowNodePorts lets the runner name the NodePort that took a probe's
// source port; without a NodePort source there is nothing to tell it.
func knowNodePorts(r *prober.Runner, node *collector.Collector) {
	if node == nil {
		return
	}
	if index := node.NodePortIndex(nodePortRefresh); index != nil {
		r.SetNodePorts(nodePortLookup{index})
	}
}

// listenPorts is the ports of TCP listen addresses; other addresses
// (vsock://, a systemd socket that is not TCP) have none a connection
// could take.
func listenPorts(addrs []netip.AddrPort) ports.Set {
	var set ports.Set
	for _, a := range addrs {
		set.Add(a.Port())
	}
	return set
}

// flagListenPorts is the ports of --web.listen-address values, as check
// takes them: host:port or :port; vsock:// addresses are skipped.
func flagListenPorts(addresses []string) (ports.Set, error) {
	var set ports.Set
	for _, a := range addresses {
		if strings.HasPrefix(a, "vsock://") {
			continue
		}
		_, port, err := net.SplitHostPort(a)
		if err == nil {
			var p uint64
			if p, err = strconv.ParseUint(port, 10, 16); err == nil {
				set.Add(uint16(p))
				continue
			}
		}
		return set, fmt.Errorf("--web.listen-address=%s: want HOST:PORT or :PORT, such as :9878: %w", a, err)
	}
	return set, nil
}
