package handshake

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// The passive watch's filter passes resets without ACK alone, those that
// answer a SYN-ACK: no abortive close or refusal (RST-ACK), no SYN, no
// SYN-ACK, none of a connection's data. (Its direction check runs in the kernel only;
// the lab test of the watch runs it there.)
func TestResetFilterPassesOnlyRST(t *testing.T) {
	vm, err := bpf.NewVM(resetFilter(false))
	if err != nil {
		t.Fatalf("the filter does not load: %v", err)
	}
	if _, err := bpf.Assemble(resetFilter(true)); err != nil {
		t.Fatalf("the kernel's filter does not assemble: %v", err)
	}
	tcp := layers.IPProtocolTCP
	cases := []filterCase{
		{"IPv4 RST", packet{proto: tcp, rst: true}, true},
		{"IPv4 RST-ACK", packet{proto: tcp, rst: true, ack: true}, false},
		{"IPv4 RST-FIN", packet{proto: tcp, rst: true, fin: true}, true},
		{"IPv4 SYN", packet{proto: tcp, syn: true}, false},
		{"IPv4 SYN-ACK", packet{proto: tcp, syn: true, ack: true}, false},
		{"IPv4 ACK", packet{proto: tcp, ack: true}, false},
		{"IPv4 FIN-ACK", packet{proto: tcp, fin: true, ack: true}, false},
		{"IPv4 data", packet{proto: tcp, ack: true, payload: make([]byte, 200)}, false},
		{"IPv4 UDP", packet{proto: layers.IPProtocolUDP}, false},
		{"IPv4 later fragment", packet{proto: tcp, rst: true, fragmentOffset: 185}, false},
		{"IPv6 RST", packet{v6: true, proto: tcp, rst: true}, true},
		{"IPv6 RST-ACK", packet{v6: true, proto: tcp, rst: true, ack: true}, false},
		{"IPv6 SYN", packet{v6: true, proto: tcp, syn: true}, false},
		{"IPv6 ACK", packet{v6: true, proto: tcp, ack: true}, false},
		{"IPv6 UDP", packet{v6: true, proto: layers.IPProtocolUDP}, false},
	}
	runFilterCases(t, vm, cases)
	if kept, _ := vm.Run([]byte{0x45}); kept != 0 {
		t.Errorf("a one-byte packet: filter keeps %d bytes, want 0", kept)
	}
}

// Following far ends, the filter passes their SYN-ACKs too, and no one
// else's, nor their other segments.
func TestWatchFilterPassesTheSYNACKsOfTheFarEndsFollowed(t *testing.T) {
	tcp := layers.IPProtocolTCP
	v4, v6 := netip.MustParseAddrPort("198.18.0.2:80"), netip.MustParseAddrPort("[2001:db8::2]:80")
	vm, err := bpf.NewVM(watchFilter([]netip.AddrPort{v4, v6}, false))
	if err != nil {
		t.Fatalf("the filter does not load: %v", err)
	}
	back4 := netip.MustParseAddrPort("198.18.0.1:30080")
	back6 := netip.MustParseAddrPort("[2001:db8::1]:30080")
	cases := []filterCase{
		{"IPv4 SYN-ACK from a far end followed", packet{proto: tcp, syn: true, ack: true, src: v4, dst: back4}, true},
		{"IPv4 SYN-ACK from another port", packet{proto: tcp, syn: true, ack: true, src: netip.MustParseAddrPort("198.18.0.2:81"), dst: back4}, false},
		{"IPv4 SYN-ACK from another host", packet{proto: tcp, syn: true, ack: true, src: netip.MustParseAddrPort("198.18.0.3:80"), dst: back4}, false},
		{"IPv4 SYN-ACK to a far end followed", packet{proto: tcp, syn: true, ack: true, src: back4, dst: v4}, false},
		{"IPv4 SYN from a far end followed", packet{proto: tcp, syn: true, src: v4, dst: back4}, false},
		{"IPv4 ACK from a far end followed", packet{proto: tcp, ack: true, src: v4, dst: back4}, false},
		{"IPv4 RST-ACK from a far end followed", packet{proto: tcp, rst: true, ack: true, src: v4, dst: back4}, false},
		{"IPv4 RST", packet{proto: tcp, rst: true}, true},
		{"IPv6 SYN-ACK from a far end followed", packet{v6: true, proto: tcp, syn: true, ack: true, src: v6, dst: back6}, true},
		{"IPv6 SYN-ACK from another host", packet{v6: true, proto: tcp, syn: true, ack: true, src: netip.MustParseAddrPort("[2001:db8::3]:80"), dst: back6}, false},
		{"IPv6 RST", packet{v6: true, proto: tcp, rst: true}, true},
		{"IPv6 RST-ACK", packet{v6: true, proto: tcp, rst: true, ack: true}, false},
	}
	runFilterCases(t, vm, cases)
	many := make([]netip.AddrPort, maxFilterRemotes)
	for i := range many {
		many[i] = netip.AddrPortFrom(netip.MustParseAddr("2001:db8::2"), uint16(1000+i))
	}
	prog := watchFilter(many, true)
	if _, err := bpf.Assemble(prog); err != nil || len(prog) > 4096 {
		t.Errorf("following %d IPv6 far ends: %d instructions, %v", len(many), len(prog), err)
	}
}
