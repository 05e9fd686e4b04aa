package collector

import "github.com/prometheus/client_golang/prometheus"

var reservedPortsDesc = newDesc("ephemeral_reserved_ports",
	"Number of ports in net.ipv4.ip_local_reserved_ports, which the kernel never picks as source ports.")

var reservedPortsScraper = scraper{
	name:  "reserved_ports",
	descs: []*prometheus.Desc{reservedPortsDesc},
	update: func(s *snapshot, ch chan<- prometheus.Metric) error {
		reserved, err := s.ReservedPorts()
		if err != nil {
			return err
		}
		gauge(ch, reservedPortsDesc, float64(reserved.Len()))
		return nil
	},
}
