package handshake

import (
	"errors"
	"fmt"
	"io"
	"syscall"
)

// WriteTimeline prints the attempt's segments like tcpdump: time since the
// connect began, direction, addresses, flags, sequence numbers.
func (a *Attempt) WriteTimeline(w io.Writer) {
	if len(a.segments) == 0 {
		fmt.Fprintln(w, "  (no SYN or RST segment of this connect was captured)")
		return
	}
	for _, s := range a.segments {
		dir := "in "
		if s.outgoing {
			dir = "out"
		}
		fmt.Fprintf(w, "  %10.6f %s %s\n", s.at.Sub(a.Start).Seconds(), dir, s)
	}
}

// Explain says what became of the attempt in a sentence, naming the
// likely cause.
func (a *Attempt) Explain() string {
	port := a.SourcePort()
	remote := a.Remote
	var text string
	switch a.Outcome {
	case Established:
		text = fmt.Sprintf("the handshake with %s completed from source port %d", remote, port)
	case Refused:
		text = fmt.Sprintf("%s answered the SYN with a reset: nothing listens on port %d (yet)", remote, remote.Port())
	case ResetAfterSYNACK:
		text = fmt.Sprintf("the SYN-ACK from %s was reset by this host, so something on this host "+
			"(an IPVS or NodePort rule, a firewall) owns source port %d", remote, port)
	case SYNACKDropped:
		text = fmt.Sprintf("the SYN-ACK from %s arrived and nothing on this host answered it: a firewall here drops it, "+
			"or something on this host owns source port %d", remote, port)
	case Timeout:
		text = timeoutVerdict(a)
	case Unreachable:
		text = fmt.Sprintf("%s is unreachable from here: %s", remote, errnoText(a.Err))
	case SourcePortUnavailable:
		text = sourcePortVerdict(a)
	default:
		text = fmt.Sprintf("the connect to %s failed: %v", remote, a.Err)
	}
	return fmt.Sprintf("%s: %s.", a.Outcome, text)
}

func timeoutVerdict(a *Attempt) string {
	if !a.Traced {
		return fmt.Sprintf("%s did not complete the handshake in time; packet tracing is off, "+
			"so a SYN-ACK reset or dropped on this host cannot be told from one that never came", a.Remote)
	}
	return fmt.Sprintf("no SYN-ACK came back from %s for %d SYN(s): they or the answers are lost on the way "+
		"(a firewall, a network policy, routing) or the target host is down", a.Remote, a.wire.synSent)
}

func sourcePortVerdict(a *Attempt) string {
	if a.SourcePort() == 0 {
		return fmt.Sprintf("the kernel found no free source port (%s); nothing was sent", errnoText(a.Err))
	}
	return fmt.Sprintf("source port %d could not be used (%s); nothing was sent", a.SourcePort(), errnoText(a.Err))
}

// errnoText is the system call's error without Go's wrapping.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return fmt.Sprint(err)
}
