package collector

import (
	"cmp"
	"context"
	"slices"
)

// NodePort is one allocated port that something on the node owns: IPVS or
// iptables answers packets sent to it, whatever socket the kernel thinks
// uses the port.
type NodePort struct {
	Protocol string `json:"protocol"` // TCP, UDP or SCTP
	Port     uint16 `json:"port"`
}

// Allocation is a NodePort and who holds it, for the check report:
// "default/web" for a Service, "198.18.0.1:30080" for an IPVS service.
type allocation struct {
	NodePort
	Owner string
}

// Source lists the NodePorts allocated on this node, as one of the
// kubernetes, ipvs and static sources sees them.
type source interface {
	Name() string
	Allocations() ([]allocation, error)
	// WaitForSync returns once the source has read what it watches, or
	// ctx ended; sources that read on every scrape are always in sync.
	WaitForSync(ctx context.Context) error
}

// Names of the sources, the values of kubeprobe_nodeports_allocated's
// source label.
const (
	sourceKubernetes = "kubernetes"
	sourceIPVS       = "ipvs"
	sourceStatic     = "static"
)

// absentError is a source left on by default whose table is not on this
// node (no /proc/net/ip_vs: kube-proxy does not run in IPVS mode). It is
// no failure, and no count either: the source exports no series, rather
// than a 0 that would read as "IPVS holds no NodePort".
type absentError struct{ reason string }

func (e *absentError) Error() string { return e.reason }

// distinctNodePorts is the NodePorts of allocations without repeats, in
// port order.
func distinctNodePorts(allocs []allocation) []NodePort {
	seen := make(map[NodePort]bool, len(allocs))
	var out []NodePort
	for _, a := range allocs {
		if !seen[a.NodePort] {
			seen[a.NodePort] = true
			out = append(out, a.NodePort)
		}
	}
	slices.SortFunc(out, compareNodePorts)
	return out
}

func compareNodePorts(a, b NodePort) int {
	return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
}
