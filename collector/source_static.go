package collector

import (
	"context"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// staticSource is --nodeport.static: ports an operator knows are taken,
// e.g. by a hostPort or an out-of-cluster load balancer's health check.
// They are TCP ports, the protocol of every probe.
type staticSource struct {
	ports ports.Set
}

func (staticSource) Name() string { return sourceStatic }

func (staticSource) WaitForSync(context.Context) error { return nil }

func (s staticSource) Allocations() ([]allocation, error) {
	var out []allocation
	for _, r := range s.ports.Ranges() {
		for p := int(r.First); p <= int(r.Last); p++ {
			out = append(out, allocation{NodePort: NodePort{Protocol: "TCP", Port: uint16(p)}, Owner: "--nodeport.static"})
		}
	}
	return out, nil
}
