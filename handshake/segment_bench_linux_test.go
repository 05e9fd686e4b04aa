package handshake

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BenchmarkSegmentPath is the reader's work for one captured segment
// once read (a batch of them per recvmmsg), as capture.run does it:
// decode the headers, read the kernel's receive time from the control
// message, and attribute the segment to its connect among 1,000 in
// flight.
func BenchmarkSegmentPath(b *testing.B) {
	tr := newTestTracer()
	for port := uint16(30000); port < 31000; port++ {
		tr.begin(testRemote).bound(netip.AddrPortFrom(testLocal.Addr(), port))
	}
	local := netip.AddrPortFrom(testLocal.Addr(), 30500)
	data := packet{proto: 6, syn: true, src: local, dst: testRemote}.bytes(b)
	at := time.Unix(1764590000, 123456789)
	oob := timestampMessage(at)
	if got := receiveTime(oob); !got.Equal(at) {
		b.Fatalf("receiveTime = %v, want the control message's %v", got, at)
	}
	d := newSegmentDecoder()
	key := fourTuple{local, testRemote}
	b.ReportAllocs()
	for b.Loop() {
		s, ok := d.decode(data, unix.ETH_P_IP)
		if !ok {
			b.Fatal("not decoded")
		}
		s.at, s.ifindex, s.outgoing = receiveTime(oob), 2, true
		tr.dispatch(s)
		tr.handshakes[key].segments = nil
	}
}

// timestampMessage is the SO_TIMESTAMPNS control message the kernel
// attaches to each captured packet.
func timestampMessage(at time.Time) []byte {
	oob := make([]byte, unix.CmsgSpace(16))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level, h.Type = unix.SOL_SOCKET, unix.SO_TIMESTAMPNS
	h.SetLen(unix.CmsgLen(16))
	data := oob[unix.CmsgLen(0):]
	binary.NativeEndian.PutUint64(data[0:8], uint64(at.Unix()))
	binary.NativeEndian.PutUint64(data[8:16], uint64(at.Nanosecond()))
	return oob
}
