package handshake

import (
	"golang.org/x/net/bpf"
)

// traceSnapLen keeps the IP and TCP headers, options included (IPv4 60 +
// TCP 60 bytes at most), and drops payloads.
const traceSnapLen = 128

// synOrRstFilter is the classic BPF program of the handshake capture: it
// passes only TCP segments with SYN or RST set, over IPv4 (first fragments)
// or IPv6 (TCP as the first next header), and cuts them to traceSnapLen.
// The capture socket is SOCK_DGRAM, so a packet starts at its IP header on
// every kind of interface (Ethernet, loopback, tunnels).
//
// The IP version is read from the header rather than from skb->protocol
// (an extension x/net/bpf's VM cannot run), so the program can be tested
// without a kernel; the reader checks the link-layer protocol as well.
var synOrRstFilter = []bpf.Instruction{
	/* 0 */ bpf.LoadAbsolute{Off: 0, Size: 1}, // version and IHL
	/* 1 */ bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4},
	/* 2 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 4, SkipFalse: 7}, // not IPv4: to 10
	// IPv4
	/* 3 */ bpf.LoadAbsolute{Off: 9, Size: 1}, // protocol
	/* 4 */ bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 6, SkipTrue: 11}, // not TCP: reject
	/* 5 */ bpf.LoadAbsolute{Off: 6, Size: 2}, // flags and fragment offset
	/* 6 */ bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: 9}, // later fragment: reject
	/* 7 */ bpf.LoadMemShift{Off: 0}, // X = IPv4 header length
	/* 8 */ bpf.LoadIndirect{Off: 13, Size: 1}, // TCP flags
	/* 9 */ bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: tcpSYN | tcpRST, SkipTrue: 5, SkipFalse: 6},
	// IPv6
	/* 10 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipFalse: 5}, // not IPv6: reject
	/* 11 */ bpf.LoadAbsolute{Off: 6, Size: 1}, // next header
	/* 12 */ bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 6, SkipTrue: 3}, // not TCP: reject
	/* 13 */ bpf.LoadAbsolute{Off: 40 + 13, Size: 1}, // TCP flags
	/* 14 */ bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: tcpSYN | tcpRST, SkipTrue: 0, SkipFalse: 1},
	/* 15 */ bpf.RetConstant{Val: traceSnapLen},
	/* 16 */ bpf.RetConstant{Val: 0},
}

// TCP header flag bits, as in byte 13 of the header.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)
