package bench

import (
	"fmt"
	"math"
	"strings"
)

// goal is one of issue 16's targets: a figure of this run against a bound.
type goal struct {
	What     string
	Measured float64
	Shown    string // Measured as the table shows it
	AtMost   bool   // the figure must stay at or below Bound, else at or above
	Bound    float64
}

func (g goal) verdict() string {
	switch {
	case math.IsNaN(g.Measured) || math.IsNaN(g.Bound):
		return "not measured"
	case g.AtMost && g.Measured <= g.Bound, !g.AtMost && g.Measured >= g.Bound:
		return "met"
	}
	return "not met"
}

// renderTargets holds this run against issue 16's targets; nothing
// asserts them, they are read here.
func renderTargets(r *resultSet) string {
	t := newTable("issue 16's target", "this run", "")
	for _, g := range goals(r) {
		t.add(g.What, g.Shown, g.verdict())
	}
	return "### Issue 16's targets\n\n" + t.String() + "\n"
}

func goals(r *resultSet) []goal {
	var gs []goal
	gs = append(gs, tracerGoals(r.Tracer)...)
	gs = append(gs, sideBySideGoals(r.SideBySide)...)
	scrape := nan
	if r.Collector != nil {
		scrape = r.Collector.Ratio
	}
	return append(gs, goal{"collector scrape at 100k TIME_WAIT ≤ 0.5× ss", scrape, times(scrape), true, 0.5})
}

func tracerGoals(tl *tracerLoad) []goal {
	idle, ratio, reachedNote := nan, nan, ""
	if tl != nil {
		for _, lv := range tl.Levels {
			if lv.Rate == 20000 && !lv.ToProbedTarget {
				idle = lv.Idle.OnCores
				on, off := summarizeCase(pick(lv.Probes, kubeprobeOn)), summarizeCase(pick(lv.Probes, kubeprobeOff))
				ratio = on.PerSecond / off.PerSecond
				reachedNote = fmt.Sprintf(" (the load reached %s/s idle, %s/s during wrk)",
					perSec(lv.Idle.ReachedPerSecond), perSec(medianBackground(lv.Probes)))
			}
		}
	}
	return []goal{
		{"idle capture ≤ 0.02 cores at 20,000 background connections/s", idle, orDash(idle, "%.3f cores") + reachedNote, true, 0.02},
		{"probe throughput, capture on ≥ 0.9× off, under that load", ratio, times(ratio), false, 0.9},
	}
}

func sideBySideGoals(s *sideBySide) []goal {
	rBuilt, rFloor := ratio{Throughput: nan, CPU: nan, P99: nan}, ratio{Throughput: nan, CPU: nan, P99: nan}
	bb := builtBlackbox()
	startGap, peak, peakBuilt := nan, nan, nan
	if s != nil {
		sum := summarize(s.Samples)
		if _, ok := sum[bb]; ok {
			rBuilt = compare(sum, kubeprobeOn, bb)
			startGap = s.StartMiB[kubeprobeOn] - s.StartMiB[bb]
			peak, peakBuilt = peakMiB(s.Samples, kubeprobeOn), peakMiB(s.Samples, bb)
		}
		rFloor = compare(sum, kubeprobeOn, floorName)
	}
	return []goal{
		{"throughput ≥ 2× " + bb, rBuilt.Throughput, times(rBuilt.Throughput), false, 2},
		{"throughput ≥ 0.7× the floor", rFloor.Throughput, times(rFloor.Throughput), false, 0.7},
		{"CPU per probe ≤ 0.5× " + bb, rBuilt.CPU, times(rBuilt.CPU), true, 0.5},
		{"CPU per probe ≤ 1.5× the floor", rFloor.CPU, times(rFloor.CPU), true, 1.5},
		{"p99 ≤ " + bb + "'s", rBuilt.P99, times(rBuilt.P99), true, 1},
		{"RSS at start ≤ " + bb + "'s + 5 MiB", startGap, signedMiB(startGap), true, 5},
		{"peak RSS under load ≤ " + bb + "'s", peak - peakBuilt, signedMiB(peak - peakBuilt), true, 0},
	}
}

func signedMiB(x float64) string {
	return strings.Replace(orDash(x, "%+.1f MiB"), "-", "−", 1)
}
