package collector

import (
	"cmp"
	"maps"
	"net/netip"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
	"github.com/kubeprobe/kubeprobe_exporter/internal/sockdiag"
)

var (
	timeWaitByRangeDesc = newDesc("tcp_time_wait_sockets_by_range",
		"TCP sockets in TIME_WAIT by the range of their local port: nodeport (inside --nodeport.range), ephemeral (inside net.ipv4.ip_local_port_range, outside the NodePort range) or other.", "range")
	timeWaitTopDesc = newDesc("tcp_time_wait_top_destinations",
		"TCP sockets in TIME_WAIT to each of the --collector.timewait.top remote endpoints with the most.", "destination")
)

// The values of the range label.
const (
	rangeNodePort  = "nodeport"
	rangeEphemeral = "ephemeral"
	rangeOther     = "other"
)

// timeWaitBreakdownScraper exports one sock_diag dump of the TIME_WAIT
// sockets, never /proc/net/tcp, which formats every socket in every state
// as text.
var timeWaitBreakdownScraper = scraper{
	name:  "time_wait_breakdown",
	descs: []*prometheus.Desc{timeWaitByRangeDesc, timeWaitTopDesc},
	update: func(s *snapshot, ch chan<- prometheus.Metric) error {
		tw, err := s.TimeWait()
		if err != nil {
			return err
		}
		gauge(ch, timeWaitByRangeDesc, float64(tw.byRange.NodePort), rangeNodePort)
		gauge(ch, timeWaitByRangeDesc, float64(tw.byRange.Ephemeral), rangeEphemeral)
		gauge(ch, timeWaitByRangeDesc, float64(tw.byRange.Other), rangeOther)
		for _, d := range tw.Top(s.cfg.TimeWaitTop) {
			gauge(ch, timeWaitTopDesc, float64(d.Sockets), d.Destination)
		}
		return nil
	},
}

// timeWaitBreakdown counts TIME_WAIT sockets by local-port range and by
// remote endpoint.
type timeWaitBreakdown struct {
	byRange TimeWaitByRange
	byDest  map[netip.AddrPort]int
}

// TimeWaitByRange counts TIME_WAIT sockets by the range of their local
// port, the values of kubeprobe_tcp_time_wait_sockets_by_range's label.
type TimeWaitByRange struct {
	NodePort  int `json:"nodeport"`
	Ephemeral int `json:"ephemeral"`
	Other     int `json:"other"`
}

// count adds a socket with local port p.
func (c *TimeWaitByRange) count(p uint16, ephemeral, nodePorts ports.Range) {
	switch portRangeName(p, ephemeral, nodePorts) {
	case rangeNodePort:
		c.NodePort++
	case rangeEphemeral:
		c.Ephemeral++
	default:
		c.Other++
	}
}

// Destination is a remote endpoint and its TIME_WAIT sockets.
type Destination struct {
	Destination string `json:"destination"`
	Sockets     int    `json:"sockets"`
}

func readTimeWait(ephemeral, nodePorts ports.Range) (timeWaitBreakdown, error) {
	tw := timeWaitBreakdown{byDest: map[netip.AddrPort]int{}}
	err := sockdiag.Dump(sockdiag.TCP, sockdiag.StateMask(sockdiag.StateTimeWait), func(s sockdiag.Socket) {
		tw.byRange.count(s.Local.Port(), ephemeral, nodePorts)
		tw.byDest[s.Remote]++
	})
	return tw, err
}

// portRangeName classes a local port. A port in both ranges is a
// nodeport: the kernel picking NodePort-range ports as source ports is
// what this shows.
func portRangeName(p uint16, ephemeral, nodePorts ports.Range) string {
	switch {
	case nodePorts.Contains(p):
		return rangeNodePort
	case ephemeral.Contains(p):
		return rangeEphemeral
	}
	return rangeOther
}

// Top is the n destinations with the most sockets, most first; ties go
// in address order so the exported set is stable.
func (tw timeWaitBreakdown) Top(n int) []Destination {
	dests := slices.SortedFunc(maps.Keys(tw.byDest), func(a, b netip.AddrPort) int {
		return cmp.Or(cmp.Compare(tw.byDest[b], tw.byDest[a]), a.Compare(b))
	})
	out := make([]Destination, 0, min(n, len(dests)))
	for _, d := range dests[:min(n, len(dests))] {
		out = append(out, Destination{Destination: d.String(), Sockets: tw.byDest[d]})
	}
	return out
}
