package shadow

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// labels name a shadowed probe: the pod's, for probes of this node's pods;
// for an entry of the configuration's scheduled section, its name as the
// container and no namespace or pod. Their number is bounded by the
// node's pods and the configuration.
var labels = []string{"namespace", "pod", "container", "probe_type"}

// withLabels is labels and then extra, in a slice of its own.
func withLabels(extra ...string) []string {
	return append(append([]string{}, labels...), extra...)
}

func newDesc(name, help string, extra ...string) *prometheus.Desc {
	return prometheus.NewDesc("kubeprobe_shadow_"+name, help, withLabels(extra...), nil)
}

var (
	readyDesc = newDesc("ready",
		"1 while kubelet would hold success for the probe: a readiness probe's container is ready, a liveness probe's is alive, a startup probe's has started.")
	failuresDesc = newDesc("consecutive_failures",
		"Failures in a row of the probe; kubelet acts on failureThreshold of them.")
	startingDesc = newDesc("starting_seconds",
		"Seconds since the container started, while the probe has not yet succeeded once; 0 once it has.")
	usualDesc = newDesc("startup_usual_seconds",
		"How long the container usually takes until the probe first succeeds: the longest start-up seen, or, with none seen yet, the probe's budget (initialDelaySeconds + (failureThreshold − 1) × periodSeconds).")
	overdueDesc = newDesc("startup_overdue",
		"1 while the container has been starting for longer than it usually takes (see kubeprobe_shadow_startup_usual_seconds): not the usual start-up, but something wrong.")
	budgetDesc = newDesc("startup_budget_seconds",
		"How long the probe lets a container take to start: initialDelaySeconds + (failureThreshold − 1) × periodSeconds.")
	longestDesc = newDesc("startup_longest_seconds",
		"The longest start-up seen of the container: seconds from its start until the probe first succeeded. Absent until one is seen.")
	initialDelayDesc = newDesc("recommended_initial_delay_seconds",
		"While the longest start-up seen exceeds the probe's budget: the initialDelaySeconds that would cover it, with a quarter to spare (what /shadow recommends).")
	thresholdDesc = newDesc("recommended_startup_failure_threshold",
		"While the longest start-up seen exceeds the probe's budget: the failureThreshold of a startupProbe at periodSeconds (the probe's own, a label) that would cover it, with a quarter to spare (what /shadow recommends).",
		"period_seconds")
	unsupportedDesc = newDesc("unsupported_probes",
		"Probes of this node's pods the exporter does not run (exec probes run inside the container), by handler.",
		"handler")
)

// metrics are the shadow's series: counters and histograms kept across
// scrapes, gauges read from the workers.
type metrics struct {
	probes       *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	wouldRestart *prometheus.CounterVec
	firstSuccess *prometheus.HistogramVec
}

func newMetrics() *metrics {
	return &metrics{
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubeprobe_shadow_probes_total",
			Help: "Probes run, every try counted, by outcome: the handshake's when the connect failed, else kubelet's result (success, warning, failure, error).",
		}, withLabels("outcome")),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kubeprobe_shadow_probe_duration_seconds",
			Help:    "How long each probe took.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, labels),
		wouldRestart: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubeprobe_shadow_would_restart_total",
			Help: "Times kubelet would have restarted the container: its liveness or startup probe reached failureThreshold.",
		}, labels),
		firstSuccess: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kubeprobe_shadow_time_to_first_success_seconds",
			Help:    "Seconds from a container's start until its probe first succeeded, across restarts, by what the failures before it were: none, refused (not listening yet) or other.",
			Buckets: []float64{1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600},
		}, withLabels("failures_before")),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.probes, m.duration, m.wouldRestart, m.firstSuccess}
}

// forget drops a probe's series once it is no longer shadowed.
func (m *metrics) forget(values []string) {
	match := prometheus.Labels{}
	for i, l := range labels {
		match[l] = values[i]
	}
	m.probes.DeletePartialMatch(match)
	m.duration.DeletePartialMatch(match)
	m.wouldRestart.DeletePartialMatch(match)
	m.firstSuccess.DeletePartialMatch(match)
}

// collectAdvice exports what /shadow says about a probe's schedule: its
// budget, the longest start-up seen, and while that exceeds the budget the
// schedule that would cover it, so that alerts can say it too.
func collectAdvice(ch chan<- prometheus.Metric, a advice, values []string) {
	gauge(ch, budgetDesc, a.spec.Budget().Seconds(), values)
	if len(a.seen) == 0 {
		return
	}
	gauge(ch, longestDesc, a.longest.Seconds(), values)
	if a.covered() {
		return
	}
	gauge(ch, initialDelayDesc, float64(a.initialDelay), values)
	period := strconv.Itoa(int(a.spec.Period.Seconds()))
	gauge(ch, thresholdDesc, float64(a.failureThreshold), append(append([]string{}, values...), period))
}
