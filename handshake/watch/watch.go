package watch

import (
	"net/netip"
	"slices"
	"sync"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// Targets lists the container probes of this node whose target is
// remote; none for any other address.
type Targets func(remote netip.AddrPort) []Owner

// NodePorts tells whether port is an allocated TCP NodePort and the
// Services that own it; known is false without a NodePort source.
type NodePorts func(port uint16) (owners []string, allocated, known bool)

// Source is what feeds the watch: handshake.ResetWatch.
type Source interface {
	Seen() uint64
	Dropped() uint64
}

// Options configure a Watch.
type Options struct {
	Targets   Targets   // nil: every reset is counted node-wide
	NodePorts NodePorts // nil: the source port is not told apart
	Keep      int       // the events the landing page keeps; at least 1
}

// Watch counts the resets after SYN-ACK the node's own handshakes ended
// with, and keeps the last few. Observe is safe for concurrent use with
// Collect and Recent.
type Watch struct {
	opts Options

	mu         sync.Mutex
	source     Source
	attributed map[Owner]uint64 // resets after SYN-ACK
	byClass    map[string]uint64
	dropped    map[Owner]uint64 // SYN-ACKs dropped
	droppedBy  map[string]uint64
	recent     []*Event // oldest first
	last       *Event   // the one of the latest reset
	nextID     int64    // the id of the newest event; 0 before the first
}

// New returns a Watch with nothing counted.
func New(opts Options) *Watch {
	opts.Keep = max(opts.Keep, 1)
	w := &Watch{opts: opts, attributed: map[Owner]uint64{}, byClass: map[string]uint64{}, dropped: map[Owner]uint64{}, droppedBy: map[string]uint64{}}
	for _, c := range PortClasses {
		w.byClass[c], w.droppedBy[c] = 0, 0
	}
	return w
}

// Attach names the source whose health the metrics show.
func (w *Watch) Attach(s Source) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.source = s
}

// Observe counts one reset after SYN-ACK, or one SYN-ACK dropped.
func (w *Watch) Observe(r handshake.Reset) {
	var owner Owner
	if w.opts.Targets != nil {
		owner = merge(w.opts.Targets(r.Remote))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	class := w.count(r.Outcome, owner, r.Remote.Port())
	if e := w.event(r); e != nil {
		e.add(r)
		w.setLast(e)
		return
	}
	w.nextID++ // ids from 1, as the probes' on /logs
	e := &Event{ID: w.nextID, Outcome: r.Outcome, Local: r.Local, Remote: r.Remote, Owner: owner, PortClass: class}
	e.NodePort, e.Owners = w.nodePort(r.Local.Port())
	e.add(r)
	w.setLast(e)
	w.recent = append(w.recent, e)
	if len(w.recent) > w.opts.Keep {
		w.recent = slices.Delete(w.recent, 0, len(w.recent)-w.opts.Keep)
	}
}

// count counts r in its counter and returns its port class, empty for a
// probe's. Called with mu held.
func (w *Watch) count(outcome handshake.Outcome, owner Owner, remotePort uint16) string {
	owned, byClass := w.attributed, w.byClass
	if outcome == handshake.SYNACKDropped {
		owned, byClass = w.dropped, w.droppedBy
	}
	if owner != (Owner{}) {
		owned[owner]++
		return ""
	}
	class := portClass(remotePort)
	byClass[class]++
	return class
}

// setLast makes e the last reset after SYN-ACK, which the source-port
// gauge shows; a SYN-ACK dropped is not one.
func (w *Watch) setLast(e *Event) {
	if e.Outcome != handshake.SYNACKDropped {
		w.last = e
	}
}

// event is the kept event r continues: the same outcome and 4-tuple,
// shortly after.
func (w *Watch) event(r handshake.Reset) *Event {
	if len(w.recent) == 0 {
		return nil
	}
	for _, e := range slices.Backward(w.recent) {
		if e.Outcome == r.Outcome && e.Local == r.Local && e.Remote == r.Remote && r.At.Sub(e.Last()) < sameConnect {
			return e
		}
	}
	return nil
}

func (w *Watch) nodePort(p uint16) (NodePortState, []string) {
	if w.opts.NodePorts == nil {
		return NodePortUnknown, nil
	}
	owners, allocated, known := w.opts.NodePorts(p)
	switch {
	case !known:
		return NodePortUnknown, nil
	case allocated:
		return NodePortAllocated, owners
	}
	return NodePortFree, nil
}

// Recent returns copies of the kept events, the one of the latest reset
// first.
func (w *Watch) Recent() []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Event, 0, len(w.recent))
	for _, e := range w.recent {
		c := *e
		c.Resets = slices.Clone(e.Resets)
		c.Owners = slices.Clone(e.Owners)
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Event) int { return b.Last().Compare(a.Last()) })
	return out
}

// LastID is the id of the newest event: events have ids from 1 to it, 0
// before the first.
func (w *Watch) LastID() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nextID
}

// Get returns the kept event id, if it still is.
func (w *Watch) Get(id int64) (Event, bool) {
	for _, e := range w.Recent() {
		if e.ID == id {
			return e, true
		}
	}
	return Event{}, false
}

// Retain forgets the counts of the probes that no longer target any of
// targets: when a pod goes, its series go, as the shadow's do, so that
// the series stay bounded by the node's pods, not by every pod it ever
// ran. The node-wide counts and the kept events stay.
func (w *Watch) Retain(targets []netip.AddrPort) {
	if w.opts.Targets == nil {
		return
	}
	live := make(map[Owner]bool, len(targets))
	for _, t := range targets {
		if o := merge(w.opts.Targets(t)); o != (Owner{}) {
			live[o] = true
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, counts := range []map[Owner]uint64{w.attributed, w.dropped} {
		for o := range counts {
			if !live[o] {
				delete(counts, o)
			}
		}
	}
}
