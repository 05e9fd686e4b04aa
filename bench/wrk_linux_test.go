package bench

import (
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkThreads: one wrk thread per core of the 2-core machine the figures
// are taken on; more would only contend with the exporters measured.
const wrkThreads = 2

// wrkHeaders make each request look like Prometheus's scrape of /probe:
// it asks for gzip, and an exporter that compresses pays for it.
var wrkHeaders = []string{"Accept-Encoding: gzip", "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1"}

// wrkResult is what one wrk run reports.
type wrkResult struct {
	Requests  int
	Elapsed   time.Duration
	PerSecond float64
	P50, P99  time.Duration
	// Errors are non-2xx answers and socket errors together.
	Errors int
}

// runWrk runs wrk against url at the given concurrency for d.
func runWrk(url string, concurrency int, d time.Duration) (wrkResult, error) {
	args := []string{"-t", strconv.Itoa(min(wrkThreads, concurrency)), "-c", strconv.Itoa(concurrency),
		"-d", wrkSeconds(d), "--latency", "--timeout", "5s"}
	for _, h := range wrkHeaders {
		args = append(args, "-H", h)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %v\n%s", url, err, out)
	}
	r, err := parseWrk(string(out))
	if err != nil {
		return r, fmt.Errorf("wrk %s: %v\n%s", url, err, out)
	}
	return r, nil
}

var (
	wrkTotals      = regexp.MustCompile(`(?m)^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),`)
	wrkRate        = regexp.MustCompile(`(?m)^Requests/sec:\s+([\d.]+)`)
	wrkPercentile  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$`)
	wrkNon2xx      = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses: (\d+)`)
	wrkSocketError = regexp.MustCompile(`(?m)^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads wrk --latency's report.
func parseWrk(out string) (wrkResult, error) {
	var r wrkResult
	totals, rate := wrkTotals.FindStringSubmatch(out), wrkRate.FindStringSubmatch(out)
	percentiles := wrkPercentile.FindAllStringSubmatch(out, -1)
	if totals == nil || rate == nil || len(percentiles) != 2 {
		return r, fmt.Errorf("no totals, rate or 50%%/99%% latencies in wrk's output (was --latency given?)")
	}
	r.Requests, _ = strconv.Atoi(totals[1])
	r.Elapsed = wrkDuration(totals[2], totals[3])
	r.PerSecond, _ = strconv.ParseFloat(rate[1], 64)
	r.P50 = wrkDuration(percentiles[0][2], percentiles[0][3])
	r.P99 = wrkDuration(percentiles[1][2], percentiles[1][3])
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		r.Errors += n
	}
	if m := wrkSocketError.FindStringSubmatch(out); m != nil {
		for _, field := range m[1:] {
			n, _ := strconv.Atoi(field)
			r.Errors += n
		}
	}
	return r, nil
}

// wrkSeconds is d as wrk takes it: whole seconds, at least one.
func wrkSeconds(d time.Duration) string {
	return fmt.Sprintf("%ds", max(1, int(math.Round(d.Seconds()))))
}

// wrkDuration reads a time as wrk prints it: a number and us, ms, s, m or h.
func wrkDuration(number, unit string) time.Duration {
	v, _ := strconv.ParseFloat(number, 64)
	scale := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour}[unit]
	return time.Duration(math.Round(v * float64(scale)))
}

// wrkVersion is wrk's version line.
func wrkVersion() string {
	out, _ := exec.Command("wrk", "-v").CombinedOutput() // exits 1 after printing it
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}
