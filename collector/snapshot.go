package collector

import (
	"sync"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// snapshot reads each fact of the node at most once per scrape, so the
// scrapers that share one (the ephemeral range feeds four of them) agree
// and the costly ones (the sock_diag dumps) run once.
type snapshot struct {
	node    *procNode
	cfg     Config
	sources []source

	ephemeral lazy[ports.Range]
	reserved  lazy[ports.Set]
	held      lazy[heldPorts]
	timeWait  lazy[timeWaitBreakdown]
	allocs    map[string]*lazy[[]allocation]
}

func newSnapshot(node *procNode, cfg Config, sources []source) *snapshot {
	s := &snapshot{node: node, cfg: cfg, sources: sources, allocs: map[string]*lazy[[]allocation]{}}
	for _, src := range sources {
		s.allocs[src.Name()] = &lazy[[]allocation]{}
	}
	return s
}

func (s *snapshot) EphemeralRange() (ports.Range, error) {
	return s.ephemeral.get(s.node.EphemeralRange)
}

func (s *snapshot) ReservedPorts() (ports.Set, error) {
	return s.reserved.get(s.node.ReservedPorts)
}

func (s *snapshot) HeldPorts() (heldPorts, error) {
	return s.held.get(readHeldPorts)
}

// Allocations is what src knows. A source may return allocations and an
// error together: the Kubernetes source keeps its last known Services
// while the API is unreachable.
func (s *snapshot) Allocations(src source) ([]allocation, error) {
	return s.allocs[src.Name()].get(src.Allocations)
}

func (s *snapshot) TimeWait() (timeWaitBreakdown, error) {
	return s.timeWait.get(func() (timeWaitBreakdown, error) {
		eph, err := s.EphemeralRange()
		if err != nil {
			return timeWaitBreakdown{}, err
		}
		return readTimeWait(eph, s.cfg.NodePortRange)
	})
}

// lazy is a value read on first use.
type lazy[T any] struct {
	once sync.Once
	val  T
	err  error
}

func (l *lazy[T]) get(read func() (T, error)) (T, error) {
	l.once.Do(func() { l.val, l.err = read() })
	return l.val, l.err
}
