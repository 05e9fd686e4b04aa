package prober

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log/level"
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// sweepGiveUp is how long a sweep waits for a connection to complete after
// its SYN-ACK arrived. The kernel completes it within microseconds; a
// connection still pending has had its SYN-ACK reset or dropped here.
const sweepGiveUp = 200 * time.Millisecond

// probeSweep connects to the target once from each of the scrape's source
// ports, a bounded number at a time, all within the probe's timeout, and
// succeeds only if every handshake it tried was established.
func probeSweep(ctx context.Context, p *probe) Verdict {
	remote, err := p.dialer.resolveAddress(ctx, "tcp", p.Target)
	if err != nil {
		return failure((&net.OpError{Op: "dial", Net: "tcp", Err: err}).Error())
	}
	attempts := sweep(ctx, p, remote)
	writeSweepMetrics(p.metrics, attempts, p.dialer.Traced())
	failed := failedPorts(attempts)
	untried := len(p.SweepPorts) - len(attempts)
	if untried > 0 {
		level.Warn(p.Log).Log("msg", fmt.Sprintf("%d of %d source ports were not tried before the timeout", untried, len(p.SweepPorts)))
	}
	if len(failed) == 0 {
		return success(fmt.Sprintf("%d of %d source ports established a connection", len(attempts), len(p.SweepPorts)))
	}
	return failure(fmt.Sprintf("%d of %d source ports tried failed: %s", countFailed(failed), len(attempts), describeFailed(failed)))
}

// sweep runs the connects and returns those that got under way.
func sweep(ctx context.Context, p *probe, remote netip.AddrPort) []*handshake.Attempt {
	var (
		mu       sync.Mutex
		attempts []*handshake.Attempt
		wg       sync.WaitGroup
		slots    = make(chan struct{}, p.Module.SourcePortSweep.Parallelism)
	)
	for _, port := range p.SweepPorts {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			opts := handshake.Options{Local: netip.AddrPortFrom(p.dialer.local.Addr(), uint16(port)), AbandonAfterSYNACK: sweepGiveUp}
			conn, a, _ := p.dialer.connect(ctx, remote, opts)
			if conn != nil {
				conn.Close()
			}
			mu.Lock()
			attempts = append(attempts, a)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.SortFunc(attempts, func(a, b *handshake.Attempt) int { return int(a.SourcePort()) - int(b.SourcePort()) })
	return attempts
}

// failedPorts groups the ports that did not connect by outcome.
func failedPorts(attempts []*handshake.Attempt) map[handshake.Outcome][]uint16 {
	failed := map[handshake.Outcome][]uint16{}
	for _, a := range attempts {
		if a.Outcome != handshake.Established {
			failed[a.Outcome] = append(failed[a.Outcome], a.SourcePort())
		}
	}
	return failed
}

func countFailed(failed map[handshake.Outcome][]uint16) int {
	n := 0
	for _, ports := range failed {
		n += len(ports)
	}
	return n
}

// describeFailed lists the failing ports per outcome, e.g.
// "reset_after_synack from 30080, 30443".
func describeFailed(failed map[handshake.Outcome][]uint16) string {
	var parts []string
	for _, o := range handshake.Outcomes {
		if ports := failed[o]; len(ports) > 0 {
			parts = append(parts, fmt.Sprintf("%s from %s", o, joinPorts(ports)))
		}
	}
	return strings.Join(parts, "; ")
}

func joinPorts(ports []uint16) string {
	text := make([]string, len(ports))
	for i, p := range ports {
		text[i] = fmt.Sprint(p)
	}
	return strings.Join(text, ", ")
}
