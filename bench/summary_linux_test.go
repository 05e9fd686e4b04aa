package bench

import (
	"fmt"
	"math"
	"strings"
)

// renderSummary is issue 16's tables: the ratios, memory, the capture
// under background load and the collector; heading is the level of
// their headings ("###").
func renderSummary(r *resultSet, heading string) string {
	var b strings.Builder
	if s := r.SideBySide; s != nil {
		fmt.Fprintf(&b, "%s kubeprobe_exporter against the others\n\n", heading)
		b.WriteString(ratioTable(s).String() + "\n")
		fmt.Fprintf(&b, "%s Memory\n\n", heading)
		b.WriteString(memoryTable(s).String() + "\n")
	}
	if t := r.Tracer; t != nil {
		fmt.Fprintf(&b, "%s The capture under background traffic\n\n", heading)
		b.WriteString(tracerTable(t).String() + "\n")
	}
	if c := r.Collector; c != nil {
		fmt.Fprintf(&b, "%s The node collector\n\n", heading)
		t := newTable("scrape with 100k TIME_WAIT sockets", "`ss -tan state time-wait`", "scrape ÷ ss")
		t.add(fmt.Sprintf("%.1f ms", c.ScrapeSeconds*1e3), fmt.Sprintf("%.1f ms", c.SSSeconds*1e3), times(c.Ratio))
		b.WriteString(t.String() + "\n" + c.Sockets + ".\n\n")
	}
	return b.String()
}

// ratioTable: kubeprobe (capture on) ÷ each other competitor.
func ratioTable(s *sideBySide) *table {
	t := newTable("ratio (geometric mean over tcp, http × c="+joinInts(concurrencies)+")",
		"throughput", "CPU per probe", "p99 latency")
	for _, r := range sideBySideRatios(*s) {
		name := "kubeprobe ÷ " + r.Against
		if r.Against == kubeprobeOff {
			name = "capture on ÷ off (no background traffic)"
		}
		t.add(name, times(r.Throughput), times(r.CPU), times(r.P99))
	}
	return t
}

func memoryTable(s *sideBySide) *table {
	t := newTable("competitor", "RSS at start (MiB)", "peak RSS under wrk (MiB)")
	for _, name := range s.Competitors {
		t.add(name, mib(s.StartMiB[name]), mib(peakMiB(s.Samples, name)))
	}
	for _, against := range s.Competitors {
		if !strings.HasPrefix(against, "blackbox") {
			continue
		}
		t.add("kubeprobe ÷ "+against, times(s.StartMiB[kubeprobeOn]/s.StartMiB[against]),
			times(peakMiB(s.Samples, kubeprobeOn)/peakMiB(s.Samples, against)))
	}
	return t
}

// tracerTable: per background load, the idle exporter's CPU and the probe
// throughput with the capture on and off.
func tracerTable(tl *tracerLoad) *table {
	t := newTable("background connections/s: asked", "reached (idle)", "idle cores, capture on", "off",
		"throughput on ÷ off (c=32)", "probes/s on, off", "p99 ms on, off", "reached during wrk")
	for _, lv := range tl.Levels {
		on, off := summarizeCase(pick(lv.Probes, kubeprobeOn)), summarizeCase(pick(lv.Probes, kubeprobeOff))
		t.add(levelName(lv), perSec(lv.Idle.ReachedPerSecond), cores(lv.Idle.OnCores), cores(lv.Idle.OffCores),
			times(on.PerSecond/off.PerSecond), perSec(on.PerSecond)+", "+perSec(off.PerSecond),
			millis(on.P99)+", "+millis(off.P99), perSec(medianBackground(lv.Probes)))
	}
	return t
}

func levelName(lv loadLevel) string {
	name := fmt.Sprint(lv.Rate)
	if lv.Rate == 0 {
		name = "none"
	}
	if lv.ToProbedTarget {
		name += ", to the probed target itself"
	}
	return name
}

// pick is the samples of one competitor.
func pick(samples []sample, name string) []sample {
	var out []sample
	for _, s := range samples {
		if s.Competitor == name {
			out = append(out, s)
		}
	}
	return out
}

func medianBackground(samples []sample) float64 {
	var xs []float64
	for _, s := range samples {
		xs = append(xs, s.BackgroundPerSecond)
	}
	return median(xs)
}

// nan stands for a figure this run did not measure.
var nan = math.NaN()
