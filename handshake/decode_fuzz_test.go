package handshake

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

const (
	etherIPv4 = uint16(layers.EthernetTypeIPv4)
	etherIPv6 = uint16(layers.EthernetTypeIPv6)
)

// fuzzSeed is a captured packet and the link-layer protocol the capture
// socket reported with it.
type fuzzSeed struct {
	data      []byte
	ethertype uint16
}

// fuzzSeeds are packets built as filter_test.go builds them, and the
// malformed and cut-off variants a capture on a hostile network sees.
func fuzzSeeds(tb testing.TB) []fuzzSeed {
	tcp, udp := layers.IPProtocolTCP, layers.IPProtocolUDP
	var seeds []fuzzSeed
	add := func(data []byte, ethertype uint16) {
		seeds = append(seeds, fuzzSeed{data, ethertype})
	}
	for _, p := range []packet{
		{proto: tcp, syn: true},
		{proto: tcp, syn: true, ack: true},
		{proto: tcp, rst: true},
		{proto: tcp, rst: true, ack: true},
		{proto: tcp, ack: true},
		{proto: tcp, fin: true, ack: true},
		{proto: tcp, ack: true, payload: make([]byte, 200)},
		{proto: udp},
		{proto: tcp, syn: true, fragmentOffset: 185},
	} {
		add(p.bytes(tb), etherIPv4)
	}
	for _, p := range []packet{
		{v6: true, proto: tcp, syn: true},
		{v6: true, proto: tcp, syn: true, ack: true},
		{v6: true, proto: tcp, rst: true},
		{v6: true, proto: tcp, ack: true},
		{v6: true, proto: tcp, rst: true, payload: make([]byte, 300)},
		{v6: true, proto: udp},
	} {
		add(p.bytes(tb), etherIPv6)
	}

	syn4 := packet{proto: tcp, syn: true, ack: true}.bytes(tb)
	syn6 := packet{v6: true, proto: tcp, syn: true, ack: true}.bytes(tb)
	// Cut off inside the IP header, at its end, inside the TCP header,
	// and right after the flags byte.
	for _, n := range []int{0, 1, 19, 20, 33, 34, 39} {
		add(syn4[:n], etherIPv4)
	}
	for _, n := range []int{39, 40, 53, 54, 59} {
		add(syn6[:n], etherIPv6)
	}
	// A first fragment: MF set, offset 0.
	firstFragment := clone(syn4)
	firstFragment[6] |= 0x20
	add(firstFragment, etherIPv4)
	// IPv4 options (NOP NOP NOP EOL) push the TCP header to offset 24.
	add(withIPv4Options(syn4, []byte{1, 1, 1, 0}), etherIPv4)
	// An IHL below 5, and one longer than the packet.
	for _, ihl := range []byte{0, 4, 15} {
		b := clone(syn4)
		b[0] = 0x40 | ihl
		add(b, etherIPv4)
	}
	// A total length shorter than the headers, and 0 (as TSO leaves it).
	for _, total := range []uint16{20, 30, 0} {
		b := clone(syn4)
		binary.BigEndian.PutUint16(b[2:4], total)
		add(b, etherIPv4)
	}
	// TCP data offsets below 5 and beyond the packet.
	for _, doff := range []byte{0, 4, 15} {
		b := clone(syn4)
		b[20+12] = doff << 4
		add(b, etherIPv4)
	}
	// IPv6 with a hop-by-hop header (PadN) before TCP.
	add(withHopByHop(syn6), etherIPv6)
	// IPv6 with payload length 0 and no jumbo option.
	zeroLength := clone(syn6)
	zeroLength[4], zeroLength[5] = 0, 0
	add(zeroLength, etherIPv6)
	// IPv6 with IPv4-mapped addresses (RFC 4291 2.5.5.2), which no stack
	// puts on the wire: a source alone, and both ends. They are IPv6
	// packets all the same, never an IPv4 connection's.
	mapped := clone(syn6)
	copy(mapped[8:24], netip.MustParseAddr("::ffff:198.18.0.2").AsSlice())
	add(clone(mapped), etherIPv6)
	copy(mapped[24:40], netip.MustParseAddr("::ffff:198.18.0.1").AsSlice())
	add(mapped, etherIPv6)
	// The link-layer protocol and the IP version disagree.
	add(syn6, etherIPv4)
	add(syn4, etherIPv6)
	add([]byte{0x00, 0x01, 0x08, 0x00}, uint16(layers.EthernetTypeARP))
	return seeds
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// withIPv4Options inserts opts (a multiple of 4 bytes) after the fixed
// IPv4 header, fixing IHL and the total length.
func withIPv4Options(p, opts []byte) []byte {
	b := append(append(clone(p[:20]), opts...), p[20:]...)
	b[0] = 0x40 | byte(len(b[:20+len(opts)])/4)
	binary.BigEndian.PutUint16(b[2:4], uint16(len(b)))
	return b
}

// withHopByHop inserts an 8-byte hop-by-hop header, padding only, in
// front of the IPv6 packet's transport header.
func withHopByHop(p []byte) []byte {
	hbh := []byte{p[6], 0, 1, 4, 0, 0, 0, 0}
	b := append(append(clone(p[:40]), hbh...), p[40:]...)
	b[6] = byte(layers.IPProtocolIPv6HopByHop)
	binary.BigEndian.PutUint16(b[4:6], uint16(len(b)-40))
	return b
}

// fuzzDecoder is the capture's decoder with gopacket's panic recovery off:
// the capture would turn a panic in a layer decoder into a dropped
// segment, which the fuzzer should see rather than be hidden from.
func fuzzDecoder() *segmentDecoder {
	d := newSegmentDecoder()
	d.from4.IgnorePanic = true
	d.from6.IgnorePanic = true
	return d
}

// FuzzSegmentDecode feeds the decoder arbitrary packets with arbitrary
// link-layer protocols. Whatever it accepts must read, byte for byte,
// as the raw IP and TCP headers say.
func FuzzSegmentDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.data, s.ethertype)
	}
	d := fuzzDecoder()
	f.Fuzz(func(t *testing.T, data []byte, ethertype uint16) {
		s, ok := d.decode(data, ethertype)
		if !ok {
			return
		}
		var tcp int // offset of the TCP header
		var src, dst []byte
		switch ethertype {
		case etherIPv4:
			tcp = int(data[0]&0x0f) * 4
			src, dst = data[12:16], data[16:20]
		case etherIPv6:
			tcp = 40
			if data[6] == byte(layers.IPProtocolIPv6HopByHop) {
				tcp += (int(data[41]) + 1) * 8
			}
			src, dst = data[8:24], data[24:40]
		default:
			t.Fatalf("decoded a segment %v from link-layer protocol %#04x", s, ethertype)
		}
		if len(data) < tcp+20 {
			t.Fatalf("decoded %v from %d bytes, but the TCP header at offset %d needs %d", s, len(data), tcp, tcp+20)
		}
		for _, end := range []struct {
			name string
			got  netip.Addr
			raw  []byte
		}{{"source", s.src.Addr(), src}, {"destination", s.dst.Addr(), dst}} {
			want, _ := netip.AddrFromSlice(end.raw)
			if !end.got.IsValid() || end.got != want {
				t.Errorf("%s address %v, but the IP header holds %v", end.name, end.got, want)
			}
		}
		if s.src.Addr().Is4() != s.dst.Addr().Is4() {
			t.Errorf("%v: source and destination of different families", s)
		}
		h := data[tcp:]
		want := segment{
			src:   netip.AddrPortFrom(s.src.Addr(), binary.BigEndian.Uint16(h[0:2])),
			dst:   netip.AddrPortFrom(s.dst.Addr(), binary.BigEndian.Uint16(h[2:4])),
			seq:   binary.BigEndian.Uint32(h[4:8]),
			ack:   binary.BigEndian.Uint32(h[8:12]),
			flags: h[13] & (tcpFIN | tcpSYN | tcpRST | tcpACK),
		}
		if s != want {
			t.Errorf("decoded %+v, but the TCP header at offset %d says %+v", s, tcp, want)
		}
	})
}

// FuzzSynOrRstFilter runs the capture's BPF program on arbitrary packets
// in x/net/bpf's VM and holds it to the decoder that reads what it passes.
//
// The filter reads three fields (version, protocol or next header,
// fragment offset) and the flags byte; the decoder checks the whole
// header. So a packet the filter passes and the decoder rejects must be
// one whose headers the kernel would drop too, or a first fragment, which
// the decoder leaves to reassembly (see malformedReason); the reverse, a
// SYN or RST segment the decoder reads but the filter drops, must not
// happen, except behind IPv6 extension headers, which the filter does not
// walk.
func FuzzSynOrRstFilter(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.data)
	}
	vm, err := bpf.NewVM(synOrRstFilter)
	if err != nil {
		f.Fatalf("the filter does not load: %v", err)
	}
	d := fuzzDecoder()
	f.Fuzz(func(t *testing.T, data []byte) {
		kept, err := vm.Run(data)
		if err != nil {
			t.Fatalf("the filter fails: %v", err)
		}
		if kept != 0 && kept != traceSnapLen {
			t.Fatalf("the filter keeps %d bytes, want 0 or %d", kept, traceSnapLen)
		}
		if len(data) == 0 {
			return
		}
		var ethertype uint16
		switch data[0] >> 4 {
		case 4:
			ethertype = etherIPv4
		case 6:
			ethertype = etherIPv6
		default:
			if kept != 0 {
				t.Fatalf("the filter passes an IP version %d packet", data[0]>>4)
			}
			return
		}
		captured := data[:min(len(data), traceSnapLen)] // as the socket cuts it
		s, ok := d.decode(captured, ethertype)
		synOrRst := ok && s.flags&(tcpSYN|tcpRST) != 0
		switch {
		case kept != 0 && ok && !synOrRst:
			t.Errorf("the filter passes %v, which has neither SYN nor RST", s)
		case kept != 0 && !ok:
			if malformedReason(captured) == "" {
				t.Errorf("the filter passes a well-formed packet the decoder rejects: % x", captured)
			}
		case kept == 0 && synOrRst && (ethertype == etherIPv4 || data[6] == byte(layers.IPProtocolTCP)):
			t.Errorf("the filter drops %v, a segment the decoder reads", s)
		}
	})
}

// malformedReason says why a packet the filter passes (IPv4 or IPv6, TCP
// first, not a later fragment) is not a whole TCP header the decoder can
// read, from the raw bytes and the rules of RFC 791, 8200 and 9293; ""
// if it is one.
func malformedReason(p []byte) string {
	end := len(p)
	var tcp int
	if p[0]>>4 == 4 {
		tcp = int(p[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(p[2:4]))
		switch {
		case tcp < 20:
			return "IHL below 5"
		case total != 0 && total < tcp:
			return "IPv4 total length shorter than the header"
		case p[6]&0x20 != 0:
			return "a first fragment"
		}
		if why := ipv4OptionsReason(p[20:tcp]); why != "" {
			return why
		}
		if total != 0 {
			end = min(end, total)
		}
	} else {
		tcp = 40
		payload := int(binary.BigEndian.Uint16(p[4:6]))
		if payload == 0 {
			return "IPv6 payload length 0 without a jumbo option"
		}
		end = min(end, tcp+payload)
	}
	switch h := p[tcp:max(end, tcp)]; {
	case len(h) < 20:
		return fmt.Sprintf("TCP header cut at %d bytes", len(h))
	case h[12]>>4 < 5:
		return "TCP data offset below 5"
	case int(h[12]>>4)*4 > len(h):
		return "TCP data offset past the end of the packet"
	}
	return ""
}

// ipv4OptionsReason checks the option list of an IPv4 header (RFC 791
// 3.1): end and no-op are one byte, every other option has a length byte
// counting itself and the type, within the header.
func ipv4OptionsReason(opts []byte) string {
	for len(opts) > 0 {
		switch opts[0] {
		case 0:
			return ""
		case 1:
			opts = opts[1:]
			continue
		}
		if len(opts) < 2 || opts[1] < 2 || int(opts[1]) > len(opts) {
			return "malformed IPv4 options"
		}
		opts = opts[opts[1]:]
	}
	return ""
}

// TestDecoderKeepsMappedAddressesOfIPv6Packets is FuzzSegmentDecode's finding
// as its consequence: the decoder unmapped the addresses of IPv6 packets,
// so an IPv6 RST from ::ffff:198.18.0.2 counted as a reset of the IPv4
// connect from 198.18.0.1, which never received it.
func TestDecoderKeepsMappedAddressesOfIPv6Packets(t *testing.T) {
	rst := packet{v6: true, proto: layers.IPProtocolTCP, rst: true, ack: true}.bytes(t)
	copy(rst[8:24], netip.AddrFrom16(testRemote.Addr().As16()).AsSlice())
	copy(rst[24:40], netip.AddrFrom16(testLocal.Addr().As16()).AsSlice())
	binary.BigEndian.PutUint16(rst[40:42], testRemote.Port())
	binary.BigEndian.PutUint16(rst[42:44], testLocal.Port())
	s, ok := newSegmentDecoder().decode(rst, etherIPv6)
	if !ok {
		t.Fatal("the RST did not decode")
	}
	if !s.src.Addr().Is4In6() || !s.dst.Addr().Is4In6() {
		t.Errorf("decoded %v: the addresses lost their IPv6 family", s)
	}
	tr := newTestTracer()
	h := tr.begin(testRemote)
	h.bound(testLocal)
	tr.dispatch(s)
	if n := len(h.segments); n != 0 {
		t.Errorf("the IPv6 RST was attributed to the IPv4 connect %v > %v: %v", testLocal, testRemote, h.segments)
	}
}
