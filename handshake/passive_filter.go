package handshake

import "golang.org/x/net/bpf"

// packetOutgoing is skb->pkt_type of a packet this host sends
// (PACKET_OUTGOING in linux/if_packet.h).
const packetOutgoing = 4

// resetFilter is the classic BPF program of the passive watch: TCP
// segments with RST set, over IPv4 (first fragments) or IPv6 (TCP as
// the first next header), cut to traceSnapLen; with outgoingOnly, only
// those this host sends. A host sends few resets, and so the kernel
// queues few packets for the watch whatever the node's traffic: the
// connections it carries cost the watch nothing.
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
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: tcpRST, SkipTrue: 1},
		reject,
	}
	ipv4 = append(ipv4, pass...)
	ipv6 := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 6, Size: 1}, // next header
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 1},
		reject,
		bpf.LoadAbsolute{Off: 40 + 13, Size: 1}, // TCP flags
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: tcpRST, SkipTrue: 1},
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
