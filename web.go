package main

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"go.yaml.in/yaml/v3"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/handshake/watch"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
	"github.com/kubeprobe/kubeprobe_exporter/shadow"
)

// routes is what the web server serves.
type routes struct {
	registry *prometheus.Registry
	probe    *prober.Handler
	config   *config.SafeConfig
	history  *prober.History
	reloader *reloader
	shadow   *shadow.Manager
	watch    *watch.Watch // nil without --handshakes.watch
	logger   log.Logger
}

func newMux(r routes) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler(r.registry, r.logger))
	mux.Handle("GET /probe", r.probe)
	mux.HandleFunc("GET /{$}", r.landingPage)
	mux.HandleFunc("GET /logs", r.probeLogs)
	mux.HandleFunc("GET /config", r.runningConfig)
	mux.HandleFunc("GET /shadow", r.shadowState)
	mux.HandleFunc("GET /-/healthy", ok("Healthy"))
	mux.HandleFunc("GET /-/ready", r.ready)
	mux.HandleFunc("POST /-/reload", r.reload)
	mux.HandleFunc("PUT /-/reload", r.reload)
	return mux
}

func ok(text string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, text)
	}
}

// ready is 200 while probes are taken, 503 once the exporter is stopping,
// so that Kubernetes and load balancers stop sending scrapes first.
func (r routes) ready(w http.ResponseWriter, _ *http.Request) {
	if r.probe.Draining() {
		http.Error(w, "Shutting down", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "Ready")
}

func (r routes) reload(w http.ResponseWriter, req *http.Request) {
	if err := r.reloader.Reload(req.Context()); err != nil {
		http.Error(w, fmt.Sprintf("failed to reload config, the running one is kept: %s", err), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, "Reloaded")
}

// shadowState is what the shadow holds, probe by probe, with the schedule
// that would cover the start-ups seen.
func (r routes) shadowState(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := r.shadow.WriteText(w); err != nil {
		level.Error(r.logger).Log("msg", "Error writing /shadow", "err", err)
	}
}

func (r routes) runningConfig(w http.ResponseWriter, _ *http.Request) {
	out, err := yaml.Marshal(r.config.Get())
	if err != nil {
		http.Error(w, fmt.Sprintf("error rendering the config: %s", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(out)
}

// probeLogs is a kept probe's debug output; without an id, the list of
// the kept ones.
func (r routes) probeLogs(w http.ResponseWriter, req *http.Request) {
	if req.URL.Query().Has("handshake") {
		r.handshakeLogs(w, req)
		return
	}
	if !req.URL.Query().Has("id") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		writeKeptProbes(w, r.history.List())
		return
	}
	id, err := strconv.ParseInt(req.URL.Query().Get("id"), 10, 64)
	if err != nil {
		http.Error(w, fmt.Sprintf("id=%s: the id parameter is the number of a probe, as /logs and the landing page list them", truncateArg(req.URL.Query().Get("id"))), http.StatusBadRequest)
		return
	}
	if last := r.history.LastID(); id < 1 || id > last {
		http.Error(w, neverIssued(id, last), http.StatusBadRequest)
		return
	}
	e := r.history.Get(id)
	if e == nil {
		http.Error(w, fmt.Sprintf("probe %d is no longer kept: newer probes pushed it out (--history.limit, --history.max-bytes); /logs lists the kept ones", id), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(e.DebugOutput()))
}

// neverIssued says which ids there are, for an id that was never one.
func neverIssued(id, last int64) string {
	if last == 0 {
		return fmt.Sprintf("id=%d: no probe has been kept yet; probes get ids from 1 as they run", id)
	}
	return fmt.Sprintf("id=%d: no probe ever had this id; ids run from 1 to %d, the newest, and /logs lists those still kept", id, last)
}

// writeKeptProbes lists the kept probes, newest first.
func writeKeptProbes(w io.Writer, kept []*prober.HistoryEntry) {
	if len(kept) == 0 {
		fmt.Fprintln(w, "No probe is kept yet. Run one: /probe?module=NAME&target=HOST:PORT")
		return
	}
	fmt.Fprintln(w, "id\ttime\tresult\thandshake\tmodule\ttarget")
	for _, e := range kept {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Time.UTC().Format(time.RFC3339Nano), e.Result, handshakeOrDash(e.Handshake), e.Module, e.Target)
	}
}

func handshakeOrDash(o handshake.Outcome) string {
	if o == "" {
		return "-"
	}
	return string(o)
}

// handshakeLogs is a reset after SYN-ACK the passive watch keeps, with
// its timeline.
func (r routes) handshakeLogs(w http.ResponseWriter, req *http.Request) {
	if r.watch == nil {
		http.Error(w, "the node's handshakes are not watched (--handshakes.watch)", http.StatusNotFound)
		return
	}
	id, err := strconv.ParseInt(req.URL.Query().Get("handshake"), 10, 64)
	if err != nil {
		http.Error(w, "the handshake parameter must be the number of a reset listed on the landing page", http.StatusBadRequest)
		return
	}
	if last := r.watch.LastID(); id < 1 || id > last {
		http.Error(w, fmt.Sprintf("handshake=%d: no reset ever had this id; ids run from 1 to %d, the newest, and the landing page lists those still kept", id, last), http.StatusBadRequest)
		return
	}
	e, ok := r.watch.Get(id)
	if !ok {
		http.Error(w, fmt.Sprintf("handshake=%d: that reset is no longer kept: only the last --handshakes.watch.keep are", id), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(e.Text()))
}

// landingPage is exporter-toolkit's landing page with the recent probes
// added; it is built per request because the probes change.
func (r routes) landingPage(w http.ResponseWriter, req *http.Request) {
	var recent bytes.Buffer
	if err := recentProbes.Execute(&recent, r.history.List()); err != nil {
		level.Error(r.logger).Log("msg", "Error rendering recent probes", "err", err)
	}
	if r.watch != nil {
		if err := recentResets.Execute(&recent, r.watch.Recent()); err != nil {
			level.Error(r.logger).Log("msg", "Error rendering the node's resets after SYN-ACK", "err", err)
		}
	}
	page, err := web.NewLandingPage(web.LandingConfig{
		Name:        exporterName,
		Description: "Probes targets exactly as kubelet does, down to the packets of each TCP handshake.",
		Version:     version.Info(),
		Links: []web.LandingLinks{
			{Address: "metrics", Text: "Metrics", Description: "The exporter's own metrics"},
			{Address: "config", Text: "Configuration", Description: "The running configuration"},
			{Address: "logs", Text: "Logs", Description: "The kept probes, each one's debug output by its id"},
			{Address: "shadow", Text: "Shadow", Description: "The scheduled and shadowed probes, as kubelet would hold them, and their start-ups"},
			{Address: "-/healthy", Text: "Health", Description: "200 while the exporter serves"},
		},
		ExtraHTML: recent.String(),
		Profiling: "false",
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	page.ServeHTTP(w, req)
}

var recentProbes = template.Must(template.New("recent").Funcs(template.FuncMap{"handshake": handshakeOrDash}).Parse(`
<h2>Recent probes</h2>
{{if not .}}<p>No probes yet. Try <code>/probe?module=NAME&amp;target=HOST:PORT&amp;debug=true</code>.</p>{{else}}
<table>
<tr><th>Module</th><th>Target</th><th>Result</th><th>Handshake</th><th>Time</th><th>Debug</th></tr>
{{range .}}<tr><td>{{.Module}}</td><td>{{.Target}}</td><td>{{template "result" .Result.String}}</td><td>{{handshake .Handshake}}</td><td>{{.Time.UTC.Format "2006-01-02 15:04:05.000Z"}}</td><td><a href="logs?id={{.ID}}">Logs</a></td></tr>
{{end}}</table>{{end}}
{{define "result"}}{{if eq . "success"}}Success{{else if eq . "warning"}}<em>Warning</em> (passes, as in kubelet){{else if eq . "error"}}<strong>Error</strong>{{else}}<strong>Failure</strong>{{end}}{{end}}`))

var recentResets = template.Must(template.New("resets").Parse(`
<h2>The node's handshakes reset after SYN-ACK</h2>
{{if not .}}<p>None seen: no handshake of this node has had its SYN-ACK reset by this host since the exporter started.</p>{{else}}
<table>
<tr><th>Handshake</th><th>Of</th><th>Source port</th><th>Resets</th><th>Last</th><th>Timeline</th></tr>
{{range .}}<tr><td>{{.Local}} &gt; {{.Remote}}</td><td>{{.Summary}}</td><td>{{.SourcePort}}</td><td>{{.Count}}</td><td>{{.Last.UTC.Format "2006-01-02 15:04:05.000Z"}}</td><td><a href="logs?handshake={{.ID}}">Logs</a></td></tr>
{{end}}</table>{{end}}`))
