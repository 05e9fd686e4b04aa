package collector

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// benchSockets is how many TIME_WAIT sockets the benchmark builds.
const benchSockets = 100_000

// BenchmarkTimeWaitScrape measures a whole scrape of the collector on a
// node namespace holding 100k TIME_WAIT sockets, side by side with
// `ss -tan state time-wait` on the same sockets: it reports ss's time
// (ss-ns/op) and the ratio of the two (scrape/ss). Building the sockets
// takes about a minute; it runs with make bench:
//
//	go test -run '^$' -bench TimeWaitScrape ./collector
func BenchmarkTimeWaitScrape(b *testing.B) {
	netlab.RunBenchmark(b, func(tb testing.TB, l *netlab.Lab) {
		l.Sysctl(tb, l.Node, "net.ipv4.tcp_tw_reuse", "0")
		l.Sysctl(tb, l.Node, "net.ipv4.tcp_max_tw_buckets", fmt.Sprint(2*benchSockets))
	}, func(b *testing.B, l *netlab.Lab) {
		start := time.Now()
		buildTimeWait(b, benchSockets)
		c, err := New(context.Background(), Config{ProcPath: "/proc", NodePortRange: ports.Range{First: 30000, Last: 32767}, IPVS: IPVSOff, TimeWaitTop: 5}, log.NewNopLogger())
		if err != nil {
			b.Fatal(err)
		}
		// Every connection ends in TIME_WAIT (the kernel counters logged
		// below say so), yet a few dozen in 100k are gone by the time they
		// are counted; 99% of them is the same benchmark.
		waitForTimeWait(b, c.node, benchSockets*99/100)
		built, _ := c.node.TimeWaitSockets()
		b.Logf("built %d TIME_WAIT sockets in %s", built, time.Since(start).Round(time.Millisecond))
		if out, err := exec.Command("nstat", "-az", "TcpExtTCPTimeWaitOverflow", "TcpExtTW").Output(); err == nil {
			b.Logf("kernel counters:\n%s", out)
		}
		ss := timeSS(b, 10)
		reg := prometheus.NewRegistry()
		reg.MustRegister(c)
		for b.Loop() {
			if _, err := reg.Gather(); err != nil {
				b.Fatal(err)
			}
		}
		perScrape := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(ss.Nanoseconds()), "ss-ns/op")
		b.ReportMetric(perScrape/float64(ss.Nanoseconds()), "scrape/ss")
	})
}

// buildTimeWait opens and closes n loopback connections to one listener.
// Each binds its own source address and port: letting the kernel search
// for a free port gets slower with every TIME_WAIT socket, and the first
// sockets would expire (after 60s) before the last were made.
func buildTimeWait(t testing.TB, n int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go netlab.AcceptUntilEOF(ln)
	const workers, firstPort, portsPerAddress = 4, 10000, 50000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				local := &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(1+i/portsPerAddress)), Port: firstPort + i%portsPerAddress}
				if _, err := netlab.LeaveTimeWait(&net.Dialer{LocalAddr: local}, ln.Addr().String()); err != nil {
					t.Errorf("connection %d from %s: %v", i, local, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// timeSS runs `ss -tan state time-wait` runs times on the same sockets
// and returns the median wall time, process start included, as a user
// would see it.
func timeSS(t testing.TB, runs int) time.Duration {
	t.Helper()
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	lines, err := exec.Command("ss", "-Htan", "state", "time-wait").Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	t.Logf("ss lists %d TIME_WAIT sockets", strings.Count(string(lines), "\n"))
	var times []time.Duration
	for range runs {
		cmd := exec.Command("ss", "-tan", "state", "time-wait")
		cmd.Stdout = devNull
		start := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("ss: %v", err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[len(times)/2]
}
