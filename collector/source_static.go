package collector

// staticSource is --nodeport.static: ports an operator knows are taken,
// e.g. by a hostPort or an out-of-cluster load balancer's health check.
// They are TCP ports, the protocol of every probe.
type staticSource struct {
	ports PortSet
}

func (staticSource) Name() string { return SourceStatic }

func (s staticSource) Allocations() ([]Allocation, error) {
	var out []Allocation
	for _, r := range s.ports.Ranges() {
		for p := int(r.First); p <= int(r.Last); p++ {
			out = append(out, Allocation{NodePort: NodePort{Protocol: "TCP", Port: uint16(p)}, Owner: "--nodeport.static"})
		}
	}
	return out, nil
}
