package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// concurrencies are wrk's connections: a few scrapers, many, a flood.
var concurrencies = []int{8, 32, 128}

var probes = []string{"tcp", "http"}

// BenchmarkSideBySide runs every competitor against the same tiny Go
// targets on loopback, one at a time, in alternating rounds, the others
// paused meanwhile. It runs in the lab's node namespace, so that the
// capture sees only this benchmark's packets, not the rest of the
// machine's loopback traffic.
func BenchmarkSideBySide(b *testing.B) {
	requireLoadTools(b)
	testenv.Tool(b, "", debianBlackbox, "Debian: prometheus-blackbox-exporter")
	netlab.RunBenchmark(b, func(tb testing.TB, _ *netlab.Lab) {
		harness.handOut(tb, "sidebyside")
	}, func(b *testing.B, _ *netlab.Lab) {
		p := childPlan(b)
		out := runSideBySide(b, p)
		writeSection(b, p, out)
		reportSideBySide(b, out)
	})
	if !netlab.InChild() {
		var out sideBySide
		readSection(b, "sidebyside", &out)
		results.SideBySide = &out
	}
}

// requireLoadTools skips (fails under CI=true) without root, which the
// lab and the capture need, or without wrk.
func requireLoadTools(b *testing.B) {
	b.Helper()
	testenv.Root(b, "the harness (network namespaces, the capture, /proc of other processes)")
	testenv.Tool(b, "", "wrk", "Debian: wrk")
}

func runSideBySide(b *testing.B, p plan) sideBySide {
	targets := map[string]string{
		"tcp":  testserver.Accepting(b, "tcp", "127.0.0.1:0"),
		"http": tinyWebTarget(b) + "/",
	}
	specs, err := allSpecs(p, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	competitors, err := startAll(specs, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer stopAll(competitors)
	out := sideBySide{StartMiB: map[string]float64{}}
	for _, c := range competitors {
		out.Competitors = append(out.Competitors, c.Name)
		out.StartMiB[c.Name] = c.StartMiB
		if err := c.pause(); err != nil {
			b.Fatal(err)
		}
	}
	out.Samples = sideBySideRounds(b, p, competitors, targets)
	return out
}

// sideBySideRounds measures every competitor at every probe and
// concurrency, round after round, starting each case with a different
// competitor.
func sideBySideRounds(b *testing.B, p plan, competitors []*competitor, targets map[string]string) []sample {
	var samples []sample
	for round := range p.Rounds {
		k := 0
		for _, probe := range probes {
			for _, c := range concurrencies {
				for _, comp := range rotate(competitors, round+k) {
					s, err := measure(comp, load{Probe: probe, Target: targets[probe], Concurrency: c, Duration: p.Duration})
					if err != nil {
						b.Fatal(err)
					}
					s.Round = round
					samples = append(samples, s)
				}
				k++
			}
		}
	}
	return samples
}

// tinyWebTarget answers every request with 200 and a short body, as a
// health endpoint does.
func tinyWebTarget(b *testing.B) string {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok")
	}))
	b.Cleanup(web.Close)
	return web.URL
}

// reportSideBySide reports the headline ratios as the benchmark's metrics.
func reportSideBySide(b *testing.B, out sideBySide) {
	for _, r := range sideBySideRatios(out) {
		if r.Against != kubeprobeOff {
			b.ReportMetric(r.Throughput, "throughput-x-"+fileName(r.Against))
			b.ReportMetric(r.CPU, "cpu-x-"+fileName(r.Against))
		}
	}
}
