package handshake

import (
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
	cases := []struct {
		name string
		p    packet
		pass bool
	}{
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
	for _, c := range cases {
		kept, err := vm.Run(c.p.bytes(t))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if want := map[bool]int{true: traceSnapLen, false: 0}[c.pass]; kept != want {
			t.Errorf("%s: filter keeps %d bytes, want %d", c.name, kept, want)
		}
	}
	if kept, _ := vm.Run([]byte{0x45}); kept != 0 {
		t.Errorf("a one-byte packet: filter keeps %d bytes, want 0", kept)
	}
}
