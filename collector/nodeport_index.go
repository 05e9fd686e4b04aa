package collector

import (
	"sync"
	"time"
)

// NodePortIndex tells whether a TCP port is an allocated NodePort, and
// whose, from the collector's sources. The prober asks it about the
// source port of every probe, so it reads the sources (the Service cache,
// /proc/net/ip_vs) at most once per refresh interval rather than on each
// question.
type NodePortIndex struct {
	c       *Collector
	refresh time.Duration

	mu    sync.Mutex
	read  time.Time
	ports map[uint16]KnownPort
}

// NodePortIndex returns an index that re-reads the sources when it is
// older than refresh; nil when no NodePort source is on, since nothing
// can be known then.
func (c *Collector) NodePortIndex(refresh time.Duration) *NodePortIndex {
	if len(c.sources) == 0 {
		return nil
	}
	return &NodePortIndex{c: c, refresh: refresh}
}

// Lookup returns the allocated TCP NodePort p, if it is one.
func (x *NodePortIndex) Lookup(p uint16) (KnownPort, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ports == nil || time.Since(x.read) >= x.refresh {
		x.ports = map[uint16]KnownPort{}
		for _, k := range x.c.snapshot().Known() {
			if k.Protocol == "TCP" {
				x.ports[k.Port] = k
			}
		}
		x.read = time.Now()
	}
	k, ok := x.ports[p]
	return k, ok
}
