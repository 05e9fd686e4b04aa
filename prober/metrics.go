package prober

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// registerProbeMetrics adds the metrics every probe reports, whatever its
// protocol, to the probe's registry.
func registerProbeMetrics(r *Report, d *dialer, timeout time.Duration) {
	gauge := func(name, help string, value float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		g.Set(value)
		r.Registry.MustRegister(g)
	}
	gauge("probe_success", "Displays whether or not the probe was a success (kubelet's success or warning).", boolValue(r.Success()))
	gauge("probe_duration_seconds", "Returns how long the probe took to complete in seconds.", r.Duration.Seconds())
	gauge("probe_timeout_seconds", "The timeout the probe ran with: the module's, capped by the scrape's.", timeout.Seconds())
	gauge("probe_dns_lookup_time_seconds", "Returns the time taken for probe dns lookup in seconds.", d.DNSLookupSeconds())
	gauge("probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6.", float64(d.IPProtocol()))
	gauge("probe_kubelet_tries", "How often the probe ran: kubelet retries a probe error at once, up to 3 tries in all.", float64(r.Tries))

	result := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "probe_kubelet_result",
		Help: "Kubelet's verdict on the probe, one series per result: success, warning (which counts as success), failure, or error (the probe could not be carried out; kubelet discards it).",
	}, []string{"result"})
	for _, res := range results {
		result.WithLabelValues(res.String()).Set(boolValue(res == r.Verdict.Result))
	}
	r.Registry.MustRegister(result)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
