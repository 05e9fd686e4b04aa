package bench

import (
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
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
	netlab.RunBenchmark(b, func(tb testing.TB, l *netlab.Lab) {
		reuseTimeWait(tb, l)
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

// reuseTimeWait lets connects reuse the 4-tuple of a TIME_WAIT socket
// (tcp_tw_reuse=1; with timestamps, as Linux has them by default): at
// 2,000 probes a second of one target, each closed by the prober first as
// kubelet closes them, the TIME_WAIT sockets would take every ephemeral
// port in 15 s and the run would measure the kernel's port search and
// EADDRNOTAVAIL. The kernel's default, 2, does it on loopback only.
func reuseTimeWait(tb testing.TB, l *netlab.Lab) {
	l.Sysctl(tb, l.Node, "net.ipv4.tcp_tw_reuse", "1")
}

// requireLoadTools skips (fails under CI=true) without root, which the
// lab and the capture need, or without wrk.
func requireLoadTools(b *testing.B) {
	b.Helper()
	testenv.Root(b, "the harness (network namespaces, the capture, /proc of other processes)")
	testenv.Tool(b, "", "wrk", "Debian: wrk")
}

func runSideBySide(b *testing.B, p plan) sideBySide {
	targets := map[string]*countingTarget{"tcp": loopbackTCPTarget(b), "http": httpTarget(b)}
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
func sideBySideRounds(b *testing.B, p plan, competitors []*competitor, targets map[string]*countingTarget) []sample {
	var samples []sample
	for round := range p.Rounds {
		k := 0
		for _, probe := range probes {
			for _, c := range concurrencies {
				for _, comp := range rotate(competitors, round+k) {
					t := targets[probe]
					s, err := measure(comp, load{Probe: probe, Target: t.Target, Concurrency: c, Duration: p.Duration, Successes: t.successes})
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

// reportSideBySide reports the headline ratios as the benchmark's metrics.
func reportSideBySide(b *testing.B, out sideBySide) {
	for _, r := range sideBySideRatios(out) {
		if r.Against != kubeprobeOff {
			b.ReportMetric(r.Throughput, "throughput-x-"+fileName(r.Against))
			b.ReportMetric(r.CPU, "cpu-x-"+fileName(r.Against))
		}
	}
}
