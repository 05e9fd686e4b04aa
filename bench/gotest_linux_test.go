package bench

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

// BenchmarkCollectorScrape runs the collector's own benchmark,
// BenchmarkTimeWaitScrape (100k TIME_WAIT sockets in a lab namespace, a
// scrape against `ss -tan state time-wait` on the same sockets), and
// keeps its figures.
func BenchmarkCollectorScrape(b *testing.B) {
	if netlab.InChild() || results.Collector != nil {
		return
	}
	// -v: a benchmark's log is cut to a few lines without it, and the
	// number of sockets built is in the log.
	out, err := goTest(b, "-v", "-run", "^$", "-bench", "^BenchmarkTimeWaitScrape$", "-count", "1", "./collector")
	if err != nil {
		b.Fatal(err)
	}
	if reason := skipReason(out); reason != "" {
		results.note("The collector's scrape was not measured: %s", reason)
		b.Skip(reason)
	}
	lines := parseBenchOutput(out)
	if len(lines) != 1 {
		b.Fatalf("want one result line from BenchmarkTimeWaitScrape, got %d:\n%s", len(lines), out)
	}
	m := lines[0].Metrics
	results.Collector = &collectorScrape{
		ScrapeSeconds: m["ns/op"] / 1e9, SSSeconds: m["ss-ns/op"] / 1e9, Ratio: m["scrape/ss"],
		Sockets: firstMatch(out, `built \d+ TIME_WAIT sockets[^\n]*`) + "; " + firstMatch(out, `ss lists \d+ TIME_WAIT sockets`),
	}
	b.ReportMetric(m["scrape/ss"], "scrape/ss")
}

// hotPathPackages hold the go test benchmarks of the hot paths: the
// /probe handler, whole probes, the metric encoding, the tracer's
// per-segment path.
var hotPathPackages = []string{"./prober", "./handshake"}

// BenchmarkHotPaths runs those benchmarks with -benchmem and keeps their
// lines.
func BenchmarkHotPaths(b *testing.B) {
	if netlab.InChild() || results.HotPaths != nil {
		return
	}
	args := append([]string{"-run", "^$", "-bench", ".", "-benchmem", "-count", "1"}, hotPathPackages...)
	out, err := goTest(b, args...)
	if err != nil {
		b.Fatal(err)
	}
	results.HotPaths = &hotPaths{Command: "go test " + strings.Join(args, " "), Lines: parseBenchOutput(out)}
	if len(results.HotPaths.Lines) == 0 {
		b.Fatalf("no benchmark results in:\n%s", out)
	}
}

// goTest runs go test in the repository's root.
func goTest(b *testing.B, args ...string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", append([]string{"test"}, args...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("go test %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

var (
	benchResultLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)
	skipLine        = regexp.MustCompile(`(?m)^\s*\S+\.go:\d+: (.+)\n\s*--- SKIP`)
)

// parseBenchOutput reads go test -bench's result lines, each under the
// package its "pkg:" line names.
func parseBenchOutput(out string) []benchLine {
	var lines []benchLine
	pkg := ""
	for _, text := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(text, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		// Result lines start the line; indented ones are a lab child's,
		// quoted in its parent's log.
		m := benchResultLine.FindStringSubmatch(strings.TrimRight(text, " \t"))
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		line := benchLine{Package: pkg, Name: m[1], Iterations: n, Metrics: map[string]float64{}}
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				line.Metrics[fields[i+1]] = v
				line.Units = append(line.Units, fields[i+1])
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// skipReason is the message of a skipped benchmark in go test's output.
func skipReason(out string) string {
	if m := skipLine.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	return ""
}

func firstMatch(s, pattern string) string {
	return regexp.MustCompile(pattern).FindString(s)
}
