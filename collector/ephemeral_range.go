package collector

import "github.com/prometheus/client_golang/prometheus"

var (
	ephemeralStartDesc = newDesc("ephemeral_port_range_start",
		"First port of net.ipv4.ip_local_port_range, the range the kernel picks source ports from.")
	ephemeralEndDesc = newDesc("ephemeral_port_range_end",
		"Last port of net.ipv4.ip_local_port_range.")
)

var ephemeralRangeScraper = scraper{
	name:  "ephemeral_port_range",
	descs: []*prometheus.Desc{ephemeralStartDesc, ephemeralEndDesc},
	update: func(s *snapshot, ch chan<- prometheus.Metric) error {
		r, err := s.EphemeralRange()
		if err != nil {
			return err
		}
		gauge(ch, ephemeralStartDesc, float64(r.First))
		gauge(ch, ephemeralEndDesc, float64(r.Last))
		return nil
	},
}
