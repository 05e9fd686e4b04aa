package handshake

import "golang.org/x/net/bpf"

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
func resetFilter(outgoingOnly bool) []bpf.Instruction {
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
		bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: tcpRST | tcpACK},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: tcpRST, SkipTrue: 1},
		reject,
	}
	ipv4 = append(ipv4, pass...)
	ipv6 := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 6, Size: 1}, // next header
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 1},
		reject,
		bpf.LoadAbsolute{Off: 40 + 13, Size: 1}, // TCP flags
		bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: tcpRST | tcpACK},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: tcpRST, SkipTrue: 1},
		reject,
	}
	ipv6 = append(ipv6, pass...)
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 0, Size: 1}, // version and IHL
		bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 4, SkipTrue: 0, SkipFalse: 1},
		bpf.Jump{Skip: 3}, // to the IPv4 section
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 0, SkipFalse: 1},
		bpf.Jump{Skip: uint32(1 + len(ipv4))}, // to the IPv6 section
		reject,
	}
	return append(append(prog, ipv4...), ipv6...)
}
