package watch

import (
	"fmt"
	"strings"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// Summary is the event's probe, or its far end's port class, in a few
// words.
func (e *Event) Summary() string {
	if e.Attributed() {
		return fmt.Sprintf("kubelet's %s probe of %s/%s (container %s)", e.Owner.Probe, e.Owner.Namespace, e.Owner.Pod, e.Owner.Container)
	}
	return fmt.Sprintf("no probe target of this node (remote port class %s)", e.PortClass)
}

// SourcePort says what the source port is.
func (e *Event) SourcePort() string {
	port := e.Local.Port()
	switch e.NodePort {
	case NodePortAllocated:
		if len(e.Owners) == 0 {
			return fmt.Sprintf("source port %d, an allocated NodePort", port)
		}
		return fmt.Sprintf("source port %d, an allocated NodePort (%s)", port, strings.Join(e.Owners, ", "))
	case NodePortFree:
		return fmt.Sprintf("source port %d, not an allocated NodePort", port)
	}
	return fmt.Sprintf("source port %d (no NodePort source to tell whether it is a NodePort: --nodeport.kubernetes)", port)
}

// Text is the event with its timeline, as /logs shows it.
func (e *Event) Text() string {
	var b strings.Builder
	if e.Outcome == handshake.SYNACKDropped {
		fmt.Fprintf(&b, "SYN-ACK dropped, seen passively: %s > %s\n", e.Local, e.Remote)
		fmt.Fprintf(&b, "Handshake of %s, from %s.\n", e.Summary(), e.SourcePort())
		b.WriteString("The far end answered the SYN with a SYN-ACK, which arrived here, and the connecting socket still waited in SYN_SENT\n" +
			"a moment later with no RST sent: a rule on this host (a firewall DROP, conntrack INVALID) dropped the SYN-ACK before the\n" +
			"socket saw it. The connect retransmits its SYN and, like kubelet's probe, times out.\n")
		fmt.Fprintf(&b, "Timeline (%d SYN-ACKs):\n", e.Count())
	} else {
		fmt.Fprintf(&b, "Reset after SYN-ACK, seen passively: %s > %s\n", e.Local, e.Remote)
		fmt.Fprintf(&b, "Handshake of %s, from %s.\n", e.Summary(), e.SourcePort())
		b.WriteString("The far end answered the SYN with a SYN-ACK, and this host answered that with a RST while the connecting socket still\n" +
			"waited in SYN_SENT: something on this host owns the source port (IPVS or kube-proxy, for an allocated NodePort) and took\n" +
			"the SYN-ACK before the socket saw it. The connect retransmits its SYN and, like kubelet's probe, times out.\n")
		fmt.Fprintf(&b, "Timeline (%d resets):\n", e.Count())
	}
	first := e.First()
	for _, r := range e.Resets {
		fmt.Fprintf(&b, "  +%.3fs  %s  %s\n", r.At.Sub(first).Seconds(), r.At.UTC().Format("2006-01-02 15:04:05.000000Z"), r.Segment)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "  … and %d more, not kept\n", e.More)
	}
	return b.String()
}
