package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// writeResults renders the run; with dir it writes dir/YYYY-MM-DD.md and,
// for a whole run kept in the repository, quotes the summary in its
// README; without dir it prints the results.
func writeResults(dir string) error {
	ended := time.Now()
	if root, err := repoRoot(); err == nil {
		results.Versions = versions(root, harness.plan)
	}
	name := ended.UTC().Format("2006-01-02") + ".md"
	full := renderResults(&results, ended)
	if dir == "" {
		fmt.Println(full)
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path, err := filepath.Abs(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(full), 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", path)
	root, err := repoRoot()
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return err
	}
	if reason := notQuotable(rel); reason != "" {
		fmt.Println("README's summary left as it was:", reason)
		return nil
	}
	return quoteInReadme(filepath.Join(root, "README.md"), rel, renderSummary(&results, "####"))
}

// notQuotable says why the README should not quote this run, or "": a
// results file outside the repository cannot be linked, and a run of some
// benchmarks only (-bench Profile) has no summary to replace a whole
// run's with.
func notQuotable(rel string) string {
	switch {
	case rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)):
		return "the results file is outside the repository"
	case results.SideBySide == nil:
		return "this run did not measure the side-by-side comparison"
	}
	return ""
}

// renderResults is the whole results file.
func renderResults(r *resultSet, ended time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmark results, %s\n\n", ended.UTC().Format("2006-01-02"))
	b.WriteString(renderPreamble(r, ended))
	b.WriteString("## Summary\n\n" + renderSummary(r, "###"))
	b.WriteString(renderTargets(r))
	b.WriteString(renderSideBySide(r.SideBySide))
	b.WriteString(renderTracerRuns(r.Tracer))
	b.WriteString(renderHotPaths(r.HotPaths))
	b.WriteString(renderProfiles(r.Profiles))
	r.noteFailingRuns()
	if len(r.Notes) > 0 {
		b.WriteString("## Notes\n\n")
		for _, n := range r.Notes {
			b.WriteString("- " + n + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(renderEveryRound(r.SideBySide))
	return b.String()
}

// noteFailingRuns says which runs had probes fail, so that nobody reads
// their figures as those of working probes.
func (r *resultSet) noteFailingRuns() {
	var all []sample
	if r.SideBySide != nil {
		all = append(all, r.SideBySide.Samples...)
	}
	if r.Tracer != nil {
		for _, lv := range r.Tracer.Levels {
			all = append(all, lv.Probes...)
		}
	}
	for _, s := range failingRuns(all) {
		under := ""
		if s.BackgroundPerSecond > 0 {
			under = fmt.Sprintf(" under %.0f background connections/s", s.BackgroundPerSecond)
		}
		r.note("More than 1%% of the probes failed or erred in a run: %s, %s at c=%d%s, round %d: %d of %d failed, %d errors.",
			s.Competitor, s.Probe, s.Concurrency, under, s.Round, s.Failed, s.Requests, s.Errors)
	}
}

func renderPreamble(r *resultSet, ended time.Time) string {
	var b strings.Builder
	m := describeMachine()
	fmt.Fprintf(&b, "Measured by `make bench` (the benchmarks of [bench/](..)) from %s to %s UTC, in one run on one machine "+
		"with %d cores shared with other work: other sessions' builds and tests ran on it at the same time "+
		"(load average %s at the start, %s at the end). The figures are noisy; the ratios, measured side by side "+
		"in alternating rounds of the same run, are what to compare.\n\n",
		r.Started.UTC().Format("2006-01-02 15:04"), ended.UTC().Format("15:04"), m.Cores, r.LoadAtStart, m.LoadAverage)
	machineTable := newTable("machine", "")
	machineTable.add("CPU", fmt.Sprintf("%d × %s", m.Cores, m.CPU))
	machineTable.add("kernel", m.Kernel)
	machineTable.add("memory", fmt.Sprintf("%.1f GiB", m.MemoryGiB))
	b.WriteString(machineTable.String() + "\n")
	versionTable := newTable("software", "version")
	for _, v := range r.Versions {
		versionTable.add(v[0], v[1])
	}
	b.WriteString(versionTable.String() + "\n")
	if r.SideBySide != nil || r.Tracer != nil {
		b.WriteString(renderMethod())
	}
	return b.String()
}

func renderMethod() string {
	p := harness.plan
	return "How it was measured:\n\n- " + strings.Join([]string{
		"Every competitor serves /probe on loopback in the lab's node namespace ([docs/lab.md](../../docs/lab.md)), " +
			"so that the capture sees this run's packets, not the rest of the machine's.",
		fmt.Sprintf("wrk (%d threads, %s a run, `--latency`, headers `%s`) probes a tcp target (accept and close) and an http "+
			"target (200 \"ok\"), both tiny Go servers, at %s connections.", wrkThreads, p.Duration, strings.Join(wrkHeaders, "`, `"),
			joinInts(concurrencies)),
		fmt.Sprintf("%d round(s); in each, every case is started by a different competitor, and while one competitor is "+
			"measured the others are stopped (SIGSTOP), so that none takes CPU from it. Figures are medians over the rounds.", p.Rounds),
		"Every run checks its probes: one plain probe must succeed before wrk starts, and wrk's requests are " +
			"counted against the probes that reached the target (kubeprobe's own success counter under background load, " +
			"where the target may be the load generator's); the difference is the failed probes.",
		"Throughput and latency are wrk's; CPU per probe is utime+stime from /proc/PID/stat over the run divided by wrk's " +
			"requests; peak RSS is VmHWM, reset before each run; RSS at start is VmRSS a second after the competitor was ready.",
		"kubeprobe probes as kubelet 1.37 does (SO_LINGER 1s on close); blackbox with its defaults; every module's timeout is 2s.",
		"The node namespace has net.ipv4.tcp_tw_reuse=1: thousands of probes a second of one target, each closed by the " +
			"prober first, would otherwise fill every ephemeral port with TIME_WAIT sockets within seconds (the default, 2, " +
			"reuses them on loopback only).",
		"The floor is a minimal Go server whose /probe does one connect and close (tcp) or one GET on a fresh connection " +
			"(http) and answers a fixed body: what any exporter must at least spend. \"floor, SO_LINGER 1s\" is the same server " +
			"with kubelet's sockets since 1.27 (SO_LINGER of 1 s, so that close waits for its FIN to be acknowledged), as kubeprobe's: " +
			"what a probe made as kubelet makes it must at least spend.",
		"The background load is a separate process in the node namespace, connecting to a listener in the pod namespace " +
			"at a fixed rate and closing each connection with a reset (SYN, SYN-ACK, ACK, RST), so no TIME_WAIT piles up.",
	}, "\n- ") + "\n\n"
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

// quoteInReadme replaces what stands between README's bench markers with
// the summary and a link to the results file.
func quoteInReadme(readme, resultsPath, summary string) error {
	const begin, end = "<!-- bench:summary:begin -->", "<!-- bench:summary:end -->"
	text, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	before, rest, ok1 := strings.Cut(string(text), begin)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		return fmt.Errorf("%s has no %s … %s markers to quote the results between", readme, begin, end)
	}
	quoted := fmt.Sprintf("%s\nThe latest run, [%s](%s):\n\n%s%s", begin, resultsPath, resultsPath, summary, end)
	return os.WriteFile(readme, []byte(before+quoted+after), 0o644)
}
