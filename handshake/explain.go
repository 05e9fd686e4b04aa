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
// likely cause, or the known one when SourcePortOwner is set.
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
		text = resetVerdict(a)
	case SYNACKDropped:
		text = droppedVerdict(a)
	case Timeout:
		text = timeoutVerdict(a)
	case Unreachable:
		text = unreachableVerdict(a)
	case SourcePortUnavailable:
		text = sourcePortVerdict(a)
	default:
		text = fmt.Sprintf("the connect to %s failed: %v", remote, a.Err)
	}
	return fmt.Sprintf("%s: %s.", a.Outcome, text)
}

func resetVerdict(a *Attempt) string {
	text := fmt.Sprintf("the SYN-ACK from %s was reset by this host", a.Remote)
	if a.SourcePortOwner != "" {
		return text + ": " + knownOwner(a)
	}
	return text + fmt.Sprintf(", so something on this host (an IPVS or NodePort rule, a firewall) owns source port %d", a.SourcePort())
}

func droppedVerdict(a *Attempt) string {
	text := fmt.Sprintf("the SYN-ACK from %s arrived and nothing on this host answered it: ", a.Remote)
	if a.SourcePortOwner != "" {
		return text + knownOwner(a)
	}
	return text + fmt.Sprintf("a firewall here drops it, or something on this host owns source port %d", a.SourcePort())
}

// knownOwner says what owns the source port, as the prober was told.
func knownOwner(a *Attempt) string {
	return fmt.Sprintf("source port %d is %s, which IPVS or kube-proxy owns on this node "+
		"(`kubeprobe_exporter check` prints the sysctl that reserves it)", a.SourcePort(), a.SourcePortOwner)
}

func timeoutVerdict(a *Attempt) string {
	if !a.Traced {
		text := fmt.Sprintf("%s did not complete the handshake in time; packet tracing is off, "+
			"so a SYN-ACK reset or dropped on this host cannot be told from one that never came", a.Remote)
		if a.SourcePortOwner != "" {
			text += "; most likely the answer was reset: " + knownOwner(a)
		}
		return text
	}
	return fmt.Sprintf("no SYN-ACK came back from %s for %d SYN(s): they or the answers are lost on the way "+
		"(a firewall, a network policy, routing) or the target host is down", a.Remote, a.wire.synSent)
}

func unreachableVerdict(a *Attempt) string {
	m, ok := a.ICMP()
	switch {
	case !ok:
		return fmt.Sprintf("%s is unreachable from here: %s", a.Remote, errnoText(a.Err))
	case m.PortUnreachable():
		return fmt.Sprintf("the SYN to %s was answered by %s, not by a reset: a firewall rejects the connection "+
			"(iptables REJECT does this by default), or the host runs no TCP; the kernel reports it as %q, and so does kubelet",
			a.Remote, m, errnoText(a.Err))
	}
	return fmt.Sprintf("%s is unreachable from here: the SYN was answered by %s (%s)", a.Remote, m, errnoText(a.Err))
}

func sourcePortVerdict(a *Attempt) string {
	if a.SourcePort() == 0 {
		return fmt.Sprintf("the kernel found no free source port (%s); nothing was sent", errnoText(a.Err))
	}
	why := errnoText(a.Err)
	if errors.Is(a.Err, syscall.EACCES) || errors.Is(a.Err, syscall.EPERM) {
		why += ": ports below net.ipv4.ip_unprivileged_port_start need CAP_NET_BIND_SERVICE"
	}
	return fmt.Sprintf("source port %d could not be used (%s); nothing was sent", a.SourcePort(), why)
}

// errnoText is the system call's error without Go's wrapping.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return fmt.Sprint(err)
}
