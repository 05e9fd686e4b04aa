package collector

import "github.com/prometheus/client_golang/prometheus"

var activeOpensDesc = newDesc("tcp_active_opens_total",
	"TCP connections this node opened (Tcp ActiveOpens of /proc/net/snmp), each with a source port; its rate is the churn through the ephemeral range.")

var activeOpensScraper = scraper{
	name:  "tcp_churn",
	descs: []*prometheus.Desc{activeOpensDesc},
	update: func(s *snapshot, ch chan<- prometheus.Metric) error {
		n, err := s.node.ActiveOpens()
		if err != nil {
			return err
		}
		ch <- prometheus.MustNewConstMetric(activeOpensDesc, prometheus.CounterValue, n)
		return nil
	},
}
