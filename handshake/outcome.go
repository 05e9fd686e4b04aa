package handshake

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"syscall"
)

// Outcome is what became of one TCP connect, judged from the packets it
// caused where they were captured, else from the error. The set is
// bounded; docs/handshakes.md tells each one's packets and errno.
type Outcome string

// The outcomes.
const (
	// Established: SYN, SYN-ACK, ACK.
	Established Outcome = "established"
	// Refused: the SYN was answered by a reset; nothing listens.
	Refused Outcome = "refused"
	// ResetAfterSYNACK: the SYN-ACK arrived and a reset left this host for
	// it; something here (IPVS, a NodePort rule) owns the source port.
	ResetAfterSYNACK Outcome = "reset_after_synack"
	// SYNACKDropped: the SYN-ACK arrived and nothing answered it.
	SYNACKDropped Outcome = "synack_dropped"
	// Timeout: no SYN-ACK came back at all.
	Timeout Outcome = "timeout"
	// Unreachable: an ICMP unreachable came back, or there is no route.
	Unreachable Outcome = "unreachable"
	// SourcePortUnavailable: the source port could not be had; nothing
	// was sent.
	SourcePortUnavailable Outcome = "source_port_unavailable"
	// Errored: anything else; the error is in the debug output.
	Errored Outcome = "error"
)

// Outcomes lists every outcome, in the order metrics show them.
var Outcomes = []Outcome{
	Established, Refused, ResetAfterSYNACK, SYNACKDropped, Timeout, Unreachable, SourcePortUnavailable, Errored,
}

// classify judges a connect by its error and, where the error leaves it
// open (the connect timed out or was abandoned), by the wire.
func classify(err error, wire wireCounts, traced bool) Outcome {
	if err == nil {
		return Established
	}
	// An ICMP error answered the SYN. A port unreachable reads as
	// ECONNREFUSED, but nothing reset the connection: a firewall, or a
	// host without TCP, rejected it.
	var icmp *icmpError
	if errors.As(err, &icmp) {
		return Unreachable
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ECONNREFUSED:
			return Refused
		case syscall.EHOSTUNREACH, syscall.ENETUNREACH:
			return Unreachable
		case syscall.EADDRINUSE, syscall.EADDRNOTAVAIL:
			return SourcePortUnavailable
		case syscall.EACCES, syscall.EPERM:
			// A port below net.ipv4.ip_unprivileged_port_start without
			// CAP_NET_BIND_SERVICE. From connect(2) these mean a firewall.
			if failedAt(err, "bind") {
				return SourcePortUnavailable
			}
		case syscall.ETIMEDOUT:
			return fromWire(wire, traced)
		}
	}
	if gaveUp(err) {
		return fromWire(wire, traced)
	}
	return Errored
}

// failedAt tells whether err is the error of the named system call.
func failedAt(err error, syscallName string) bool {
	var se *os.SyscallError
	return errors.As(err, &se) && se.Syscall == syscallName
}

// gaveUp reports an error that ends a connect still in progress.
func gaveUp(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) || errors.Is(err, errCanceled) || errors.Is(err, errAbandoned)
}

// fromWire tells apart the ways a connect can hang, which its error alone
// cannot: all of them end in a timeout.
func fromWire(w wireCounts, traced bool) Outcome {
	switch {
	case !traced:
		return Timeout
	case w.synAckReceived > 0 && w.rstSentAfterSYNACK > 0:
		return ResetAfterSYNACK
	case w.synAckReceived > 0:
		return SYNACKDropped
	case w.rstReceived > 0:
		// The SYN was refused on the wire, but the reset never reached
		// the socket: something on this host dropped it.
		return Refused
	}
	return Timeout
}

// wireCounts sums up a connect's segments.
type wireCounts struct {
	synSent, synAckReceived, rstSent, rstReceived int
	// rstSentAfterSYNACK counts resets this host sent once a SYN-ACK had
	// arrived: the signature of a source port owned by something else.
	rstSentAfterSYNACK int
}

func countWire(segments []segment, local netip.AddrPort) wireCounts {
	var w wireCounts
	for _, s := range segments {
		fromLocal := s.src == local
		switch {
		case fromLocal && s.isSYN():
			w.synSent++
		case !fromLocal && s.isSYNACK():
			w.synAckReceived++
		case fromLocal && s.isRST():
			w.rstSent++
			if w.synAckReceived > 0 {
				w.rstSentAfterSYNACK++
			}
		case !fromLocal && s.isRST():
			w.rstReceived++
		}
	}
	return w
}
