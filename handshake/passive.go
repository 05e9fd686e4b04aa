package handshake

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/kubeprobe/kubeprobe_exporter/internal/sockdiag"
)

// pendingResets bounds the outgoing resets waiting for their socket
// lookup; beyond it they are counted as dropped, as the kernel counts
// what overflows the capture's buffer.
const pendingResets = 1024

// Reset is a handshake of a process of this host that ended with this
// host resetting the SYN-ACK: a RST left for a 4-tuple whose local socket
// was still in SYN_SENT, so the SYN-ACK never reached it.
type Reset struct {
	At            time.Time // when the RST left
	Local, Remote netip.AddrPort
	Segment       string // the RST as tcpdump prints it
}

// ResetWatch is the passive watch of the node's own handshakes: an
// AF_PACKET capture of the resets this host sends, each checked against
// the sockets waiting in SYN_SENT (sock_diag). It probes nothing; the
// connects it judges are other processes' (kubelet's) and the exporter's
// own alike.
type ResetWatch struct {
	capture *capture
	log     log.Logger
	found   func(Reset)
	synSent func() ([]sockdiag.Socket, error)

	pending  chan queued
	seen     atomic.Uint64 // outgoing resets inspected
	overflow atomic.Uint64
	done     chan struct{}
	warned   atomic.Bool
}

// WatchResets starts the watch; found is called, from the watch's own
// goroutine, for each reset after a SYN-ACK. It needs CAP_NET_RAW, and
// fails with ErrUnsupported on every system but Linux.
func WatchResets(logger log.Logger, found func(Reset)) (*ResetWatch, error) {
	c, err := openCapture(logger)
	if err != nil {
		return nil, err
	}
	if err := c.setFilter(resetFilter(true)); err != nil {
		c.close()
		return nil, fmt.Errorf("the reset watch's filter: %w", err)
	}
	w := newResetWatch(logger, found, synSentSockets)
	w.capture = c
	go c.run(w.deliver)
	go w.check()
	return w, nil
}

// queued is a reset waiting for its lookup, or, with flushed set, a
// marker that Sync waits for.
type queued struct {
	segment
	flushed chan struct{}
}

func newResetWatch(logger log.Logger, found func(Reset), synSent func() ([]sockdiag.Socket, error)) *ResetWatch {
	return &ResetWatch{log: logger, found: found, synSent: synSent, pending: make(chan queued, pendingResets), done: make(chan struct{})}
}

// Sync returns once every reset the kernel had queued for the watch when
// Sync was called has been judged (or after the capture's sync timeout):
// what a test waits for before it counts.
func (w *ResetWatch) Sync() {
	if w.capture != nil {
		w.capture.sync()
	}
	flushed := make(chan struct{})
	w.pending <- queued{flushed: flushed}
	<-flushed
}

// Close stops the capture and waits for the resets already read to be
// judged.
func (w *ResetWatch) Close() error {
	if w == nil {
		return nil
	}
	err := w.capture.close() // returns once the reader has stopped
	close(w.pending)
	<-w.done
	return err
}

// Seen is the number of resets this host sent that the watch inspected.
func (w *ResetWatch) Seen() uint64 { return w.seen.Load() }

// Dropped is the number of resets the watch could not inspect: the
// kernel's buffer or the watch's queue was full.
func (w *ResetWatch) Dropped() uint64 {
	if w.capture == nil {
		return w.overflow.Load()
	}
	return w.capture.dropped() + w.overflow.Load()
}

// deliver runs on the capture's reader: it queues outgoing resets and
// never blocks on the lookups.
func (w *ResetWatch) deliver(s segment) {
	if !s.outgoing || !s.isRST() || s.has(tcpACK) {
		return // the kernel's filter passes only these; a second look costs nothing
	}
	w.seen.Add(1)
	select {
	case w.pending <- queued{segment: s}:
	default:
		w.overflow.Add(1)
	}
}

// check judges the queued resets in batches: one sock_diag dump answers
// for every reset that queued up while the last one ran.
func (w *ResetWatch) check() {
	defer close(w.done)
	for q := range w.pending {
		batch := []queued{q}
		for more := true; more; {
			select {
			case next, ok := <-w.pending:
				if ok {
					batch = append(batch, next)
				}
				more = ok
			default:
				more = false
			}
		}
		w.judge(batch)
	}
}

// judge reports the resets whose 4-tuple is a socket in SYN_SENT. The
// socket is still there when its RST is read: connect(2) keeps waiting
// after the SYN-ACK was taken from it, and retransmits its SYN.
func (w *ResetWatch) judge(batch []queued) {
	waiting := w.waiting()
	for _, q := range batch {
		switch {
		case q.flushed != nil:
			close(q.flushed)
		case waiting[fourTuple{q.src, q.dst}]:
			w.found(Reset{At: q.at, Local: q.src, Remote: q.dst, Segment: q.String()})
		}
	}
}

// waiting is the 4-tuples of the sockets in SYN_SENT now; none when
// sock_diag cannot tell, so that nothing is guessed.
func (w *ResetWatch) waiting() map[fourTuple]bool {
	sockets, err := w.synSent()
	if err != nil {
		if !w.warned.Swap(true) {
			level.Warn(w.log).Log("msg", "The reset watch cannot list the sockets in SYN_SENT; resets go unjudged until it can", "err", err)
		}
		return nil
	}
	waiting := make(map[fourTuple]bool, len(sockets))
	for _, s := range sockets {
		waiting[fourTuple{s.Local, s.Remote}] = true
	}
	return waiting
}

func synSentSockets() ([]sockdiag.Socket, error) {
	var out []sockdiag.Socket
	err := sockdiag.Dump(sockdiag.TCP, sockdiag.StateMask(sockdiag.StateSynSent), func(s sockdiag.Socket) { out = append(out, s) })
	return out, err
}
