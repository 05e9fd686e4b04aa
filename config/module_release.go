package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/kubeprobe/kubeprobe_exporter/internal/kubelet"
)

// validateRelease refuses what the module's kubelet release does not
// have: gRPC probes before 1.23 or with their gate off, and fields that
// came later than the release.
func (m *Module) validateRelease(n *yaml.Node) error {
	r := m.KubeletVersion.Release
	if m.Prober == ProberGRPC {
		if err := m.grpcAvailable(n, r); err != nil {
			return err
		}
	}
	if m.HTTP != nil && m.HTTP.Protocol != "" {
		if _, ok := kubelet.GateAt(kubelet.H2CContainerProbe, r); !ok {
			return underKey("http", keyError(child(n, "http"), "protocol",
				"kubelet %s has no httpGet.protocol: it came in 1.37, behind the feature gate %s", r.MinorString(), kubelet.H2CContainerProbe))
		}
	}
	if m.GRPC != nil && m.GRPC.Mode != "" {
		if _, ok := kubelet.GateAt(kubelet.GRPCContainerProbeTLS, r); !ok {
			return underKey("grpc", keyError(child(n, "grpc"), "mode",
				"kubelet %s has no grpc.mode: it came in 1.37, behind the feature gate %s", r.MinorString(), kubelet.GRPCContainerProbeTLS))
		}
	}
	return nil
}

// grpcAvailable refuses a grpc module for a kubelet that has no gRPC
// probes, or has them behind a gate that is off.
func (m *Module) grpcAvailable(n *yaml.Node, r kubelet.Release) error {
	stage, ok := kubelet.GateAt(kubelet.GRPCContainerProbe, r)
	switch {
	case !ok:
		return keyError(n, "prober", "kubelet %s has no grpc probes: they came in 1.23, behind the feature gate %s; "+
			"set kubelet_version to 1.23 or later", r.MinorString(), kubelet.GRPCContainerProbe)
	case m.FeatureGates.Enabled(kubelet.GRPCContainerProbe, r):
		return nil
	case !stage.Default:
		return keyError(n, "prober", "grpc probes are %s in kubelet %s, behind the feature gate %s, which is off by default: "+
			"set feature_gates: {%s: true}, as the node's kubelet must", stage.Name, r.MinorString(), kubelet.GRPCContainerProbe, kubelet.GRPCContainerProbe)
	}
	return keyError(n, "prober", "feature_gates turns %s off, and kubelet %s has no grpc probes without it", kubelet.GRPCContainerProbe, r.MinorString())
}
