package prober

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// Handler serves /probe?target=&module=[&debug=true].
type Handler struct {
	config        *config.SafeConfig
	runner        *Runner
	timeoutOffset time.Duration
	history       *History

	moduleUnknown prometheus.Counter
	probes        *prometheus.CounterVec
}

// NewHandler registers the handler's own metrics with reg.
func NewHandler(c *config.SafeConfig, runner *Runner, timeoutOffset time.Duration, h *History, reg prometheus.Registerer) *Handler {
	handler := &Handler{
		config:        c,
		runner:        runner,
		timeoutOffset: timeoutOffset,
		history:       h,
		moduleUnknown: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kubeprobe_exporter_module_unknown_total",
			Help: "Probe requests that named a module the configuration does not have.",
		}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubeprobe_exporter_probes_total",
			Help: "Probes run, by module and result (success or failure).",
		}, []string{"module", "result"}),
	}
	reg.MustRegister(handler.moduleUnknown, handler.probes)
	return handler
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	req, err := NewRequest(h.config.Get(), FromQuery, Params{
		Module:        params.Get("module"),
		Target:        params.Get("target"),
		SourcePort:    params.Get("source_port"),
		HasSourcePort: params.Has("source_port"),
	})
	if err != nil {
		h.refuse(w, err)
		return
	}
	if req.Timeout, err = probeTimeout(r, req.Timeout, h.timeoutOffset); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	report := h.runner.Run(r.Context(), req)
	h.probes.WithLabelValues(req.ModuleName, resultLabel(report.Success())).Inc()
	h.history.Add(report)

	if params.Get("debug") == "true" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, report.DebugOutput())
		return
	}
	promhttp.HandlerFor(report.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// refuse answers a request that cannot be probed as asked.
func (h *Handler) refuse(w http.ResponseWriter, err error) {
	var re *RequestError
	if errors.As(err, &re) && re.Param == "module" {
		h.moduleUnknown.Inc()
	}
	http.Error(w, err.Error(), http.StatusBadRequest)
}

// probeTimeout is the module's timeout, capped so the probe ends before
// Prometheus gives up on the scrape, as blackbox_exporter does.
func probeTimeout(r *http.Request, timeout, offset time.Duration) (time.Duration, error) {
	header := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if header == "" {
		return timeout, nil
	}
	seconds, err := strconv.ParseFloat(header, 64)
	if err != nil || seconds <= 0 {
		return 0, fmt.Errorf("header X-Prometheus-Scrape-Timeout-Seconds: %q is not a positive number of seconds", header)
	}
	scrapeLimit := time.Duration(seconds*float64(time.Second)) - offset
	if scrapeLimit > 0 && scrapeLimit < timeout {
		return scrapeLimit, nil
	}
	return timeout, nil
}

func resultLabel(success bool) string {
	if success {
		return "success"
	}
	return "failure"
}
