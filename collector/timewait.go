package collector

import "github.com/prometheus/client_golang/prometheus"

var timeWaitDesc = newDesc("tcp_time_wait_sockets",
	"TCP sockets in TIME_WAIT, IPv4 and IPv6, from /proc/net/sockstat.")

// timeWaitScraper is the cheap total: one line of /proc/net/sockstat,
// however many sockets there are.
var timeWaitScraper = scraper{
	name:  "time_wait",
	descs: []*prometheus.Desc{timeWaitDesc},
	update: func(s *snapshot, ch chan<- prometheus.Metric) error {
		n, err := s.node.TimeWaitSockets()
		if err != nil {
			return err
		}
		gauge(ch, timeWaitDesc, float64(n))
		return nil
	},
}
