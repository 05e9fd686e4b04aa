package prober

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// writeMetrics answers as promhttp's handler does, whatever the scraper
// accepts: Prometheus' own Accept headers (protobuf first, text with UTF-8
// names allowed), OpenMetrics (which promhttp's defaults do not offer),
// the text format, none at all, and gzip (never used).
func TestWriteMetricsAnswersAsPromhttp(t *testing.T) {
	set := newMetricSet()
	set.set("probe_success", "Whether it worked.", 1)
	set.set("probe_http_duration_seconds", "Phases.", 0.25, "phase", "connect")
	set.set("probe_ssl_last_chain_info", "The leaf.", 1, "subject", `CN=a "quoted"\name`, "issuer", "CN=ü")
	// Names that need escaping for a scraper that does not accept UTF-8
	// ones: writeMetrics escapes them then, as promhttp does, and writes
	// the others unescaped.
	utf8Names := newMetricSet()
	utf8Names.set("probe_success", "Whether it worked.", 1)
	utf8Names.set("probe.dotted", "A dotted name.", 2, "label.dotted", "v")
	for _, set := range []*metricSet{set, utf8Names} {
		answersAsPromhttp(t, set)
	}
}

func answersAsPromhttp(t *testing.T, set *metricSet) {
	t.Helper()
	promhttpHandler := promhttp.HandlerFor(set, promhttp.HandlerOpts{DisableCompression: true})
	for _, accept := range []string{
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=allow-utf-8;q=0.7,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3",
		"application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5",
		"text/plain;version=0.0.4;escaping=underscores",
		"text/plain",
		"",
	} {
		want, got := httptest.NewRecorder(), httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/probe", nil)
		req.Header.Set("Accept", accept)
		req.Header.Set("Accept-Encoding", "gzip")
		promhttpHandler.ServeHTTP(want, req)
		writeMetrics(got, req, set)
		if got.Code != want.Code || got.Body.String() != want.Body.String() {
			t.Errorf("Accept %q: %d\n%q\npromhttp: %d\n%q", accept, got.Code, got.Body, want.Code, want.Body)
		}
		for _, h := range []string{"Content-Type", "Content-Encoding", "Vary"} {
			if g, w := got.Header().Values(h), want.Header().Values(h); len(g) != len(w) || (len(g) > 0 && g[0] != w[0]) {
				t.Errorf("Accept %q: %s %q, promhttp %q", accept, h, g, w)
			}
		}
	}
}
