package collector

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

var listenPortPickableDesc = prometheus.NewDesc(selfNamespace+"_listen_port_pickable",
	"1 if the kernel may hand out this listen port of the exporter as a connection's source port (inside the ephemeral range, not reserved): while a connection holds it, the exporter cannot start on it (bind: address already in use).",
	[]string{"port"}, nil)

// listenPortsScraper says, for each TCP port the exporter listens on (or,
// for check, would listen on), whether a connection may take it first.
// The exporter's own listener holds it while it runs; the risk is the next
// start, when churn's connections, TIME_WAIT ones included, can hold it.
var listenPortsScraper = scraper{
	name:  "listen_ports",
	descs: []*prometheus.Desc{listenPortPickableDesc},
	update: func(s *snapshot, ch chan<- prometheus.Metric) error {
		k, err := s.KernelPorts()
		if err != nil {
			return err
		}
		for _, p := range portList(s.cfg.ListenPorts) {
			gauge(ch, listenPortPickableDesc, boolValue(k.mayPick(p)), strconv.Itoa(int(p)))
		}
		return nil
	},
}

// pickableListenPorts is the listen ports the kernel may hand out.
func (k *kernelPorts) pickableListenPorts(listen ports.Set) []uint16 {
	var out []uint16
	for _, p := range portList(listen) {
		if k.mayPick(p) {
			out = append(out, p)
		}
	}
	return out
}

// portList is the ports of a set, in order.
func portList(set ports.Set) []uint16 {
	var out []uint16
	for _, r := range set.Ranges() {
		for p := int(r.First); p <= int(r.Last); p++ {
			out = append(out, uint16(p))
		}
	}
	return out
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
