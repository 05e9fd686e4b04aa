package prober

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	sourcePort, err := sourcePortParam(params, name, module)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	report := h.runner.Run(r.Context(), Request{
		Target: target, ModuleName: name, Module: module, Timeout: timeout, SourcePort: sourcePort,
	})
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

// sourcePortParam reads the source_port parameter, which only a module
// with source_port_override takes.
func sourcePortParam(params url.Values, name string, m config.Module) (*config.SourcePort, error) {
	if !params.Has("source_port") {
		return nil, nil
	}
	if !m.SourcePortOverride {
		return nil, fmt.Errorf("module %q does not take a source_port parameter: set source_port_override: true in its configuration", name)
	}
	sp, err := config.ParseSourcePort(params.Get("source_port"))
	if err != nil {
		return nil, fmt.Errorf("source_port %q: %s", params.Get("source_port"), err)
	}
	return &sp, nil
}

func resultLabel(success bool) string {
	if success {
		return "success"
	}
	return "failure"
}
