package main

import (
	"errors"
	"net/netip"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubeprobe/kubeprobe_exporter/collector"
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/handshake/watch"
	"github.com/kubeprobe/kubeprobe_exporter/shadow"
)

// watchFlags are serve's --handshakes.watch flags.
type watchFlags struct {
	enabled *bool
	keep    *int
}

func addWatchFlags(cmd *kingpin.CmdClause) watchFlags {
	return watchFlags{
		enabled: cmd.Flag("handshakes.watch",
			"Watch the node's own handshakes passively, kubelet's probes among them: count each SYN-ACK this host answers with a RST while "+
				"the connecting socket waits in SYN_SENT, attributed to this node's pod probes with --shadow.pods (which also tells their "+
				"SYN-ACKs dropped here). A second AF_PACKET capture (CAP_NET_RAW) that passes only the resets this host sends "+
				"and the SYN-ACKs of those probe targets.").Bool(),
		keep: cmd.Flag("handshakes.watch.keep", "The resets after SYN-ACK the landing page keeps with their timelines.").Default("10").Int(),
	}
}

// nodeWatch is the passive watch and what it counts into; both nil when
// it is off.
type nodeWatch struct {
	resets *handshake.ResetWatch
	counts *watch.Watch
}

func (w nodeWatch) Close() error { return w.resets.Close() }

// startWatch starts the passive watch, or says in one line why the node's
// handshakes go unwatched.
func startWatch(f watchFlags, pods *shadow.Pods, node *collector.Collector, reg prometheus.Registerer, logger log.Logger) nodeWatch {
	if !*f.enabled {
		return nodeWatch{}
	}
	counts := watch.New(watch.Options{Targets: podTargets(pods), NodePorts: nodePortOwners(node), Keep: *f.keep})
	resets, err := handshake.WatchResets(logger, counts.Observe)
	if err != nil {
		msg := "The node's handshakes go unwatched: --handshakes.watch needs an AF_PACKET capture, with CAP_NET_RAW (the DaemonSet of deploy/kubernetes grants it)"
		if errors.Is(err, handshake.ErrUnsupported) {
			msg = "The node's handshakes go unwatched: --handshakes.watch needs Linux"
		}
		level.Warn(logger).Log("msg", msg, "err", err)
		return nodeWatch{}
	}
	counts.Attach(resets)
	reg.MustRegister(counts)
	if pods != nil {
		// Dropped SYN-ACKs are told for the probe targets only: following
		// every SYN-ACK of the node would cost what the watch saves.
		pods.OnTargets(func(targets []netip.AddrPort) {
			counts.Retain(targets)
			if err := resets.Follow(targets); err != nil {
				level.Warn(logger).Log("msg", "The watch cannot follow the SYN-ACKs of this node's probe targets; dropped ones go untold", "err", err)
			}
		})
	}
	if pods == nil {
		level.Info(logger).Log("msg", "Watching the node's handshakes; without --shadow.pods its resets are counted by remote port class, not by pod probe")
	} else {
		level.Info(logger).Log("msg", "Watching the node's handshakes, attributed to this node's pod probes")
	}
	return nodeWatch{resets: resets, counts: counts}
}

// podTargets attributes a far end to the probes of this node's pods that
// target it; nil without --shadow.pods.
func podTargets(pods *shadow.Pods) watch.Targets {
	if pods == nil {
		return nil
	}
	return func(remote netip.AddrPort) []watch.Owner {
		refs := pods.ProbesAt(remote)
		out := make([]watch.Owner, len(refs))
		for i, r := range refs {
			out[i] = watch.Owner{Namespace: r.Key.Namespace, Pod: r.Key.Pod, Container: r.Key.Container, Probe: string(r.Type)}
		}
		return out
	}
}

// nodePortOwners tells a source port apart as an allocated NodePort from
// the collector's NodePort sources; nil without any.
func nodePortOwners(node *collector.Collector) watch.NodePorts {
	if node == nil {
		return nil
	}
	index := node.NodePortIndex(nodePortRefresh)
	if index == nil {
		return nil
	}
	return func(port uint16) ([]string, bool, bool) {
		k, ok := index.Lookup(port)
		return k.Owners, ok, true
	}
}
