package handshake

import (
	"net/netip"
	"sync"
	"time"
)

const (
	// earlyKeep bounds how long, and how many, segments wait for the
	// connect that caused them to learn its local port.
	earlyKeep    = 5 * time.Second
	earlyMaxKept = 4096
)

// trace collects the segments of one connect. A nil *trace, which a nil
// *Tracer hands out, traces nothing: every method is a no-op.
type trace struct {
	tracer  *Tracer
	remote  netip.AddrPort
	started time.Time

	// Guarded by tracer.mu.
	expecting bool // counted in tracer.expected
	local     netip.AddrPort
	segments  []segment
	// ifindexOut and ifindexIn hold the interface each direction was first
	// seen on: a packet that crosses a bridge and its port is captured on
	// both, and only one of the two copies is the packet.
	ifindexOut, ifindexIn int

	synAckOnce sync.Once
	synAck     chan struct{}
}

// begin announces a connect to remote that is about to start, so that its
// SYN is kept until the connect knows its local port.
func (t *Tracer) begin(remote netip.AddrPort) *trace {
	if t == nil {
		return nil
	}
	tr := &trace{tracer: t, remote: remote, started: time.Now(), expecting: true, synAck: make(chan struct{})}
	t.filter.watch(remote)
	t.mu.Lock()
	t.expected[remote]++
	t.mu.Unlock()
	return tr
}

// dispatch gives a segment to the connect it belongs to, or keeps it
// briefly if a connect to its remote end is starting and may claim it.
func (t *Tracer) dispatch(s segment) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tr := t.handshakes[fourTuple{s.src, s.dst}]; tr != nil {
		tr.add(s, true)
		return
	}
	if tr := t.handshakes[fourTuple{s.dst, s.src}]; tr != nil {
		tr.add(s, false)
		return
	}
	if t.expected[s.dst] > 0 || t.expected[s.src] > 0 {
		t.keepEarly(s)
	}
}

// keepEarly holds a segment that arrived before its connect could say
// which local port it has: the SYN leaves inside connect(2).
func (t *Tracer) keepEarly(s segment) {
	cutoff := s.at.Add(-earlyKeep)
	drop := 0
	for drop < len(t.early) && (t.early[drop].at.Before(cutoff) || len(t.early)-drop >= earlyMaxKept) {
		drop++
	}
	t.early = append(t.early[drop:], s)
}

// bound gives the local address the kernel chose or bound. From now on
// segments go straight to tr; those that came earlier are claimed.
func (tr *trace) bound(local netip.AddrPort) {
	if tr == nil {
		return
	}
	t := tr.tracer
	t.mu.Lock()
	defer t.mu.Unlock()
	tr.stopExpecting()
	if local.Port() == 0 {
		return // nothing was sent, or the kernel has already given the port back
	}
	key := fourTuple{local, tr.remote}
	if _, taken := t.handshakes[key]; taken {
		// Another connect owns this 4-tuple; this one will fail with
		// EADDRNOTAVAIL without sending anything.
		return
	}
	tr.local = local
	t.handshakes[key] = tr
	kept := t.early[:0]
	for _, s := range t.early {
		switch {
		case s.at.Before(tr.started):
			kept = append(kept, s) // an earlier connection's segment
		case s.src == local && s.dst == tr.remote:
			tr.add(s, true)
		case s.src == tr.remote && s.dst == local:
			tr.add(s, false)
		default:
			kept = append(kept, s)
		}
	}
	t.early = kept
}

// stopExpecting is called with tracer.mu held.
func (tr *trace) stopExpecting() {
	if !tr.expecting {
		return
	}
	tr.expecting = false
	t := tr.tracer
	if t.expected[tr.remote]--; t.expected[tr.remote] <= 0 {
		delete(t.expected, tr.remote)
	}
}

// add records a segment of this connection, called with tracer.mu held.
// fromLocal says the segment goes from this host's end to the remote one.
//
// Each packet is counted once, where it crosses this host's edge: a
// segment from the local end when it is handed to an interface to send,
// one from the remote end when it arrives. On loopback the kernel shows
// every packet both ways; the other copy is skipped.
func (tr *trace) add(s segment, fromLocal bool) {
	if fromLocal != s.outgoing {
		return
	}
	ifindex := &tr.ifindexIn
	if fromLocal {
		ifindex = &tr.ifindexOut
	}
	if *ifindex == 0 {
		*ifindex = s.ifindex
	} else if *ifindex != s.ifindex {
		return // the same packet, captured again further along a bridge
	}
	tr.segments = append(tr.segments, s)
	if !fromLocal && s.isSYNACK() {
		tr.synAckOnce.Do(func() { close(tr.synAck) })
	}
}

// synACKReceived is closed when a SYN-ACK for this connect has arrived.
func (tr *trace) synACKReceived() <-chan struct{} {
	if tr == nil {
		return nil
	}
	return tr.synAck
}

// finish waits for the capture to catch up, stops tracing and returns the
// connection's segments in the order they crossed the host's edge.
func (tr *trace) finish() []segment {
	if tr == nil {
		return nil
	}
	t := tr.tracer
	t.sync()
	defer t.filter.unwatch(tr.remote)
	t.mu.Lock()
	defer t.mu.Unlock()
	tr.stopExpecting()
	if key := (fourTuple{tr.local, tr.remote}); t.handshakes[key] == tr {
		delete(t.handshakes, key)
	}
	return append([]segment(nil), tr.segments...)
}
