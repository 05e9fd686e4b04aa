package prober

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// namedRunner is a Runner and whether it traces, for a sub-benchmark's name.
type namedRunner struct {
	trace  string // "off" or "on"
	runner *Runner
}

// benchRunners are a Runner without the capture and, as root (the
// capture needs CAP_NET_RAW), one with it, compared in the same run.
func benchRunners(b *testing.B) []namedRunner {
	b.Helper()
	runners := []namedRunner{{"off", NewRunner(nil, nil, log.NewNopLogger())}}
	if os.Geteuid() != 0 {
		b.Log("not root: the capture (trace=on) is left out")
		return runners
	}
	tracer, err := handshake.Open(log.NewNopLogger())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tracer.Close() })
	return append(runners, namedRunner{"on", NewRunner(tracer, nil, log.NewNopLogger())})
}

// BenchmarkProbeHTTP runs whole http probes of a local web server, a new
// connection each, with and without the capture:
//
//	go test -run '^$' -bench ProbeHTTP -benchmem ./prober
func BenchmarkProbeHTTP(b *testing.B) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	defer web.Close()
	m := mustModule(b, "prober: http\ntimeout: 2s")
	for _, r := range benchRunners(b) {
		b.Run("trace="+r.trace, func(b *testing.B) {
			req := Request{Target: web.URL + "/", ModuleName: "m", Module: m, Timeout: 2 * time.Second}
			b.ReportAllocs()
			for b.Loop() {
				if rep := r.runner.Run(context.Background(), req); rep.Verdict.Result != Success {
					b.Fatal(rep.Verdict.Output)
				}
			}
		})
	}
}
