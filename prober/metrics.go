package prober

import "time"

// writeProbeMetrics sets the metrics every probe reports, whatever its
// protocol.
func writeProbeMetrics(r *Report, d *dialer, timeout time.Duration) {
	s := r.metrics
	s.set("probe_success", "Displays whether or not the probe was a success (kubelet's success or warning).", boolValue(r.Success()))
	s.set("probe_duration_seconds", "Returns how long the probe took to complete in seconds.", r.Duration.Seconds())
	s.set("probe_timeout_seconds", "The timeout the probe ran with: the module's, capped by the scrape's.", timeout.Seconds())
	s.set("probe_dns_lookup_time_seconds", "Returns the time taken for probe dns lookup in seconds.", d.DNSLookupSeconds())
	s.set("probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6.", float64(d.IPProtocol()))
	s.set("probe_kubelet_tries", "How often the probe ran: kubelet retries a probe error at once, up to 3 tries in all.", float64(r.Tries))
	for _, res := range results {
		s.set("probe_kubelet_result",
			"Kubelet's verdict on the probe, one series per result: success, warning (which counts as success), failure, or error (the probe could not be carried out; kubelet discards it).",
			boolValue(res == r.Verdict.Result), "result", res.String())
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
