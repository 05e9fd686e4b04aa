package prober

import (
	"fmt"
	"strings"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// NodePorts tells which ports of this node are allocated NodePorts, as
// the node collector's sources know them (--nodeport.kubernetes, IPVS,
// --nodeport.static). A probe whose SYN-ACK this node reset then names
// the NodePort that took it.
type NodePorts interface {
	// NodePort describes TCP port p when it is an allocated NodePort.
	NodePort(p uint16) (NodePort, bool)
}

// NodePort is one allocated NodePort.
type NodePort struct {
	// Owners name what allocated it: "default/web" for a Service,
	// "IPVS 198.18.0.1:30080", "--nodeport.static".
	Owners []string
	// Sources are the collector's sources that know it: kubernetes,
	// ipvs, static.
	Sources []string
}

// String is how a verdict names it, e.g. "an allocated NodePort
// (default/web; known from kubernetes)".
func (n NodePort) String() string {
	return fmt.Sprintf("an allocated NodePort (%s; known from %s)", strings.Join(n.Owners, ", "), strings.Join(n.Sources, ", "))
}

// SetNodePorts gives the runner what it needs to name a NodePort that
// took a probe's source port. Call it before the first Run.
func (r *Runner) SetNodePorts(np NodePorts) { r.nodePorts = np }

// nameSourcePortOwners tells each failed connect whose source port is an
// allocated NodePort which one it is, so that its verdict names it.
func (r *Runner) nameSourcePortOwners(attempts []*handshake.Attempt) {
	if r.nodePorts == nil {
		return
	}
	for _, a := range attempts {
		if !explainedByPortOwner(a) {
			continue
		}
		if np, ok := r.nodePorts.NodePort(a.SourcePort()); ok {
			a.SourcePortOwner = np.String()
		}
	}
}

// explainedByPortOwner tells the failures an owner of the source port
// causes: its SYN-ACK reset or dropped here, or, untraced, a timeout.
func explainedByPortOwner(a *handshake.Attempt) bool {
	switch a.Outcome {
	case handshake.ResetAfterSYNACK, handshake.SYNACKDropped:
		return true
	case handshake.Timeout:
		return !a.Traced
	}
	return false
}

// registerNodePortMetric says whether the source port of the probe's last
// connection is an allocated NodePort; without NodePort sources nothing
// is known, and the metric is left out.
func (r *Runner) writeNodePortMetric(s *metricSet, attempts []*handshake.Attempt) {
	if r.nodePorts == nil || len(attempts) == 0 {
		return
	}
	last := attempts[len(attempts)-1]
	_, isNodePort := r.nodePorts.NodePort(last.SourcePort())
	s.set("probe_tcp_source_port_nodeport",
		"1 if the source port of the probe's connection is an allocated NodePort of this node, as the exporter's NodePort sources know them.",
		boolValue(isNodePort && last.SourcePort() != 0))
}
