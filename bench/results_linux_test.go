package bench

import (
	"fmt"
	"sync"
	"time"
)

// results is what this run measured, gathered by the parent from each
// benchmark and written by TestMain once they have all run.
var results resultSet

type resultSet struct {
	mu          sync.Mutex
	Started     time.Time
	LoadAtStart string // the load average when the run began
	Versions    [][2]string
	Notes       []string
	SideBySide  *sideBySide
	Tracer      *tracerLoad
	Collector   *collectorScrape
	HotPaths    *hotPaths
	Profiles    []cpuProfile
}

func (r *resultSet) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// begin notes when the run began and how busy the machine was.
func (r *resultSet) begin() {
	r.Started, r.LoadAtStart = time.Now(), loadAverage()
}

func (r *resultSet) measured() bool {
	return r.SideBySide != nil || r.Tracer != nil || r.Collector != nil || r.HotPaths != nil || r.Profiles != nil
}

// sample is one wrk run against one competitor.
type sample struct {
	Competitor  string
	Probe       string // tcp or http
	Concurrency int
	Round       int
	Requests    int
	PerSecond   float64
	P50, P99    time.Duration
	CPUPerProbe float64 // seconds of the competitor's CPU per request
	PeakMiB     float64 // VmHWM over the run
	Errors      int     // non-2xx answers and socket errors
	Failed      int     // requests answered with a failed probe
	// BackgroundPerSecond is the rate the background load kept during
	// the run (the tracer section only).
	BackgroundPerSecond float64
}

// sideBySide is the section of BenchmarkSideBySide.
type sideBySide struct {
	Competitors []string
	StartMiB    map[string]float64
	Samples     []sample
}

// tracerLoad is the section of BenchmarkTracerUnderLoad.
type tracerLoad struct {
	Levels []loadLevel
}

// loadLevel is one background load and what the exporter did under it.
type loadLevel struct {
	Rate int // connections a second asked of the load generator
	// ToProbedTarget: the background goes to the very target the probes
	// go to, which a filter naming far ends cannot tell apart.
	ToProbedTarget bool
	Idle           idleSample
	Probes         []sample
}

// idleSample is the exporters' CPU with no probe running.
type idleSample struct {
	Seconds          float64
	OnCores          float64 // kubeprobe with the capture
	OffCores         float64 // kubeprobe without it
	LoadCores        float64 // the load generator itself
	ReachedPerSecond float64 // connections the load generator made
	FailedPerSecond  float64
	Dropped          float64 // segments the capture dropped in the window
}

// collectorScrape is the section of BenchmarkCollectorScrape.
type collectorScrape struct {
	ScrapeSeconds, SSSeconds, Ratio float64
	Sockets                         string // as the benchmark logged them
}

// hotPaths is the section of BenchmarkHotPaths: go test -bench lines.
type hotPaths struct {
	Command string
	Lines   []benchLine
}

type benchLine struct {
	Package, Name string
	Iterations    int
	Metrics       map[string]float64 // unit → value: ns/op, B/op, allocs/op, ...
	Units         []string           // in the order printed
}
