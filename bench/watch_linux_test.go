package bench

import (
	"fmt"
	"net/netip"
	"os/exec"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

// kubeprobeWatching is the exporter with --handshakes.watch as well as
// the capture.
const kubeprobeWatching = "kubeprobe, watch on"

// watchLevels are the background loads the watch is measured under: the
// load generator closes each connection with a reset, so at 20,000 a
// second the node sends 20,000 resets a second, none of them one the
// watch is after.
var watchLevels = []int{0, 1000, 20000}

// BenchmarkWatchUnderLoad measures what --handshakes.watch costs: the
// idle exporter's CPU and its probe throughput with the watch on and off
// (the capture on in both), under BenchmarkTracerUnderLoad's background
// connections through the node namespace. It reports its figures as
// benchmark metrics; bench/results records them by hand.
func BenchmarkWatchUnderLoad(b *testing.B) {
	requireLoadTools(b)
	netlab.RunBenchmark(b, func(tb testing.TB, l *netlab.Lab) {
		reuseTimeWait(tb, l)
		harness.handOut(tb, "watch")
	}, func(b *testing.B, l *netlab.Lab) {
		p := childPlan(b)
		serveInPod(b, l, netip.AddrPortFrom(l.PodIPv4, probedPort))
		exporters := startWatchPair(b, p)
		defer stopAll(exporters)
		for _, rate := range watchLevels {
			level, err := underBackground(l, p, exporters, rate, false)
			if err != nil {
				b.Fatal(err)
			}
			seen, err := exporters[0].metric("kubeprobe_node_handshakes_watch_resets_seen_total")
			if err != nil {
				b.Fatal(err)
			}
			reportWatchLevel(b, rate, level, seen)
		}
	})
}

func startWatchPair(b *testing.B, p plan) []*competitor {
	dir := b.TempDir()
	watching, err := kubeprobeSpec(p, dir, true)
	if err != nil {
		b.Fatal(err)
	}
	plain, _ := kubeprobeSpec(p, dir, true)
	command := watching.Command
	watching.Name = kubeprobeWatching
	watching.Command = func(listen string) (*exec.Cmd, error) {
		cmd, err := command(listen)
		if err == nil {
			cmd.Args = append(cmd.Args, "--handshakes.watch")
		}
		return cmd, err
	}
	exporters, err := startAll([]competitorSpec{watching, plain}, dir)
	if err != nil {
		b.Fatal(err)
	}
	return exporters
}

// reportWatchLevel reports one load's figures: the idle cores of each,
// the median throughput of each, and their ratio.
func reportWatchLevel(b *testing.B, rate int, level loadLevel, seen float64) {
	perSecond := map[string][]float64{}
	p99 := map[string][]float64{}
	for _, s := range level.Probes {
		perSecond[s.Competitor] = append(perSecond[s.Competitor], s.PerSecond)
		p99[s.Competitor] = append(p99[s.Competitor], s.P99.Seconds()*1000)
	}
	on, off := median(perSecond[kubeprobeWatching]), median(perSecond[kubeprobeOn])
	suffix := fmt.Sprintf("-at-%d", rate)
	b.ReportMetric(level.Idle.OnCores, "idle-cores-watch-on"+suffix)
	b.ReportMetric(level.Idle.OffCores, "idle-cores-watch-off"+suffix)
	b.ReportMetric(on, "probes/s-watch-on"+suffix)
	b.ReportMetric(off, "probes/s-watch-off"+suffix)
	b.ReportMetric(on/off, "throughput-on/off"+suffix)
	b.ReportMetric(median(p99[kubeprobeWatching]), "p99-ms-watch-on"+suffix)
	b.ReportMetric(median(p99[kubeprobeOn]), "p99-ms-watch-off"+suffix)
	b.ReportMetric(level.Idle.ReachedPerSecond, "background/s"+suffix)
	b.ReportMetric(seen, "watch-resets-seen-after"+suffix)
}
