package prober

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// Handler serves /probe?target=&module=[&debug=true].
type Handler struct {
	config        *config.SafeConfig
	logger        log.Logger
	timeoutOffset time.Duration
	history       *History

	moduleUnknown prometheus.Counter
	probes        *prometheus.CounterVec
}

// NewHandler registers the handler's own metrics with reg.
func NewHandler(c *config.SafeConfig, logger log.Logger, timeoutOffset time.Duration, h *History, reg prometheus.Registerer) *Handler {
	handler := &Handler{
		config:        c,
		logger:        logger,
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
	cfg := h.config.Get()
	name := params.Get("module")
	module, ok := cfg.Modules[name]
	if !ok {
		h.moduleUnknown.Inc()
		http.Error(w, unknownModule(name, cfg), http.StatusBadRequest)
		return
	}
	target := params.Get("target")
	if err := CheckTarget(target, module); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	timeout, err := probeTimeout(r, module, h.timeoutOffset)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	report := Run(r.Context(), target, name, module, timeout, h.logger)
	h.probes.WithLabelValues(name, resultLabel(report.Success())).Inc()
	h.history.Add(report)

	if params.Get("debug") == "true" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, report.DebugOutput())
		return
	}
	promhttp.HandlerFor(report.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

func unknownModule(name string, cfg *config.Config) string {
	known := strings.Join(cfg.ModuleNames(), ", ")
	if name == "" {
		return fmt.Sprintf("the module parameter is missing: use one of %s", known)
	}
	return fmt.Sprintf("unknown module %q: use one of %s", name, known)
}

// probeTimeout is the module's timeout, capped so the probe ends before
// Prometheus gives up on the scrape, as blackbox_exporter does.
func probeTimeout(r *http.Request, m config.Module, offset time.Duration) (time.Duration, error) {
	timeout := time.Duration(m.Timeout)
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
