package collector

import "github.com/prometheus/client_golang/prometheus"

var connectPortsDesc = newDesc("ephemeral_connect_ports",
	"Source ports connect(2) picks from first: the ports of net.ipv4.ip_local_port_range of its first port's parity, less the reserved ones. Every connection's port is drawn from these afresh; connections to one destination need a port each, so its TIME_WAIT sockets can use them up.")

// connectPortsScraper exports the pool connect(2) draws from. Linux
// (since 4.6) tries the ports of the range start's parity first and
// leaves the other parity to bind(2) with port 0, and since 5.18 (the
// port randomization fix of CVE-2022-1012) it starts each destination at
// an offset redrawn every 10 seconds. docs/collector.md has what the lab
// measured of it.
var connectPortsScraper = scraper{
	name:  "connect_ports",
	descs: []*prometheus.Desc{connectPortsDesc},
	update: func(s *snapshot, ch chan<- prometheus.Metric) error {
		k, err := s.KernelPorts()
		if err != nil {
			return err
		}
		gauge(ch, connectPortsDesc, float64(k.connectPorts()))
		return nil
	},
}

// connectFirst tells whether connect(2) picks p in its first pass: p has
// the parity of the range's first port.
func (k *kernelPorts) connectFirst(p uint16) bool {
	return (p-k.Ephemeral.First)%2 == 0
}

// connectPorts counts the ports connect(2) picks from first.
func (k *kernelPorts) connectPorts() int {
	n := 0
	for p := int(k.Ephemeral.First); p <= int(k.Ephemeral.Last); p += 2 {
		if !k.Reserved.Has(uint16(p)) {
			n++
		}
	}
	return n
}
