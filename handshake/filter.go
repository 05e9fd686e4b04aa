package handshake

import (
	"encoding/binary"
	"net/netip"

	"golang.org/x/net/bpf"
)

// traceSnapLen keeps the IP and TCP headers, options included (IPv4 60 +
// TCP 60 bytes at most), and drops payloads.
const traceSnapLen = 128

// maxFilterRemotes bounds the remote endpoints a filter names one by one:
// an IPv6 one costs 24 instructions of the kernel's 4096. Beyond it the
// capture passes every SYN and RST, as a filter for all would.
const maxFilterRemotes = 128

// synOrRstFilter passes every TCP segment with SYN or RST set, whoever
// its ends: what the capture runs when it must see all.
var synOrRstFilter = captureFilter(nil, true)

// captureFilter is the classic BPF program of the handshake capture. It
// passes only TCP segments with SYN or RST set, over IPv4 (first
// fragments) or IPv6 (TCP as the first next header), cut to traceSnapLen;
// and unless all is set, only those to or from one of remotes, the far
// ends of the connects being traced. With nothing to trace it passes
// nothing, so the kernel queues nothing and the reader sleeps whatever
// the node's traffic.
//
// The capture socket is SOCK_DGRAM, so a packet starts at its IP header
// on every kind of interface (Ethernet, loopback, tunnels). The IP version
// is read from the header rather than from skb->protocol (an extension
// x/net/bpf's VM cannot run), so the program can be tested without a
// kernel; the reader checks the link-layer protocol as well.
func captureFilter(remotes []netip.AddrPort, all bool) []bpf.Instruction {
	v4, v6 := splitByIPVersion(remotes)
	return byIPVersion(ipv4Section(v4, all), ipv6Section(v6, all))
}

// splitByIPVersion parts addresses into IPv4 (IPv4-mapped ones unmapped,
// as their packets carry them) and IPv6.
func splitByIPVersion(addrs []netip.AddrPort) (v4, v6 []netip.AddrPort) {
	for _, a := range addrs {
		if a.Addr().Unmap().Is4() {
			v4 = append(v4, netip.AddrPortFrom(a.Addr().Unmap(), a.Port()))
		} else {
			v6 = append(v6, a)
		}
	}
	return v4, v6
}

// byIPVersion is a program that runs ipv4 on IPv4 packets, ipv6 on IPv6
// ones and rejects the rest; each section ends in its own return.
func byIPVersion(ipv4, ipv6 []bpf.Instruction) []bpf.Instruction {
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 0, Size: 1}, // version and IHL
		bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 4, SkipTrue: 0, SkipFalse: 1},
		bpf.Jump{Skip: 3}, // to the IPv4 section
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 0, SkipFalse: 1},
		bpf.Jump{Skip: uint32(1 + len(ipv4))}, // to the IPv6 section
		reject,
	}
	prog = append(prog, ipv4...)
	return append(prog, ipv6...)
}

var (
	accept = bpf.RetConstant{Val: traceSnapLen}
	reject = bpf.RetConstant{Val: 0}
)

// ipv4Section checks an IPv4 packet: TCP, a first fragment, SYN or RST,
// then its ends.
func ipv4Section(remotes []netip.AddrPort, all bool) []bpf.Instruction {
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 9, Size: 1}, // protocol
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 1},
		reject,
		bpf.LoadAbsolute{Off: 6, Size: 2}, // flags and fragment offset
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipFalse: 1},
		reject,                             // a later fragment: no TCP header
		bpf.LoadMemShift{Off: 0},           // X = IPv4 header length
		bpf.LoadIndirect{Off: 13, Size: 1}, // TCP flags
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: tcpSYN | tcpRST, SkipTrue: 1},
		reject,
	}
	if all {
		return append(prog, accept)
	}
	for _, r := range remotes {
		addr := addressWords(r.Addr())
		prog = append(prog, endpointMatch(12, addr, bpf.LoadIndirect{Off: 0, Size: 2}, r.Port())...) // from it
		prog = append(prog, endpointMatch(16, addr, bpf.LoadIndirect{Off: 2, Size: 2}, r.Port())...) // to it
	}
	return append(prog, reject)
}

// ipv6Section checks an IPv6 packet: TCP as the first next header, SYN
// or RST, then its ends.
func ipv6Section(remotes []netip.AddrPort, all bool) []bpf.Instruction {
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 6, Size: 1}, // next header
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 1},
		reject,
		bpf.LoadAbsolute{Off: 40 + 13, Size: 1}, // TCP flags
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: tcpSYN | tcpRST, SkipTrue: 1},
		reject,
	}
	if all {
		return append(prog, accept)
	}
	for _, r := range remotes {
		words := addressWords(r.Addr())
		prog = append(prog, endpointMatch(8, words, bpf.LoadAbsolute{Off: 40, Size: 2}, r.Port())...)  // from it
		prog = append(prog, endpointMatch(24, words, bpf.LoadAbsolute{Off: 42, Size: 2}, r.Port())...) // to it
	}
	return append(prog, reject)
}

// endpointMatch accepts the packet if the address at offset addrOff holds
// words and the port loadPort reads is port; otherwise it falls through
// to what follows.
func endpointMatch(addrOff uint32, words []uint32, loadPort bpf.Instruction, port uint16) []bpf.Instruction {
	checks := len(words) + 1
	var prog []bpf.Instruction
	// Each check is a load and a jump that, on a mismatch, skips the rest
	// of the block: the remaining checks and the accept.
	skip := func(i int) uint8 { return uint8(2*(checks-i) - 1) }
	for i, w := range words {
		prog = append(prog,
			bpf.LoadAbsolute{Off: addrOff + uint32(4*i), Size: 4},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: w, SkipTrue: skip(i)})
	}
	prog = append(prog, loadPort, bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(port), SkipTrue: skip(len(words))})
	return append(prog, accept)
}

// TCP header flag bits, as in byte 13 of the header.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// addressWords is addr as the 32-bit words a filter compares it by: one
// for IPv4, four for IPv6, in network order.
func addressWords(addr netip.Addr) []uint32 {
	b := addr.AsSlice()
	words := make([]uint32, len(b)/4)
	for i := range words {
		words[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return words
}
