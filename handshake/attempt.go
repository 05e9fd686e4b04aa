package handshake

import (
	"errors"
	"net/netip"
	"time"
)

// Attempt is one connect and what became of it.
type Attempt struct {
	// Requested is the source address asked for: an unset IP and port 0
	// when the kernel chooses. Local is what the socket got.
	Requested     netip.AddrPort
	Local, Remote netip.AddrPort
	Start         time.Time
	Duration      time.Duration
	// Err is the connect's error without the net.OpError around it.
	Err     error
	Outcome Outcome
	// Traced: the outcome was judged from the captured packets, not from
	// the error alone.
	Traced bool
	// SourcePortOwner is what is known, from outside the packets, to own
	// the source port on this host, e.g. "an allocated NodePort:
	// default/web (kubernetes)"; the prober sets it from the node
	// collector's NodePorts, and the verdict then names it.
	SourcePortOwner string

	segments []segment
	wire     wireCounts
}

// SourcePort is the port the connect had, or asked for if it got none.
func (a *Attempt) SourcePort() uint16 {
	if a.Local.Port() != 0 {
		return a.Local.Port()
	}
	return a.Requested.Port()
}

// ICMP is the ICMP error that ended the connect, if one did.
func (a *Attempt) ICMP() (ICMPMessage, bool) {
	var e *icmpError
	if errors.As(a.Err, &e) {
		return e.icmp, true
	}
	return ICMPMessage{}, false
}

// Packets counts the captured segments of one or more connects.
type Packets struct {
	SYNSent, SYNACKReceived, RSTSent, RSTReceived int
}

// Packets is what the capture saw of the attempt; all zero untraced.
func (a *Attempt) Packets() Packets {
	return Packets{
		SYNSent:        a.wire.synSent,
		SYNACKReceived: a.wire.synAckReceived,
		RSTSent:        a.wire.rstSent,
		RSTReceived:    a.wire.rstReceived,
	}
}

// Add sums two counts.
func (p Packets) Add(o Packets) Packets {
	return Packets{
		SYNSent:        p.SYNSent + o.SYNSent,
		SYNACKReceived: p.SYNACKReceived + o.SYNACKReceived,
		RSTSent:        p.RSTSent + o.RSTSent,
		RSTReceived:    p.RSTReceived + o.RSTReceived,
	}
}
