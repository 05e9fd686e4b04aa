package prober

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// BenchmarkHandler is /probe end to end in process: the query read, a
// slot taken, a tcp probe of a local listener, the report kept in the
// history, the metrics encoded; asked for plainly or with gzip, as
// Prometheus asks (and answered plainly either way); with and without the
// capture; and beside them the floor, a handler that only connects and
// closes with kubelet's SO_LINGER and answers a fixed body, so that the
// exporter's own work per probe reads as a ratio:
//
//	go test -run '^$' -bench Handler -benchmem ./prober
func BenchmarkHandler(b *testing.B) {
	target := testserver.Accepting(b, "tcp", "127.0.0.1:0")
	b.Run("floor", func(b *testing.B) {
		url, h := "/probe?module=tcp&target="+target, floorHandler(b)
		b.ReportAllocs()
		for b.Loop() {
			if code := serve(h, url, "gzip").Code; code != http.StatusOK {
				b.Fatalf("GET %s: %d", url, code)
			}
		}
	})
	for _, r := range benchRunners(b) {
		h := newBenchHandler(b, "modules:\n  tcp: {prober: tcp, timeout: 2s}\n", r.runner)
		for _, encoding := range []string{"identity", "gzip"} {
			b.Run("trace="+r.trace+"/encoding="+encoding, func(b *testing.B) {
				url := "/probe?module=tcp&target=" + target
				checkProbeAnswer(b, h, url, encoding)
				b.ReportAllocs()
				for b.Loop() {
					if code := serve(h, url, encoding).Code; code != http.StatusOK {
						b.Fatalf("GET %s: %d", url, code)
					}
				}
			})
		}
	}
}

// floorHandler connects to the target and closes, as kubelet's socket
// does, and answers that it could.
func floorHandler(b *testing.B) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := net.Dial("tcp", r.URL.Query().Get("target"))
		if err != nil {
			b.Fatal(err)
		}
		if err := c.(*net.TCPConn).SetLinger(1); err != nil {
			b.Fatal(err)
		}
		c.Close()
		io.WriteString(w, "probe_success 1\n")
	}
}

// newBenchHandler is the handler as serve wires it, on configYAML.
func newBenchHandler(b *testing.B, configYAML string, runner *Runner) *Handler {
	b.Helper()
	h, _ := newHandlerOn(b, configYAML, runner, NewHistory(100, 16<<20))
	return h
}

func serve(h http.Handler, url, encoding string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", encoding)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkProbeAnswer fails unless the probe succeeds and its answer is the
// uncompressed text whatever was asked for: a benchmark of failing
// probes, or of answers compressed after all, would measure something
// else.
func checkProbeAnswer(b *testing.B, h http.Handler, url, encoding string) {
	b.Helper()
	rec := serve(h, url, encoding)
	if got := rec.Header().Get("Content-Encoding"); got != "" {
		b.Fatalf("asked for %s, got Content-Encoding %q; /probe answers uncompressed", encoding, got)
	}
	text, err := io.ReadAll(rec.Body)
	if err != nil || rec.Code != http.StatusOK || !strings.Contains(string(text), "\nprobe_success 1\n") {
		b.Fatalf("GET %s: %d %v\n%s", url, rec.Code, err, text)
	}
}
