package collector

import "github.com/prometheus/client_golang/prometheus"

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
func (s *snapshot) Overlap() (PortSet, error) {
	eph, err := s.EphemeralRange()
	if err != nil {
		return PortSet{}, err
	}
	reserved, err := s.ReservedPorts()
	if err != nil {
		return PortSet{}, err
	}
	return pickable(s.cfg.NodePortRange, eph, reserved), nil
}

// pickable is the ports of r that the kernel may pick as source ports:
// inside the ephemeral range and not reserved.
func pickable(r, ephemeral PortRange, reserved PortSet) PortSet {
	var out PortSet
	for p := int(r.First); p <= int(r.Last); p++ {
		if ephemeral.Contains(uint16(p)) && !reserved.Has(uint16(p)) {
			out.Add(uint16(p))
		}
	}
	return out
}
