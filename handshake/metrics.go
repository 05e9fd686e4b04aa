package handshake

import "github.com/prometheus/client_golang/prometheus"

// RegisterMetrics adds the capture's health to the exporter's own
// metrics; t is nil when tracing is off, and enabled says whether it was
// asked for, so that an alert can tell a capture that failed from one
// turned off on purpose.
func RegisterMetrics(reg prometheus.Registerer, t *Tracer, enabled bool) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kubeprobe_exporter_trace_enabled",
			Help: "1 unless handshake tracing was turned off with --no-tracing.handshakes.",
		}, func() float64 { return boolValue(enabled) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kubeprobe_exporter_trace_available",
			Help: "1 while the AF_PACKET capture that judges handshakes from their packets runs.",
		}, func() float64 { return boolValue(t != nil) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kubeprobe_exporter_trace_packets_dropped_total",
			Help: "SYN and RST segments the kernel could not queue for the capture because its buffer was full.",
		}, func() float64 { return float64(t.Dropped()) }),
	)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
