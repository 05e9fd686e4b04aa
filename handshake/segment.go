package handshake

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// segment is one TCP segment with SYN or RST set, as the capture saw it
// cross an interface of this host.
type segment struct {
	at       time.Time
	src, dst netip.AddrPort
	flags    uint8
	seq, ack uint32
	ifindex  int
	// outgoing: the kernel handed the packet to an interface to send
	// (PACKET_OUTGOING); otherwise it arrived at this host.
	outgoing bool
}

func (s segment) has(flags uint8) bool { return s.flags&flags == flags }

// isSYN is a connection request; isSYNACK its answer.
func (s segment) isSYN() bool    { return s.has(tcpSYN) && !s.has(tcpACK) }
func (s segment) isSYNACK() bool { return s.has(tcpSYN | tcpACK) }
func (s segment) isRST() bool    { return s.has(tcpRST) }

// flagString writes flags the way tcpdump does: S, R, F, and "." for ACK.
func (s segment) flagString() string {
	var b strings.Builder
	for _, f := range []struct {
		bit  uint8
		name string
	}{{tcpSYN, "S"}, {tcpFIN, "F"}, {tcpRST, "R"}, {tcpACK, "."}} {
		if s.has(f.bit) {
			b.WriteString(f.name)
		}
	}
	return b.String()
}

func (s segment) String() string {
	text := fmt.Sprintf("%s > %s [%s] seq %d", s.src, s.dst, s.flagString(), s.seq)
	if s.has(tcpACK) {
		text += fmt.Sprintf(" ack %d", s.ack)
	}
	return text
}
