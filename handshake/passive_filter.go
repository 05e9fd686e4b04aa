package handshake

import (
	"net/netip"

	"golang.org/x/net/bpf"
)

// packetOutgoing is skb->pkt_type of a packet this host sends
// (PACKET_OUTGOING in linux/if_packet.h).
const packetOutgoing = 4

// resetFilter is the classic BPF program of the passive watch: TCP
// segments with RST set and ACK clear, over IPv4 (first fragments) or
// IPv6 (TCP as the first next header), cut to traceSnapLen; with
// outgoingOnly, only those this host sends.
//
// A reset that answers a SYN-ACK carries no ACK: it takes its sequence
// number from the SYN-ACK's acknowledgment (RFC 793, and so Linux's
// tcp_v4_send_reset and netfilter's REJECT). The resets a host sends by
// the thousand do carry one: an abortive close (SO_LINGER 0, a process
// killed with data unread) and the answer to a SYN nothing listens for.
// So the kernel queues few packets for the watch whatever the node's
// traffic.
//
// The direction is read with the kernel's SKF_AD_PKTTYPE extension, the
// last check, which x/net/bpf's VM cannot run: tests run the program
// without it, and the reader checks the direction again.
func resetFilter(outgoingOnly bool) []bpf.Instruction { return watchFilter(nil, outgoingOnly) }

// watchFilter is resetFilter that also passes the SYN-ACKs (SYN and ACK
// set, RST clear) from synackFrom, the far ends whose SYN-ACKs the watch
// follows to tell one dropped on this host: the probe targets of this
// node's pods, a few, so that the node's other SYN-ACKs cost nothing.
// Beyond maxFilterRemotes it follows none.
func watchFilter(synackFrom []netip.AddrPort, outgoingOnly bool) []bpf.Instruction {
	if len(synackFrom) > maxFilterRemotes {
		synackFrom = nil
	}
	v4, v6 := splitByIPVersion(synackFrom)
	pass := []bpf.Instruction{accept}
	if outgoingOnly {
		pass = []bpf.Instruction{
			bpf.LoadExtension{Num: bpf.ExtType},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: packetOutgoing, SkipTrue: 1},
			reject,
			accept,
		}
	}
	ipv4 := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 9, Size: 1}, // protocol
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 1},
		reject,
		bpf.LoadAbsolute{Off: 6, Size: 2}, // flags and fragment offset
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipFalse: 1},
		reject,
		bpf.LoadMemShift{Off: 0},           // X = IPv4 header length
		bpf.LoadIndirect{Off: 13, Size: 1}, // TCP flags
	}
	ipv4 = append(ipv4, flagSections(pass)...)
	for _, r := range v4 {
		addr := addressWords(r.Addr())
		ipv4 = append(ipv4, endpointMatch(12, addr, bpf.LoadIndirect{Off: 0, Size: 2}, r.Port())...) // from it
	}
	ipv4 = append(ipv4, reject)
	ipv6 := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 6, Size: 1}, // next header
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 1},
		reject,
		bpf.LoadAbsolute{Off: 40 + 13, Size: 1}, // TCP flags
	}
	ipv6 = append(ipv6, flagSections(pass)...)
	for _, r := range v6 {
		words := addressWords(r.Addr())
		ipv6 = append(ipv6, endpointMatch(8, words, bpf.LoadAbsolute{Off: 40, Size: 2}, r.Port())...) // from it
	}
	ipv6 = append(ipv6, reject)
	return byIPVersion(ipv4, ipv6)
}

// flagSections reads the TCP flags in A: a RST without ACK goes through
// pass; a SYN-ACK falls through to the checks of its far end that
// follow; anything else is rejected.
func flagSections(pass []bpf.Instruction) []bpf.Instruction {
	prog := []bpf.Instruction{
		bpf.StoreScratch{Src: bpf.RegA, N: 0},
		bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: tcpRST | tcpACK},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: tcpRST, SkipFalse: uint8(len(pass))},
	}
	prog = append(prog, pass...)
	return append(prog,
		bpf.LoadScratch{Dst: bpf.RegA, N: 0},
		bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: tcpSYN | tcpACK | tcpRST},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: tcpSYN | tcpACK, SkipTrue: 1},
		reject,
	)
}
