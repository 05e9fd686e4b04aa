package collector

import (
	"fmt"
	"math/rand"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

// The measurement of docs/collector.md's "Connection churn": how often a
// kubelet-like connect, from a port the kernel picks, draws one of 200
// allocated NodePorts in 20000-40000 of the incident's 1024-65000, with
// and without a client churning connections to another destination. Each
// op is one probe: connect and close at once, to one of 512 destinations
// in turn. It reports the collisions per 100 probes next to the
// prediction (the even NodePorts over the even ports: connect(2) picks
// the range start's parity) and the churn it reached. It asserts nothing:
// the figures are statistical; run it long enough, e.g.
//
//	go test -run '^$' -bench CollisionsUnderChurn -benchtime 60000x ./collector
func BenchmarkCollisionsUnderChurn(b *testing.B) {
	for _, churn := range []int{0, 300} {
		b.Run(fmt.Sprintf("churn=%d", churn), func(b *testing.B) {
			netlab.RunBenchmark(b, func(tb testing.TB, l *netlab.Lab) {
				l.Sysctl(tb, l.Node, "net.ipv4.ip_local_port_range", "1024 65000")
			}, func(b *testing.B, l *netlab.Lab) {
				measureCollisions(b, l, churn)
			})
		})
	}
}

// collisionDestinations is how many destinations the probes go to in
// turn: each has its own offset, so their draws are independent.
const collisionDestinations = 512

func measureCollisions(b *testing.B, l *netlab.Lab, churn int) {
	nodePorts, evenNodePorts := randomNodePorts(200)
	dests := make([]string, collisionDestinations)
	for i := range dests {
		dests[i] = netip.AddrPortFrom(l.PodIPv4, uint16(10000+i)).String()
		l.ServeUntilEOF(b, dests[i])
	}
	l.ServeUntilEOF(b, "198.18.0.2:8080")
	churned, stop := churnTo("198.18.0.2:8080", churn)
	hits := 0
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		c, err := net.DialTimeout("tcp", dests[i%len(dests)], time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if nodePorts[uint16(c.LocalAddr().(*net.TCPAddr).Port)] {
			hits++
		}
		c.Close()
	}
	stop()
	b.ReportMetric(100*float64(hits)/float64(b.N), "collisions/100probes")
	b.ReportMetric(100*float64(evenNodePorts)/float64((65000-1024)/2+1), "predicted/100probes")
	b.ReportMetric(float64(churned.Load())/time.Since(start).Seconds(), "churn/s")
}

// randomNodePorts draws n ports in 20000-40000, the same ones every run,
// and counts the even ones.
func randomNodePorts(n int) (map[uint16]bool, int) {
	r := rand.New(rand.NewSource(1))
	set := map[uint16]bool{}
	for len(set) < n {
		set[uint16(20000+r.Intn(20001))] = true
	}
	even := 0
	for p := range set {
		if p%2 == 0 {
			even++
		}
	}
	return set, even
}

// churnTo opens and closes rate connections a second to dest, each left
// in TIME_WAIT on the node, until stop is called.
func churnTo(dest string, rate int) (*atomic.Int64, func()) {
	var done atomic.Int64
	if rate == 0 {
		return &done, func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	// A connection takes a few milliseconds on a loaded machine: several
	// clients keep the rate.
	const clients = 4
	for range clients {
		wg.Go(func() {
			tick := time.NewTicker(clients * time.Second / time.Duration(rate))
			defer tick.Stop()
			for {
				select {
				case <-quit:
					return
				case <-tick.C:
					if _, err := netlab.LeaveTimeWait(&net.Dialer{Timeout: time.Second}, dest); err == nil {
						done.Add(1)
					}
				}
			}
		})
	}
	return &done, func() { close(quit); wg.Wait() }
}
