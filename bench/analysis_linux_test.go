package bench

import (
	"math"
	"time"
)

// caseKey is one probe at one concurrency.
type caseKey struct {
	Probe       string
	Concurrency int
}

// caseSummary is a competitor's medians over the rounds of one case.
type caseSummary struct {
	PerSecond, CPUPerProbe, PeakMiB float64
	P50, P99                        time.Duration
	Errors, Failed, Rounds          int // errors and failed probes summed over the rounds
}

// summarize takes the medians over rounds, by competitor and case.
func summarize(samples []sample) map[string]map[caseKey]caseSummary {
	grouped := map[string]map[caseKey][]sample{}
	for _, s := range samples {
		if grouped[s.Competitor] == nil {
			grouped[s.Competitor] = map[caseKey][]sample{}
		}
		k := caseKey{s.Probe, s.Concurrency}
		grouped[s.Competitor][k] = append(grouped[s.Competitor][k], s)
	}
	out := map[string]map[caseKey]caseSummary{}
	for name, cases := range grouped {
		out[name] = map[caseKey]caseSummary{}
		for k, ss := range cases {
			out[name][k] = summarizeCase(ss)
		}
	}
	return out
}

func summarizeCase(ss []sample) caseSummary {
	var rate, cpu, peak, p50, p99 []float64
	c := caseSummary{Rounds: len(ss)}
	for _, s := range ss {
		rate, cpu, peak = append(rate, s.PerSecond), append(cpu, s.CPUPerProbe), append(peak, s.PeakMiB)
		p50, p99 = append(p50, float64(s.P50)), append(p99, float64(s.P99))
		c.Errors += s.Errors
		c.Failed += s.Failed
	}
	c.PerSecond, c.CPUPerProbe, c.PeakMiB = median(rate), median(cpu), median(peak)
	c.P50, c.P99 = time.Duration(median(p50)), time.Duration(median(p99))
	return c
}

// ratio compares one competitor with another: the geometric mean over
// the cases both ran of the ratios of their medians.
type ratio struct {
	Of, Against          string
	Throughput, CPU, P99 float64
}

func compare(s map[string]map[caseKey]caseSummary, of, against string) ratio {
	r := ratio{Of: of, Against: against}
	var rate, cpu, p99 []float64
	for k, mine := range s[of] {
		theirs, ok := s[against][k]
		if !ok {
			continue
		}
		rate = append(rate, mine.PerSecond/theirs.PerSecond)
		cpu = append(cpu, mine.CPUPerProbe/theirs.CPUPerProbe)
		p99 = append(p99, float64(mine.P99)/float64(theirs.P99))
	}
	r.Throughput, r.CPU, r.P99 = geomean(rate), geomean(cpu), geomean(p99)
	return r
}

// sideBySideRatios are issue 16's: kubeprobe (capture on) against each
// of the others, and the capture on against off.
func sideBySideRatios(out sideBySide) []ratio {
	s := summarize(out.Samples)
	var rs []ratio
	for _, against := range out.Competitors {
		if against != kubeprobeOn && against != kubeprobeOff {
			rs = append(rs, compare(s, kubeprobeOn, against))
		}
	}
	return append(rs, compare(s, kubeprobeOn, kubeprobeOff))
}

// failingRuns are the runs in which more than 1% of the probes failed or
// erred: they measured something other than probes that work.
func failingRuns(samples []sample) []sample {
	var out []sample
	for _, s := range samples {
		if (s.Failed+s.Errors)*100 > s.Requests {
			out = append(out, s)
		}
	}
	return out
}

// peakMiB is the highest resident peak a competitor reached in any run.
func peakMiB(samples []sample, name string) float64 {
	peak := math.NaN()
	for _, s := range samples {
		if s.Competitor == name && (math.IsNaN(peak) || s.PeakMiB > peak) {
			peak = s.PeakMiB
		}
	}
	return peak
}
