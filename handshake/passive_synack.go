package handshake

import (
	"net/netip"
	"slices"
	"sync"
	"time"

	"golang.org/x/net/bpf"
)

const (
	// synackSettle is how long after it was read a SYN-ACK followed is
	// judged. The kernel has handled it by the time the capture hands it
	// over (the capture's copy is taken first, in the same pass); the
	// wait lets a RST answering it, read just after, say it was reset.
	synackSettle = 50 * time.Millisecond
	// maxAwaiting bounds the SYN-ACKs waiting to be judged.
	maxAwaiting = 4096
)

// synackFollow keeps the watch's filter naming the far ends whose
// SYN-ACKs it follows.
type synackFollow struct {
	install func([]bpf.Instruction) error // nil: no capture
	mu      sync.Mutex
	named   []netip.AddrPort
}

// Follow makes the watch follow the SYN-ACKs of remotes, and only those,
// to tell one this host dropped (SYNACKDropped): the probe targets of
// this node's pods. Beyond maxFilterRemotes it follows none.
func (w *ResetWatch) Follow(remotes []netip.AddrPort) error {
	f := &w.following
	f.mu.Lock()
	defer f.mu.Unlock()
	named := make([]netip.AddrPort, 0, len(remotes))
	for _, r := range remotes {
		named = append(named, netip.AddrPortFrom(r.Addr().Unmap(), r.Port()))
	}
	slices.SortFunc(named, func(a, b netip.AddrPort) int { return a.Compare(b) })
	named = slices.Compact(named)
	if f.install == nil || slices.Equal(named, f.named) {
		return nil // pods change status far more often than their targets
	}
	if err := f.install(watchFilter(named, true)); err != nil {
		return err
	}
	f.named = named
	return nil
}

// await keeps a SYN-ACK followed until it is judged; a retransmitted one
// replaces the one before.
func (w *ResetWatch) await(q queued) {
	if len(w.awaiting) >= maxAwaiting {
		return
	}
	q.read = time.Now() // judged synackSettle after it was read
	w.awaiting[fourTuple{q.dst, q.src}] = q
}

// judgeSYNACKs reports the SYN-ACKs read synackSettle before now or
// earlier whose socket still waits in SYN_SENT with no RST sent for it:
// this host dropped them before the socket saw them.
func (w *ResetWatch) judgeSYNACKs(now time.Time) {
	for tuple, q := range w.awaiting {
		if now.Sub(q.read) < synackSettle {
			continue
		}
		delete(w.awaiting, tuple)
		if w.synSent(tuple.local, tuple.remote) {
			w.found(Reset{Outcome: SYNACKDropped, At: q.at, Local: tuple.local, Remote: tuple.remote, Segment: q.String()})
		}
	}
}
