package handshake

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// packet builds an IP packet as a SOCK_DGRAM capture sees it: no link
// layer, the IP header first.
type packet struct {
	v6             bool
	proto          layers.IPProtocol
	syn, ack, rst  bool
	fin            bool
	fragmentOffset uint16
	payload        []byte
	// src and dst replace 198.18.0.1:30080 > 198.18.0.2:80 (or their
	// 2001:db8:: counterparts) when set.
	src, dst netip.AddrPort
}

// ends are the packet's source and destination.
func (p packet) ends() (src, dst netip.AddrPort) {
	src, dst = netip.MustParseAddrPort("198.18.0.1:30080"), netip.MustParseAddrPort("198.18.0.2:80")
	if p.v6 {
		src, dst = netip.MustParseAddrPort("[2001:db8::1]:30080"), netip.MustParseAddrPort("[2001:db8::2]:80")
	}
	if p.src.IsValid() {
		src = p.src
	}
	if p.dst.IsValid() {
		dst = p.dst
	}
	return src, dst
}

func (p packet) bytes(t testing.TB) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	src, dst := p.ends()
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: 4142039474, Ack: 1523494023,
		SYN: p.syn, ACK: p.ack, RST: p.rst, FIN: p.fin, Window: 64240}
	udp := &layers.UDP{SrcPort: 53, DstPort: 5353}
	var transport gopacket.SerializableLayer = tcp
	if p.proto == layers.IPProtocolUDP {
		transport = udp
	}
	var err error
	if p.v6 {
		ip := &layers.IPv6{Version: 6, NextHeader: p.proto, HopLimit: 64,
			SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		tcp.SetNetworkLayerForChecksum(ip)
		udp.SetNetworkLayerForChecksum(ip)
		err = gopacket.SerializeLayers(buf, opts, ip, transport, gopacket.Payload(p.payload))
	} else {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: p.proto, FragOffset: p.fragmentOffset,
			SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		tcp.SetNetworkLayerForChecksum(ip)
		udp.SetNetworkLayerForChecksum(ip)
		err = gopacket.SerializeLayers(buf, opts, ip, transport, gopacket.Payload(p.payload))
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFilterPassesOnlySYNAndRST(t *testing.T) {
	vm, err := bpf.NewVM(synOrRstFilter)
	if err != nil {
		t.Fatalf("the filter does not load: %v", err)
	}
	tcp := layers.IPProtocolTCP
	cases := []filterCase{
		{"IPv4 SYN", packet{proto: tcp, syn: true}, true},
		{"IPv4 SYN-ACK", packet{proto: tcp, syn: true, ack: true}, true},
		{"IPv4 RST", packet{proto: tcp, rst: true}, true},
		{"IPv4 RST-ACK", packet{proto: tcp, rst: true, ack: true}, true},
		{"IPv4 ACK", packet{proto: tcp, ack: true}, false},
		{"IPv4 FIN-ACK", packet{proto: tcp, fin: true, ack: true}, false},
		{"IPv4 data", packet{proto: tcp, ack: true, payload: make([]byte, 200)}, false},
		{"IPv4 UDP", packet{proto: layers.IPProtocolUDP}, false},
		{"IPv4 later fragment", packet{proto: tcp, syn: true, fragmentOffset: 185}, false},
		{"IPv6 SYN", packet{v6: true, proto: tcp, syn: true}, true},
		{"IPv6 SYN-ACK", packet{v6: true, proto: tcp, syn: true, ack: true}, true},
		{"IPv6 RST", packet{v6: true, proto: tcp, rst: true}, true},
		{"IPv6 ACK", packet{v6: true, proto: tcp, ack: true}, false},
		{"IPv6 UDP", packet{v6: true, proto: layers.IPProtocolUDP}, false},
	}
	runFilterCases(t, vm, cases)
	if kept, _ := vm.Run([]byte{0x00, 0x01, 0x08, 0x00}); kept != 0 {
		t.Errorf("an ARP-like packet: filter keeps %d bytes, want 0", kept)
	}
	if kept, _ := vm.Run([]byte{0x45}); kept != 0 {
		t.Errorf("a one-byte packet: filter keeps %d bytes, want 0", kept)
	}
}

// With connects in flight, the capture passes only the SYNs and RSTs to
// or from their far ends; with none, nothing at all.
func TestFilterNarrowsToTheConnectsBeingTraced(t *testing.T) {
	tcp := layers.IPProtocolTCP
	v4, v6 := netip.MustParseAddrPort("198.18.0.2:80"), netip.MustParseAddrPort("[2001:db8::2]:80")
	out4 := packet{proto: tcp, syn: true}                                                                        // 198.18.0.1:30080 > 198.18.0.2:80
	back4 := packet{proto: tcp, syn: true, ack: true, src: v4, dst: netip.MustParseAddrPort("198.18.0.1:30080")} // its SYN-ACK
	out6 := packet{v6: true, proto: tcp, syn: true}
	back6 := packet{v6: true, proto: tcp, rst: true, src: v6, dst: netip.MustParseAddrPort("[2001:db8::1]:30080")}
	otherPort := packet{proto: tcp, syn: true, dst: netip.MustParseAddrPort("198.18.0.2:81")}
	otherHost := packet{proto: tcp, syn: true, dst: netip.MustParseAddrPort("198.18.0.3:80")}
	otherHost6 := packet{v6: true, proto: tcp, syn: true, dst: netip.MustParseAddrPort("[2001:db8::3]:80")}
	ack := packet{proto: tcp, ack: true}

	cases := []struct {
		name    string
		remotes []netip.AddrPort
		passes  []packet
		drops   []packet
	}{
		{"nothing traced", nil, nil, []packet{out4, back4, out6, back6}},
		{"one IPv4 target", []netip.AddrPort{v4}, []packet{out4, back4}, []packet{out6, back6, otherPort, otherHost, ack}},
		{"both", []netip.AddrPort{v4, v6}, []packet{out4, back4, out6, back6}, []packet{otherPort, otherHost, otherHost6, ack}},
		{"as many as a filter names", manyRemotes(maxFilterRemotes-1, v6), []packet{out6, back6}, []packet{otherHost6}},
	}
	for _, c := range cases {
		prog := captureFilter(c.remotes, false)
		vm, err := bpf.NewVM(prog)
		if err != nil || len(prog) > 4096 {
			t.Fatalf("%s: the filter does not load (%d instructions): %v", c.name, len(prog), err)
		}
		for _, p := range c.passes {
			if kept, _ := vm.Run(p.bytes(t)); kept != traceSnapLen {
				t.Errorf("%s: %+v dropped, want it kept", c.name, p)
			}
		}
		for _, p := range c.drops {
			if kept, _ := vm.Run(p.bytes(t)); kept != 0 {
				t.Errorf("%s: %+v kept, want it dropped", c.name, p)
			}
		}
	}
}

// manyRemotes is n IPv6 endpoints of 2001:db8:1::/64, then last.
func manyRemotes(n int, last netip.AddrPort) []netip.AddrPort {
	var out []netip.AddrPort
	for i := range n {
		a := netip.MustParseAddr("2001:db8:1::").As16()
		a[14], a[15] = byte(i>>8), byte(i)
		out = append(out, netip.AddrPortFrom(netip.AddrFrom16(a), uint16(1000+i)))
	}
	return append(out, last)
}

func TestDecoderReadsCutOffSegments(t *testing.T) {
	d := newSegmentDecoder()
	for _, p := range []packet{
		{proto: layers.IPProtocolTCP, syn: true, ack: true},
		{v6: true, proto: layers.IPProtocolTCP, rst: true, payload: make([]byte, 300)},
	} {
		data := p.bytes(t)
		if len(data) > traceSnapLen {
			data = data[:traceSnapLen] // as the filter cuts it
		}
		ethertype := uint16(layers.EthernetTypeIPv4)
		if p.v6 {
			ethertype = uint16(layers.EthernetTypeIPv6)
		}
		s, ok := d.decode(data, ethertype)
		if !ok {
			t.Fatalf("%+v did not decode", p)
		}
		if s.src.Port() != 30080 || s.dst.Port() != 80 || s.seq != 4142039474 {
			t.Errorf("decoded %v", s)
		}
		if got := s.flagString(); (p.syn && got != "S.") || (p.rst && got != "R") {
			t.Errorf("flags %q for %+v", got, p)
		}
	}
	if _, ok := d.decode(packet{proto: layers.IPProtocolUDP}.bytes(t), uint16(layers.EthernetTypeIPv4)); ok {
		t.Error("a UDP packet decoded as a TCP segment")
	}
	if _, ok := d.decode([]byte{1, 2, 3}, uint16(layers.EthernetTypeARP)); ok {
		t.Error("an ARP packet decoded as a TCP segment")
	}
}

// filterCase is a packet and whether a capture filter should pass it.
type filterCase struct {
	name string
	p    packet
	pass bool
}

// runFilterCases runs each case's packet through the filter in vm: a
// packet passed is cut to traceSnapLen, one refused to nothing.
func runFilterCases(t *testing.T, vm *bpf.VM, cases []filterCase) {
	t.Helper()
	for _, c := range cases {
		kept, err := vm.Run(c.p.bytes(t))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if want := map[bool]int{true: traceSnapLen, false: 0}[c.pass]; kept != want {
			t.Errorf("%s: filter keeps %d bytes, want %d", c.name, kept, want)
		}
	}
}
