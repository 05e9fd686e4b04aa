package prober

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// HandlerOptions is what /probe needs.
type HandlerOptions struct {
	Config  *config.SafeConfig
	Runner  *Runner
	History *History
	Slots   *Slots
	// TimeoutOffset is subtracted from Prometheus's scrape timeout.
	TimeoutOffset time.Duration
	Registerer    prometheus.Registerer
}

// Handler serves /probe?target=&module=[&source_port=][&debug=true].
type Handler struct {
	HandlerOptions
	draining atomic.Bool
	running  sync.WaitGroup

	moduleUnknown prometheus.Counter
	probes        *prometheus.CounterVec
	rejected      *prometheus.CounterVec
	abandoned     prometheus.Counter
}

// Reasons a probe request is refused, the values of
// kubeprobe_exporter_probes_rejected_total's reason label.
const (
	reasonBadRequest = "bad_request"
	// reasonModuleMissing is a request without module=: blackbox_exporter
	// would probe with http_2xx, so a scrape configuration written for it
	// that forgot the module shows here, apart from other bad requests.
	reasonModuleMissing = "module_missing"
	reasonDenied        = "target_denied"
	reasonBusy          = "busy"
	reasonShuttingDown  = "shutting_down"
)

// NewHandler registers the handler's own metrics.
func NewHandler(o HandlerOptions) *Handler {
	h := &Handler{
		HandlerOptions: o,
		moduleUnknown: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kubeprobe_exporter_module_unknown_total",
			Help: "Probe requests that named a module the configuration does not have.",
		}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubeprobe_exporter_probes_total",
			Help: "Probes run, by module and result (success or failure).",
		}, []string{"module", "result"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubeprobe_exporter_probes_rejected_total",
			Help: "Probe requests refused before a probe ran, by reason: bad_request or module_missing (400), target_denied (403), busy or shutting_down (503).",
		}, []string{"reason"}),
		abandoned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kubeprobe_exporter_probes_abandoned_total",
			Help: "Probes cut short because the client that asked for them went away (a scrape that timed out).",
		}),
	}
	for _, reason := range []string{reasonBadRequest, reasonModuleMissing, reasonDenied, reasonBusy, reasonShuttingDown} {
		h.rejected.WithLabelValues(reason)
	}
	o.Registerer.MustRegister(h.moduleUnknown, h.probes, h.rejected, h.abandoned)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	if h.draining.Load() {
		h.busy(w, reasonShuttingDown, "the exporter is shutting down: probe another node's exporter, or retry once it has restarted")
		return
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		h.refuse(w, err)
		return
	}
	req, err := NewRequest(h.Config.Get(), FromQuery, q.Params)
	if err != nil {
		h.refuse(w, err)
		return
	}
	budget, err := scrapeBudget(r, h.TimeoutOffset)
	if err != nil {
		h.refuse(w, err)
		return
	}
	if budget > 0 && budget < req.Timeout {
		req.Timeout = budget
	}
	h.probe(w, r, req, q.Debug, waitUntil(arrived, budget, req.Timeout))
}

// probe runs the request once it has its slots.
func (h *Handler) probe(w http.ResponseWriter, r *http.Request, req Request, debug bool, wait time.Time) {
	release, err := h.Slots.acquire(r.Context(), req.sockets(), wait)
	if err != nil {
		h.busy(w, reasonBusy, fmt.Sprintf("%s: %d probe sockets are in use (--probe.max-concurrent) and no slot freed in time", err, h.Slots.capacity))
		return
	}
	defer release()
	h.running.Add(1)
	defer h.running.Done()

	report := h.Runner.Run(r.Context(), req)
	if report.Denied != nil {
		h.rejected.WithLabelValues(reasonDenied).Inc()
		http.Error(w, report.Denied.Error(), http.StatusForbidden)
		return
	}
	if report.Abandoned {
		h.abandoned.Inc()
		return // nobody is left to answer
	}
	h.probes.WithLabelValues(req.ModuleName, resultLabel(report.Success())).Inc()
	h.History.Add(report)
	if debug {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, report.DebugOutput())
		return
	}
	writeMetrics(w, r, report)
}

// Drain refuses new probes from now on and waits until the running ones
// have ended, or until done is closed.
func (h *Handler) Drain(done <-chan struct{}) {
	h.draining.Store(true)
	ended := make(chan struct{})
	go func() {
		h.running.Wait()
		close(ended)
	}()
	select {
	case <-ended:
	case <-done:
	}
}

// Draining tells whether Drain has been called: the exporter is stopping.
func (h *Handler) Draining() bool { return h.draining.Load() }

// refuse answers a request that cannot be probed as asked.
func (h *Handler) refuse(w http.ResponseWriter, err error) {
	reason := reasonBadRequest
	if re := (*RequestError)(nil); errors.As(err, &re) {
		switch {
		case re.unknownModule:
			h.moduleUnknown.Inc()
		case re.Param == "module":
			reason = reasonModuleMissing
		}
	}
	h.rejected.WithLabelValues(reason).Inc()
	http.Error(w, err.Error(), http.StatusBadRequest)
}

// busy answers 503 and closes the connection, so that a flood of refused
// requests does not hold the descriptors /metrics needs.
func (h *Handler) busy(w http.ResponseWriter, reason, msg string) {
	h.rejected.WithLabelValues(reason).Inc()
	w.Header().Set("Retry-After", "1")
	w.Header().Set("Connection", "close")
	http.Error(w, msg, http.StatusServiceUnavailable)
}

// scrapeBudget is how long Prometheus lets the scrape take, less the
// offset, from X-Prometheus-Scrape-Timeout-Seconds; 0 when the header is
// absent or the offset leaves nothing.
func scrapeBudget(r *http.Request, offset time.Duration) (time.Duration, error) {
	header := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if header == "" {
		return 0, nil
	}
	seconds, err := strconv.ParseFloat(header, 64)
	if err != nil || seconds <= 0 {
		return 0, fmt.Errorf("header X-Prometheus-Scrape-Timeout-Seconds: %q is not a positive number of seconds", header)
	}
	return max(time.Duration(seconds*float64(time.Second))-offset, 0), nil
}

// waitUntil is how long a probe may wait for a slot. It waits within its
// own timeout, and never so long that the scrape's budget could no longer
// hold the whole timeout: a probe is never run with less time than its
// module gives it, which would fail it where kubelet's would pass.
func waitUntil(arrived time.Time, budget, timeout time.Duration) time.Time {
	if budget > 0 {
		return arrived.Add(min(budget-timeout, timeout))
	}
	return arrived.Add(timeout)
}

func resultLabel(success bool) string {
	if success {
		return "success"
	}
	return "failure"
}
