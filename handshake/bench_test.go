package handshake

import (
	"net/netip"
	"testing"
)

// BenchmarkDispatch is the capture's cost per segment with many connects
// in flight at once.
func BenchmarkDispatch(b *testing.B) {
	tr := newTestTracer()
	for port := uint16(30000); port < 31000; port++ {
		tr.begin(testRemote).bound(netip.AddrPortFrom(testLocal.Addr(), port))
	}
	s := seg(netip.AddrPortFrom(testLocal.Addr(), 30500), testRemote, tcpSYN, true, 2)
	unrelated := seg(netip.MustParseAddrPort("10.1.2.3:40000"), netip.MustParseAddrPort("10.9.9.9:443"), tcpSYN, true, 2)
	b.Run("attributed", func(b *testing.B) {
		for b.Loop() {
			tr.dispatch(s)
			tr.handshakes[fourTuple{s.src, s.dst}].segments = nil
		}
	})
	b.Run("unrelated", func(b *testing.B) {
		for b.Loop() {
			tr.dispatch(unrelated)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	d := newSegmentDecoder()
	data := packet{proto: 6, syn: true, ack: true}.bytes(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := d.decode(data, 0x0800); !ok {
			b.Fatal("not decoded")
		}
	}
}
