package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"

	"github.com/kubeprobe/kubeprobe_exporter/collector"
	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/kubeapi"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
	"github.com/kubeprobe/kubeprobe_exporter/shadow"
)

// shadowFlags are serve's --shadow.* flags.
type shadowFlags struct {
	pods           *bool
	node           *string
	kubeletVersion *string
}

func addShadowFlags(cmd *kingpin.CmdClause, c *collector.Flags) shadowFlags {
	f := shadowFlags{
		pods: cmd.Flag("shadow.pods",
			"Shadow the readiness, liveness and startup probes of this node's pods, as kubelet schedules them (watches Pods through the Kubernetes API; see --kubeconfig).").Bool(),
		node: cmd.Flag("shadow.node",
			"The node whose pods --shadow.pods shadows; the DaemonSet sets NODE_NAME from spec.nodeName.").Default(os.Getenv("NODE_NAME")).String(),
		kubeletVersion: cmd.Flag("shadow.kubelet-version",
			"The release of this node's kubelet, whose rules the shadowed pods' probes follow, e.g. 1.31 or 1.31.4.").Default(config.DefaultKubeletVersion.String()).String(),
	}
	c.ShareKubeconfig("--shadow.pods", f.pods)
	return f
}

// startShadow runs the shadow: the scheduled entries of the configuration
// (following its reloads), and with --shadow.pods this node's pods.
func startShadow(ctx context.Context, f shadowFlags, kubeconfig string, sc *config.SafeConfig, path string, runner *prober.Runner,
	history *prober.History, reg prometheus.Registerer, logger log.Logger) (*shadow.Manager, *shadow.Pods, error) {
	m := shadow.NewManager(ctx, clock.RealClock{})
	reg.MustRegister(m)
	sc.OnReload(func(c *config.Config) (func(), error) {
		probes, err := shadow.Configured(c, path, runner, history)
		if err != nil {
			return nil, err
		}
		return func() { m.Sync("config", probes, nil) }, nil
	})
	if !*f.pods {
		return m, nil, nil
	}
	pods, err := watchPods(ctx, f, kubeconfig, m, runner, history, logger)
	if err != nil {
		return nil, nil, err
	}
	return m, pods, nil
}

func watchPods(ctx context.Context, f shadowFlags, kubeconfig string, m *shadow.Manager, runner *prober.Runner, history *prober.History, logger log.Logger) (*shadow.Pods, error) {
	if *f.node == "" {
		return nil, errors.New("--shadow.pods needs the node's name: give --shadow.node, or set NODE_NAME (the DaemonSet sets it from spec.nodeName)")
	}
	release, err := config.ParseKubeletVersion(*f.kubeletVersion)
	if err != nil {
		return nil, fmt.Errorf("--shadow.kubelet-version=%s: %w", *f.kubeletVersion, err)
	}
	cfg, err := kubeapi.Config(kubeconfig, "--shadow.pods")
	if err != nil {
		return nil, err
	}
	client, err := kubeapi.NewCoreV1(cfg)
	if err != nil {
		return nil, fmt.Errorf("--shadow.pods: %w", err)
	}
	pods := shadow.NewPods(m, client.Pods(), nil, *f.node, release, runner, history, logger)
	pods.Start(ctx)
	level.Info(logger).Log("msg", "Shadowing the probes of this node's pods", "node", *f.node, "kubelet_version", release)
	return pods, nil
}
