package prober

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// BenchmarkProbeMetrics is what /probe does with a tcp probe's result,
// step by step: build the probe's metric families (its metricSet), encode
// them as text or as protobuf (as promhttp does for the format asked), and
// the whole answer: writeMetrics, against a promhttp handler made per
// probe, as /probe used to:
//
//	go test -run '^$' -bench ProbeMetrics -benchmem ./prober
func BenchmarkProbeMetrics(b *testing.B) {
	target := testserver.Accepting(b, "tcp", "127.0.0.1:0")
	runners := benchRunners(b)
	r := runners[len(runners)-1] // traced where it can be: the most metrics
	m := mustModule(b, "prober: tcp\ntimeout: 2s")
	rep := r.runner.Run(context.Background(), Request{Target: target, ModuleName: "m", Module: m, Timeout: 2 * time.Second})
	if rep.Verdict.Result != Success {
		b.Fatal(rep.Verdict.Output)
	}
	b.Run("gather", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rep.Gather(); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, format := range []expfmt.FormatType{expfmt.TypeTextPlain, expfmt.TypeProtoDelim} {
		b.Run("gather+encode="+formatName(format), func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				encodeGathered(b, rep, &buf, format)
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
	// The answer as /probe writes it, and as the promhttp handler it used
	// to make per probe did, plainly and with the gzip Prometheus asks for.
	answers := []struct {
		name  string
		write func(http.ResponseWriter, *http.Request)
	}{
		{"writeMetrics", func(w http.ResponseWriter, r *http.Request) { writeMetrics(w, r, rep) }},
		{"promhttp", func(w http.ResponseWriter, r *http.Request) {
			promhttp.HandlerFor(rep, promhttp.HandlerOpts{DisableCompression: true}).ServeHTTP(w, r)
		}},
		{"promhttp+gzip", func(w http.ResponseWriter, r *http.Request) {
			promhttp.HandlerFor(rep, promhttp.HandlerOpts{}).ServeHTTP(w, r)
		}},
	}
	for _, a := range answers {
		b.Run("answer="+a.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/probe", nil)
				req.Header.Set("Accept", prometheusAccept)
				req.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				a.write(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

// prometheusAccept is the Accept header of Prometheus' scrapes.
const prometheusAccept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"

func encodeGathered(b *testing.B, rep *Report, buf *bytes.Buffer, format expfmt.FormatType) {
	mfs, err := rep.Gather()
	if err != nil {
		b.Fatal(err)
	}
	enc := expfmt.NewEncoder(buf, expfmt.NewFormat(format))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			b.Fatal(err)
		}
	}
}

func formatName(f expfmt.FormatType) string {
	if f == expfmt.TypeProtoDelim {
		return "protobuf"
	}
	return "text"
}
