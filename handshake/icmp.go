package handshake

import (
	"fmt"
	"net/netip"
)

// ICMPMessage is the ICMP error that ended a connect, as the socket's
// error queue reported it (Linux, IP_RECVERR).
type ICMPMessage struct {
	// V6 tells ICMPv6 from ICMP, whose types and codes differ.
	V6         bool
	Type, Code uint8
	// From is the host that sent it: the target itself, or a router or
	// firewall on the way.
	From netip.Addr
}

// icmpError is a connect's error with the ICMP message that caused it.
// It reads exactly as the kernel's error does ("connect: connection
// refused" for a port unreachable), which is what kubelet reports, and
// unwraps to it.
type icmpError struct {
	err  error
	icmp ICMPMessage
}

func (e *icmpError) Error() string { return e.err.Error() }
func (e *icmpError) Unwrap() error { return e.err }

// Names of the destination-unreachable codes a connect can meet: RFC 792
// and RFC 1812 for ICMP, RFC 4443 for ICMPv6.
var (
	icmpUnreachable = map[uint8]string{
		0: "network unreachable", 1: "host unreachable", 2: "protocol unreachable", 3: "port unreachable",
		4: "fragmentation needed", 6: "network unknown", 7: "host unknown", 9: "network administratively prohibited",
		10: "host administratively prohibited", 13: "communication administratively prohibited",
	}
	icmp6Unreachable = map[uint8]string{
		0: "no route to destination", 1: "communication administratively prohibited", 3: "address unreachable",
		4: "port unreachable", 5: "source address failed policy", 6: "reject route",
	}
)

// String names the message, e.g. "ICMP port unreachable (type 3, code 3)
// from 198.18.0.2".
func (m ICMPMessage) String() string {
	proto, names, unreachable := "ICMP", icmpUnreachable, uint8(3)
	if m.V6 {
		proto, names, unreachable = "ICMPv6", icmp6Unreachable, 1
	}
	name, ok := names[m.Code]
	if m.Type != unreachable || !ok {
		name = "error"
	}
	text := fmt.Sprintf("%s %s (type %d, code %d)", proto, name, m.Type, m.Code)
	if m.From.IsValid() {
		text += " from " + m.From.String()
	}
	return text
}

// PortUnreachable tells the answer of a host where nothing may connect to
// the port: a firewall's REJECT (iptables' default reject-with), or a
// host without TCP on it. The kernel reports it as "connection refused",
// like a reset.
func (m ICMPMessage) PortUnreachable() bool {
	if m.V6 {
		return m.Type == 1 && m.Code == 4
	}
	return m.Type == 3 && m.Code == 3
}
