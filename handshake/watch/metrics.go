package watch

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	ownerLabels = []string{"namespace", "pod", "container", "probe", "remote_port_class"}

	resetsDesc = prometheus.NewDesc("kubeprobe_node_handshakes_reset_after_synack_total",
		"Handshakes of this node's own processes (kubelet's probes among them) whose SYN-ACK this host answered with a RST while the socket waited in SYN_SENT, "+
			"one per reset. namespace, pod, container and probe name the container probe of this node the far end is the target of; "+
			"remote_port_class (well_known, registered, dynamic) the far end's port where it is none.",
		ownerLabels, nil)
	droppedSYNACKDesc = prometheus.NewDesc("kubeprobe_node_handshakes_synack_dropped_total",
		"SYN-ACKs from the probe targets of this node's pods (--shadow.pods) that arrived and were dropped on this host: a moment later the socket still waited in SYN_SENT, "+
			"and no RST had answered them. One per SYN-ACK; labels as for kubeprobe_node_handshakes_reset_after_synack_total.",
		ownerLabels, nil)
	lastPortDesc = prometheus.NewDesc("kubeprobe_node_handshakes_reset_after_synack_last_source_port",
		"The local source port of the last reset after SYN-ACK, with its owner's labels; nodeport is true when it is an allocated NodePort "+
			"(owner names its owners as the NodePort sources do: a Service namespace/name, IPVS ADDRESS, --nodeport.static), false when not, unknown without a NodePort source.",
		append(clone(ownerLabels), "nodeport", "owner"), nil)
	lastTimeDesc = prometheus.NewDesc("kubeprobe_node_handshakes_reset_after_synack_last_timestamp_seconds",
		"When the last reset after SYN-ACK of this node's own handshakes left, in seconds since the epoch.", nil, nil)
	seenDesc = prometheus.NewDesc("kubeprobe_node_handshakes_watch_resets_seen_total",
		"Resets this host sent that the passive handshake watch (--handshakes.watch) inspected.", nil, nil)
	droppedDesc = prometheus.NewDesc("kubeprobe_node_handshakes_watch_dropped_total",
		"Resets this host sent that the passive handshake watch could not inspect: its capture buffer or queue was full.", nil, nil)
)

func clone(s []string) []string { return append([]string(nil), s...) }

// Describe implements prometheus.Collector.
func (w *Watch) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{resetsDesc, droppedSYNACKDesc, lastPortDesc, lastTimeDesc, seenDesc, droppedDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (w *Watch) Collect(ch chan<- prometheus.Metric) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for o, n := range w.attributed {
		ch <- prometheus.MustNewConstMetric(resetsDesc, prometheus.CounterValue, float64(n), o.Namespace, o.Pod, o.Container, o.Probe, "")
	}
	for c, n := range w.byClass {
		ch <- prometheus.MustNewConstMetric(resetsDesc, prometheus.CounterValue, float64(n), "", "", "", "", c)
	}
	for o, n := range w.dropped {
		ch <- prometheus.MustNewConstMetric(droppedSYNACKDesc, prometheus.CounterValue, float64(n), o.Namespace, o.Pod, o.Container, o.Probe, "")
	}
	for c, n := range w.droppedBy {
		ch <- prometheus.MustNewConstMetric(droppedSYNACKDesc, prometheus.CounterValue, float64(n), "", "", "", "", c)
	}
	if e := w.last; e != nil {
		o := e.Owner
		ch <- prometheus.MustNewConstMetric(lastPortDesc, prometheus.GaugeValue, float64(e.Local.Port()),
			o.Namespace, o.Pod, o.Container, o.Probe, e.PortClass, string(e.NodePort), strings.Join(e.Owners, ","))
		ch <- prometheus.MustNewConstMetric(lastTimeDesc, prometheus.GaugeValue, float64(e.Last().UnixNano())/1e9)
	}
	if w.source != nil {
		ch <- prometheus.MustNewConstMetric(seenDesc, prometheus.CounterValue, float64(w.source.Seen()))
		ch <- prometheus.MustNewConstMetric(droppedDesc, prometheus.CounterValue, float64(w.source.Dropped()))
	}
}
