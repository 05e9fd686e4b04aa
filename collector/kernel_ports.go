package collector

import "github.com/kubeprobe/kubeprobe_exporter/internal/ports"

// kernelPorts is how the kernel picks a connection's source port: from
// net.ipv4.ip_local_port_range, never one of net.ipv4.ip_local_reserved_ports.
type kernelPorts struct {
	Ephemeral ports.Range
	Reserved  ports.Set
}

// KernelPorts reads both sysctls, once per scrape.
func (s *snapshot) KernelPorts() (*kernelPorts, error) {
	eph, err := s.EphemeralRange()
	if err != nil {
		return nil, err
	}
	reserved, err := s.ReservedPorts()
	if err != nil {
		return nil, err
	}
	return &kernelPorts{Ephemeral: eph, Reserved: reserved}, nil
}

// mayPick tells whether the kernel may pick p as a source port.
func (k *kernelPorts) mayPick(p uint16) bool {
	return k.Ephemeral.Contains(p) && !k.Reserved.Has(p)
}

// pickableIn is the ports of r the kernel may pick as source ports.
func (k *kernelPorts) pickableIn(r ports.Range) ports.Set {
	var out ports.Set
	for p := int(r.First); p <= int(r.Last); p++ {
		if k.mayPick(uint16(p)) {
			out.Add(uint16(p))
		}
	}
	return out
}
