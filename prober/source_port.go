package prober

import (
	"math/rand/v2"
	"sync"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// portCursors remembers, per module and range, where sequential source
// port choices and sweeps continue, so that successive probes walk the
// whole range.
type portCursors struct {
	mu   sync.Mutex
	next map[string]int
}

func newPortCursors() *portCursors { return &portCursors{next: map[string]int{}} }

// maxCursors bounds the cursors kept: each module and range, the ranges
// of source_port parameters included, has one.
const maxCursors = 1024

// take returns the next n ports of r for key, wrapping at the end.
func (c *portCursors) take(key string, r ports.Range, n int) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	key += "/" + r.String()
	offset, known := c.next[key]
	if !known && len(c.next) >= maxCursors {
		for k := range c.next { // forget one: that range starts over
			delete(c.next, k)
			break
		}
	}
	ports := make([]int, n)
	for i := range ports {
		ports[i] = int(r.First) + (offset+i)%r.Len()
	}
	c.next[key] = (offset + n) % r.Len()
	return ports
}

// sourcePort picks the port for one probe: 0 for the kernel's choice.
func (c *portCursors) sourcePort(req Request) int {
	sp := req.Module.SourcePort
	if req.SourcePort != nil {
		sp = *req.SourcePort
	}
	switch {
	case sp.IsEphemeral():
		return 0
	case !sp.IsRange():
		return int(sp.Ports.First)
	case req.Module.SourcePortStrategy == config.StrategyRandom:
		return int(sp.Ports.First) + rand.IntN(sp.Ports.Len())
	}
	return c.take(req.ModuleName, sp.Ports, 1)[0]
}

// sweepPorts picks the ports one scrape of a sweep tries.
func (c *portCursors) sweepPorts(req Request) []int {
	s := req.Module.SourcePortSweep
	return c.take(req.ModuleName+"/sweep", s.Range, s.PortsPerScrape())
}
