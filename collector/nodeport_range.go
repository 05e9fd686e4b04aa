package collector

import (
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	nodePortStartDesc = newDesc("nodeport_range_start",
		"First port of the NodePort range (--nodeport.range, the API server's --service-node-port-range).")
	nodePortEndDesc = newDesc("nodeport_range_end",
		"Last port of the NodePort range.")
	overlapDesc = newDesc("nodeport_range_ephemeral_overlap_ports",
		"Ports of the NodePort range the kernel may pick as a source port: inside the ephemeral range and not reserved.")
)

var nodePortRangeScraper = scraper{
	name:  "nodeport_range",
	descs: []*prometheus.Desc{nodePortStartDesc, nodePortEndDesc, overlapDesc},
	update: func(s *snapshot, ch chan<- prometheus.Metric) error {
		r := s.cfg.NodePortRange
		gauge(ch, nodePortStartDesc, float64(r.First))
		gauge(ch, nodePortEndDesc, float64(r.Last))
		overlap, err := s.Overlap()
		if err != nil {
			return err
		}
		gauge(ch, overlapDesc, float64(overlap.Len()))
		return nil
	},
}

// Overlap is the ports of the NodePort range the kernel may pick as a
// source port.
func (s *snapshot) Overlap() (ports.Set, error) {
	k, err := s.KernelPorts()
	if err != nil {
		return ports.Set{}, err
	}
	return k.pickableIn(s.cfg.NodePortRange), nil
}
