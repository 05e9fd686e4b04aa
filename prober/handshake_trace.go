package prober

import (
	"net/netip"
	"sync"
	"time"
)

// Handshake collects the segments of one connect. A nil *Handshake, which
// a nil *Tracer hands out, traces nothing: every method is a no-op.
type Handshake struct {
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

// Begin announces a connect to remote that is about to start, so that its
// SYN is kept until the connect knows its local port.
func (t *Tracer) Begin(remote netip.AddrPort) *Handshake {
	if t == nil {
		return nil
	}
	h := &Handshake{tracer: t, remote: remote, started: time.Now(), expecting: true, synAck: make(chan struct{})}
	t.mu.Lock()
	t.expected[remote]++
	t.mu.Unlock()
	return h
}

// Bound gives the local address the kernel chose or bound. From now on
// segments go straight to h; those that came earlier are claimed.
func (h *Handshake) Bound(local netip.AddrPort) {
	if h == nil {
		return
	}
	t := h.tracer
	t.mu.Lock()
	defer t.mu.Unlock()
	h.stopExpecting()
	if local.Port() == 0 {
		return // nothing was sent, or the kernel has already given the port back
	}
	key := fourTuple{local, h.remote}
	if _, taken := t.handshakes[key]; taken {
		// Another connect owns this 4-tuple; this one will fail with
		// EADDRNOTAVAIL without sending anything.
		return
	}
	h.local = local
	t.handshakes[key] = h
	kept := t.early[:0]
	for _, s := range t.early {
		switch {
		case s.at.Before(h.started):
			kept = append(kept, s) // an earlier connection's segment
		case s.src == local && s.dst == h.remote:
			h.add(s, true)
		case s.src == h.remote && s.dst == local:
			h.add(s, false)
		default:
			kept = append(kept, s)
		}
	}
	t.early = kept
}

// stopExpecting is called with tracer.mu held.
func (h *Handshake) stopExpecting() {
	if !h.expecting {
		return
	}
	h.expecting = false
	t := h.tracer
	if t.expected[h.remote]--; t.expected[h.remote] <= 0 {
		delete(t.expected, h.remote)
	}
}

// add records a segment of this connection, called with tracer.mu held.
// fromLocal says the segment goes from this host's end to the remote one.
//
// Each packet is counted once, where it crosses this host's edge: a
// segment from the local end when it is handed to an interface to send,
// one from the remote end when it arrives. On loopback the kernel shows
// every packet both ways; the other copy is skipped.
func (h *Handshake) add(s segment, fromLocal bool) {
	if fromLocal != s.outgoing {
		return
	}
	ifindex := &h.ifindexIn
	if fromLocal {
		ifindex = &h.ifindexOut
	}
	if *ifindex == 0 {
		*ifindex = s.ifindex
	} else if *ifindex != s.ifindex {
		return // the same packet, captured again further along a bridge
	}
	h.segments = append(h.segments, s)
	if !fromLocal && s.isSYNACK() {
		h.synAckOnce.Do(func() { close(h.synAck) })
	}
}

// SYNACKReceived is closed when a SYN-ACK for this connect has arrived.
func (h *Handshake) SYNACKReceived() <-chan struct{} {
	if h == nil {
		return nil
	}
	return h.synAck
}

// Finish waits for the capture to catch up, stops tracing and returns the
// connection's segments in the order they crossed the host's edge.
func (h *Handshake) Finish() []segment {
	if h == nil {
		return nil
	}
	t := h.tracer
	t.sync()
	t.mu.Lock()
	defer t.mu.Unlock()
	h.stopExpecting()
	if key := (fourTuple{h.local, h.remote}); t.handshakes[key] == h {
		delete(t.handshakes, key)
	}
	return append([]segment(nil), h.segments...)
}
