package bench

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// backgroundLevels are issue 16's loads through the node namespace, none
// first for reference, and last the case a filter naming the far ends of
// the exporter's connects cannot help: the background goes to the very
// address and port the probes go to.
var backgroundLevels = []struct {
	Rate           int
	ToProbedTarget bool
}{{0, false}, {1000, false}, {5000, false}, {20000, false}, {20000, true}}

const (
	probedPort     = 9000 // in the pod namespace: the probes' target
	backgroundPort = 8080 // in the pod namespace: the load generator's
	idleWindow     = 5 * time.Second
	loadWarmup     = time.Second
	// tracerConcurrency is wrk's under background load: many scrapers.
	tracerConcurrency = 32
)

// BenchmarkTracerUnderLoad measures what the capture costs when the node
// is busy with connections of its own: the idle exporter's CPU with the
// capture on and off, and probe throughput with it on and off, under
// background connections from a separate process in the node namespace
// to a listener in the pod namespace.
func BenchmarkTracerUnderLoad(b *testing.B) {
	requireLoadTools(b)
	netlab.RunBenchmark(b, func(tb testing.TB, l *netlab.Lab) {
		reuseTimeWait(tb, l)
		harness.handOut(tb, "tracer")
	}, func(b *testing.B, l *netlab.Lab) {
		p := childPlan(b)
		out := runTracerUnderLoad(b, l, p)
		writeSection(b, p, out)
		for _, lv := range out.Levels {
			if lv.Rate == 20000 && !lv.ToProbedTarget {
				b.ReportMetric(lv.Idle.OnCores, "idle-cores-at-20k")
			}
		}
	})
	if !netlab.InChild() {
		var out tracerLoad
		readSection(b, "tracer", &out)
		results.Tracer = &out
	}
}

func runTracerUnderLoad(b *testing.B, l *netlab.Lab, p plan) tracerLoad {
	serveInPod(b, l, netip.AddrPortFrom(l.PodIPv4, probedPort))
	dir := b.TempDir()
	on, err := kubeprobeSpec(p, dir, true)
	if err != nil {
		b.Fatal(err)
	}
	off, _ := kubeprobeSpec(p, dir, false)
	exporters, err := startAll([]competitorSpec{on, off}, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer stopAll(exporters)
	var out tracerLoad
	for _, lv := range backgroundLevels {
		level, err := underBackground(l, p, exporters, lv.Rate, lv.ToProbedTarget)
		if err != nil {
			b.Fatal(err)
		}
		out.Levels = append(out.Levels, level)
	}
	return out
}

// underBackground starts the background load, measures the idle
// exporters, then each one's probes in turn with the other paused.
func underBackground(l *netlab.Lab, p plan, exporters []*competitor, rate int, toProbed bool) (loadLevel, error) {
	level := loadLevel{Rate: rate, ToProbedTarget: toProbed}
	background := netip.AddrPortFrom(l.PodIPv4, backgroundPort)
	target := netip.AddrPortFrom(l.PodIPv4, probedPort)
	if toProbed {
		target = background // the load generator accepts these too
	}
	var gen *backgroundLoad
	if rate > 0 {
		limit := idleWindow + time.Duration(2*p.Rounds)*(p.Duration+2*time.Second) + time.Minute
		var err error
		if gen, err = startBackgroundLoad(l.Pod, background, rate, limit); err != nil {
			return level, err
		}
		defer gen.stop()
		time.Sleep(loadWarmup)
	}
	var err error
	if level.Idle, err = measureIdle(exporters[0], exporters[1], gen); err != nil {
		return level, err
	}
	level.Probes, err = probesUnderBackground(p, exporters, gen, target.String())
	return level, err
}

func probesUnderBackground(p plan, exporters []*competitor, gen *backgroundLoad, target string) ([]sample, error) {
	for _, e := range exporters {
		if err := e.pause(); err != nil {
			return nil, err
		}
	}
	defer func() {
		for _, e := range exporters {
			e.resume()
		}
	}()
	var samples []sample
	for round := range p.Rounds {
		for _, e := range rotate(exporters, round) {
			from := gen.progress()
			s, err := measure(e, load{Probe: "tcp", Target: target, Concurrency: tracerConcurrency, Duration: p.Duration,
				Successes: kubeprobeSuccesses(e, "tcp")})
			if err != nil {
				return nil, err
			}
			s.Round = round
			s.BackgroundPerSecond, _ = reached(from, gen.progress())
			samples = append(samples, s)
		}
	}
	return samples, nil
}

// measureIdle is the CPU of both exporters (and of the load generator)
// over idleWindow with no probe running, and what the capture dropped.
func measureIdle(on, off *competitor, gen *backgroundLoad) (idleSample, error) {
	var idle idleSample
	droppedBefore, err := on.metric("kubeprobe_exporter_trace_packets_dropped_total")
	if err != nil {
		return idle, err
	}
	from := gen.progress()
	meters, err := startCPUMeters(on.pid(), off.pid(), gen.pidOrZero())
	if err != nil {
		return idle, err
	}
	time.Sleep(idleWindow)
	cores, err := meters.cores()
	if err != nil {
		return idle, err
	}
	idle.OnCores, idle.OffCores, idle.LoadCores = cores[0], cores[1], cores[2]
	idle.Seconds = idleWindow.Seconds()
	idle.ReachedPerSecond, idle.FailedPerSecond = reached(from, gen.progress())
	droppedAfter, err := on.metric("kubeprobe_exporter_trace_packets_dropped_total")
	idle.Dropped = droppedAfter - droppedBefore
	return idle, err
}

// kubeprobeSuccesses reads kubeprobe's own count of the module's probes
// that succeeded: in the pod namespace the target may be the load
// generator's, which cannot tell probes from the background.
func kubeprobeSuccesses(c *competitor, module string) func() (float64, error) {
	return func() (float64, error) {
		return c.metric(`kubeprobe_exporter_probes_total{module="` + module + `",result="success"}`)
	}
}

// serveInPod accepts and closes connections at addr in the pod namespace,
// from this process, until the benchmark ends.
func serveInPod(b *testing.B, l *netlab.Lab, addr netip.AddrPort) {
	var ln net.Listener
	err := netlab.InNamespace(l.Pod, func() (err error) {
		ln, err = net.Listen("tcp", addr.String())
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go testserver.AcceptAndClose(ln)
}
