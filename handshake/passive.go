package handshake

import (
	"errors"
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

// Reset is a handshake of a process of this host whose SYN-ACK this host
// took from it: Outcome ResetAfterSYNACK when a RST left for a 4-tuple
// whose local socket was still in SYN_SENT; SYNACKDropped when a
// SYN-ACK from a far end the watch follows arrived and, a moment later,
// its socket still waited in SYN_SENT with no RST sent.
type Reset struct {
	Outcome       Outcome
	At            time.Time // when the RST left, or the SYN-ACK arrived
	Local, Remote netip.AddrPort
	Segment       string // the segment as tcpdump prints it
}

// ResetWatch is the passive watch of the node's own handshakes: an
// AF_PACKET capture of the resets this host sends, each looked up in
// sock_diag by its 4-tuple, and kept when that socket still waits in
// SYN_SENT. It probes nothing; the connects it judges are other
// processes' (kubelet's) and the exporter's own alike.
type ResetWatch struct {
	capture *capture
	log     log.Logger
	found   func(Reset)
	lookup  lookupFunc
	closeFn func() error // the lookup's netlink socket

	pending  chan queued
	seen     atomic.Uint64 // outgoing resets inspected
	overflow atomic.Uint64
	done     chan struct{}
	warned   atomic.Bool

	following synackFollow         // the SYN-ACKs of the far ends followed
	awaiting  map[fourTuple]queued // SYN-ACKs to judge, owned by check
}

// WatchResets starts the watch; found is called, from the watch's own
// goroutine, for each reset after a SYN-ACK. It needs CAP_NET_RAW, and
// fails with ErrUnsupported on every system but Linux.
func WatchResets(logger log.Logger, found func(Reset)) (*ResetWatch, error) {
	diag, err := sockdiag.Open()
	if err != nil {
		return nil, fmt.Errorf("the reset watch's socket lookups: %w", err)
	}
	c, err := openCapture(logger)
	if err != nil {
		diag.Close()
		return nil, err
	}
	if err := c.setFilter(resetFilter(true)); err != nil {
		c.close()
		diag.Close()
		return nil, fmt.Errorf("the reset watch's filter: %w", err)
	}
	w := newResetWatch(logger, found, diag.FindTCP)
	w.capture, w.closeFn = c, diag.Close
	w.following.install = c.setFilter
	go c.run(w.deliver)
	go w.check()
	return w, nil
}

// queued is a reset waiting for its lookup, or, with flushed set, a
// marker that Sync waits for.
type queued struct {
	segment
	flushed chan struct{}
	read    time.Time // when a SYN-ACK followed was read
}

// lookupFunc finds the TCP socket of a 4-tuple: sockdiag.Conn.FindTCP.
type lookupFunc func(local, remote netip.AddrPort) (sockdiag.Socket, bool, error)

func newResetWatch(logger log.Logger, found func(Reset), lookup lookupFunc) *ResetWatch {
	return &ResetWatch{log: logger, found: found, lookup: lookup, pending: make(chan queued, pendingResets), done: make(chan struct{}),
		awaiting: map[fourTuple]queued{}}
}

// Sync returns once every reset the kernel had queued for the watch when
// Sync was called has been judged (or after the capture's sync timeout):
// what a test waits for before it counts. Not after Close.
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
	if w.closeFn != nil {
		err = errors.Join(err, w.closeFn())
	}
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
	followed := !s.outgoing && s.isSYNACK() && !s.isRST()
	if !followed && (!s.outgoing || !s.isRST() || s.has(tcpACK)) {
		return // the kernel's filter passes only these; a second look costs nothing
	}
	if !followed {
		w.seen.Add(1)
	}
	select {
	case w.pending <- queued{segment: s}:
	default:
		w.overflow.Add(1)
	}
}

// check judges the queued resets one by one, in the order they left,
// and the SYN-ACKs followed once they are synackSettle old.
func (w *ResetWatch) check() {
	defer close(w.done)
	var tick <-chan time.Time // nil while no SYN-ACK awaits: an idle watch never wakes
	for {
		select {
		case q, ok := <-w.pending:
			if !ok {
				return
			}
			w.handle(q)
		case now := <-tick:
			tick = nil
			w.judgeSYNACKs(now)
		}
		if tick == nil && len(w.awaiting) > 0 {
			tick = time.After(synackSettle)
		}
	}
}

func (w *ResetWatch) handle(q queued) {
	switch {
	case q.flushed != nil:
		w.judgeSYNACKs(time.Now().Add(synackSettle))
		close(q.flushed)
	case q.isSYNACK():
		w.await(q)
	default:
		// The SYN-ACK this reset answered was not dropped: reset.
		delete(w.awaiting, fourTuple{q.src, q.dst})
		if w.synSent(q.src, q.dst) {
			w.found(Reset{Outcome: ResetAfterSYNACK, At: q.at, Local: q.src, Remote: q.dst, Segment: q.String()})
		}
	}
}

// synSent tells whether the socket of the 4-tuple waits in SYN_SENT. It
// still does when its reset is read: connect(2) keeps waiting after the
// SYN-ACK was taken from it, and retransmits its SYN. Where sock_diag
// cannot tell, nothing is guessed.
func (w *ResetWatch) synSent(local, remote netip.AddrPort) bool {
	s, found, err := w.lookup(local, remote)
	if err != nil {
		if !w.warned.Swap(true) {
			level.Warn(w.log).Log("msg", "The reset watch cannot look sockets up in sock_diag; resets go unjudged until it can", "err", err)
		}
		return false
	}
	return found && s.State == sockdiag.StateSynSent
}
