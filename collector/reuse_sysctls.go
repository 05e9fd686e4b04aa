package collector

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	twReuseDesc = newDesc("sysctl_tcp_tw_reuse",
		"net.ipv4.tcp_tw_reuse: 0 off, 1 on, 2 on for loopback only; whether a TIME_WAIT socket's port may be reused for a new connection.")
	conntrackTWDesc = newDesc("sysctl_nf_conntrack_tcp_timeout_time_wait_seconds",
		"net.netfilter.nf_conntrack_tcp_timeout_time_wait: how long conntrack remembers a closed connection; absent when nf_conntrack is not loaded.")
)

// reuseSysctlsScraper exports the sysctls that decide how soon a source
// port comes back into use.
var reuseSysctlsScraper = scraper{
	name:  "reuse_sysctls",
	descs: []*prometheus.Desc{twReuseDesc, conntrackTWDesc},
	update: func(s *snapshot, ch chan<- prometheus.Metric) error {
		reuse, err := s.node.IntSysctl(sysctlTWReuse)
		if err != nil {
			return err
		}
		gauge(ch, twReuseDesc, float64(reuse))
		timeout, err := s.node.IntSysctl(sysctlConntrackTW)
		if errors.Is(err, errAbsent) {
			return nil
		}
		if err != nil {
			return err
		}
		gauge(ch, conntrackTWDesc, float64(timeout))
		return nil
	},
}
