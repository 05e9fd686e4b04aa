package bench

import (
	"fmt"
	"strings"
)

// renderSideBySide is every competitor's medians, case by case.
func renderSideBySide(s *sideBySide) string {
	if s == nil {
		return ""
	}
	sum := summarize(s.Samples)
	t := newTable("probe", "c", "competitor", "probes/s", "p50 ms", "p99 ms", "CPU µs/probe", "peak RSS MiB", "errors", "failed probes")
	for _, probe := range probes {
		for _, c := range concurrencies {
			for _, name := range s.Competitors {
				m, ok := sum[name][caseKey{probe, c}]
				if !ok {
					continue
				}
				t.add(probe, fmt.Sprint(c), name, perSec(m.PerSecond), millis(m.P50), millis(m.P99),
					micros(m.CPUPerProbe), mib(m.PeakMiB), fmt.Sprint(m.Errors), fmt.Sprint(m.Failed))
			}
		}
	}
	rounds := 0
	for _, c := range sum[kubeprobeOn] {
		rounds = c.Rounds
	}
	return fmt.Sprintf("## Side by side: medians over %d rounds\n\nErrors (non-2xx answers, socket errors) and failed probes "+
		"(wrk's requests less the probes that reached the target) are summed over the rounds.\n\n%s\n", rounds, t)
}

// renderTracerRuns is the background-load section in full: the idle
// window, then every probe run under it.
func renderTracerRuns(tl *tracerLoad) string {
	if tl == nil {
		return ""
	}
	idle := newTable("background: asked", "reached/s", "failed/s", "idle cores on", "off", "load generator cores", "segments dropped")
	runs := newTable("background: asked", "round", "competitor", "probes/s", "p99 ms", "CPU µs/probe", "background reached/s", "errors", "failed probes")
	for _, lv := range tl.Levels {
		i := lv.Idle
		idle.add(levelName(lv), perSec(i.ReachedPerSecond), perSec(i.FailedPerSecond), cores(i.OnCores), cores(i.OffCores),
			cores(i.LoadCores), fmt.Sprint(i.Dropped))
		for _, s := range lv.Probes {
			runs.add(levelName(lv), fmt.Sprint(s.Round), s.Competitor, perSec(s.PerSecond), millis(s.P99),
				micros(s.CPUPerProbe), perSec(s.BackgroundPerSecond), fmt.Sprint(s.Errors), fmt.Sprint(s.Failed))
		}
	}
	return fmt.Sprintf("## The capture under background traffic\n\nIdle, over %.0f s with no probe:\n\n%s\n"+
		"Probes under the load (wrk c=%d against /probe of a tcp target in the pod namespace), the other exporter stopped:\n\n%s\n",
		idleWindow.Seconds(), idle, tracerConcurrency, runs)
}

// renderHotPaths is the go test benchmarks of the hot paths.
func renderHotPaths(h *hotPaths) string {
	if h == nil {
		return ""
	}
	t := newTable("package", "benchmark", "ns/op", "B/op", "allocs/op", "other")
	for _, l := range h.Lines {
		var other []string
		for _, u := range l.Units {
			if u != "ns/op" && u != "B/op" && u != "allocs/op" {
				other = append(other, fmt.Sprintf("%g %s", l.Metrics[u], u))
			}
		}
		t.add(strings.TrimPrefix(l.Package, "github.com/kubeprobe/kubeprobe_exporter/"), l.Name,
			metricOrDash(l, "ns/op"), metricOrDash(l, "B/op"), metricOrDash(l, "allocs/op"), strings.Join(other, ", "))
	}
	return fmt.Sprintf("## Hot paths\n\n`%s`:\n\n%s\n", h.Command, t)
}

func metricOrDash(l benchLine, unit string) string {
	if v, ok := l.Metrics[unit]; ok {
		return fmt.Sprintf("%.0f", v)
	}
	return "—"
}

// renderEveryRound is the side-by-side's raw figures, folded away.
func renderEveryRound(s *sideBySide) string {
	if s == nil {
		return ""
	}
	t := newTable("round", "probe", "c", "competitor", "requests", "probes/s", "p50 ms", "p99 ms", "CPU µs/probe", "peak RSS MiB", "errors", "failed probes")
	for _, x := range s.Samples {
		t.add(fmt.Sprint(x.Round), x.Probe, fmt.Sprint(x.Concurrency), x.Competitor, fmt.Sprint(x.Requests), perSec(x.PerSecond),
			millis(x.P50), millis(x.P99), micros(x.CPUPerProbe), mib(x.PeakMiB), fmt.Sprint(x.Errors), fmt.Sprint(x.Failed))
	}
	return "## Every run of the side by side\n\n<details><summary>in the order they ran</summary>\n\n" + t.String() + "\n</details>\n"
}

// renderProfiles is where kubeprobe's CPU went under wrk.
func renderProfiles(ps []cpuProfile) string {
	if len(ps) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Where kubeprobe's CPU goes\n\nA CPU profile of kubeprobe_exporter (capture on, the tree's code built with "+
		"pprof added) over %d s of wrk at c=%d, `go tool pprof -top`:\n\n", profileSeconds, profileConcurrency)
	for _, p := range ps {
		fmt.Fprintf(&b, "%s probe:\n\n```\n%s\n```\n\n<details><summary>%s, by cumulative time (-cum)</summary>\n\n```\n%s\n```\n\n</details>\n\n",
			p.Probe, p.Flat, p.Probe, p.Cumulative)
	}
	return b.String()
}
