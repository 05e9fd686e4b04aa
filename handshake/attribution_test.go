package handshake

import (
	"net/netip"
	"testing"
	"time"

	"github.com/go-kit/log"
)

var (
	testLocal  = netip.MustParseAddrPort("198.18.0.1:30080")
	testRemote = netip.MustParseAddrPort("198.18.0.2:80")
)

func seg(src, dst netip.AddrPort, flags uint8, outgoing bool, ifindex int) segment {
	return segment{at: time.Now(), src: src, dst: dst, flags: flags, outgoing: outgoing, ifindex: ifindex}
}

// newTestTracer is a Tracer without a capture socket, for attribution.
func newTestTracer() *Tracer { return newTracer(log.NewNopLogger()) }

func TestTracerAttributesSegmentsThatCameBeforeThePortWasKnown(t *testing.T) {
	tr := newTestTracer()
	h := tr.begin(testRemote)
	// The SYN leaves inside connect(2), before the connect can say its port.
	tr.dispatch(seg(testLocal, testRemote, tcpSYN, true, 2))
	tr.dispatch(seg(netip.MustParseAddrPort("198.18.0.1:40000"), netip.MustParseAddrPort("198.18.0.9:443"), tcpSYN, true, 2))
	h.bound(testLocal)
	tr.dispatch(seg(testRemote, testLocal, tcpSYN|tcpACK, false, 2))
	tr.dispatch(seg(testLocal, testRemote, tcpRST, true, 2))
	if got := len(h.segments); got != 3 {
		t.Fatalf("attributed %d segments, want the SYN, SYN-ACK and RST: %v", got, h.segments)
	}
	if w := countWire(h.segments, testLocal); w != (wireCounts{synSent: 1, synAckReceived: 1, rstSent: 1, rstSentAfterSYNACK: 1}) {
		t.Errorf("counts = %+v", w)
	}
	if len(tr.early) != 0 || len(tr.expected) != 0 {
		t.Errorf("left behind: early %v, expected %v (no connect to 198.18.0.9 is starting)", tr.early, tr.expected)
	}
	select {
	case <-h.synACKReceived():
	default:
		t.Error("the SYN-ACK was not signalled")
	}
}

func TestTracerCountsEachPacketOnce(t *testing.T) {
	loopLocal, loopRemote := netip.MustParseAddrPort("127.0.0.1:50000"), netip.MustParseAddrPort("127.0.0.1:8080")
	tr := newTestTracer()
	h := tr.begin(loopRemote)
	h.bound(loopLocal)
	// On loopback every packet is seen leaving and arriving.
	tr.dispatch(seg(loopLocal, loopRemote, tcpSYN, true, 1))
	tr.dispatch(seg(loopLocal, loopRemote, tcpSYN, false, 1))
	tr.dispatch(seg(loopRemote, loopLocal, tcpSYN|tcpACK, true, 1))
	tr.dispatch(seg(loopRemote, loopLocal, tcpSYN|tcpACK, false, 1))
	if w := countWire(h.segments, loopLocal); w.synSent != 1 || w.synAckReceived != 1 {
		t.Errorf("loopback: %+v, want one SYN and one SYN-ACK", w)
	}

	tr = newTestTracer()
	h = tr.begin(testRemote)
	h.bound(testLocal)
	// Through a bridge (cni0, ifindex 3) and its port (a veth, ifindex 7)
	// the SYN is captured twice on the way out.
	tr.dispatch(seg(testLocal, testRemote, tcpSYN, true, 3))
	tr.dispatch(seg(testLocal, testRemote, tcpSYN, true, 7))
	tr.dispatch(seg(testRemote, testLocal, tcpSYN|tcpACK, false, 3))
	if w := countWire(h.segments, testLocal); w.synSent != 1 || w.synAckReceived != 1 {
		t.Errorf("bridge: %+v, want one SYN and one SYN-ACK", w)
	}
}

func TestTracerKeepsConnectsToOneTargetApart(t *testing.T) {
	tr := newTestTracer()
	var handshakes []*trace
	for port := uint16(30000); port < 30100; port++ {
		h := tr.begin(testRemote)
		h.bound(netip.AddrPortFrom(testLocal.Addr(), port))
		handshakes = append(handshakes, h)
	}
	for port := uint16(30000); port < 30100; port++ {
		local := netip.AddrPortFrom(testLocal.Addr(), port)
		tr.dispatch(seg(local, testRemote, tcpSYN, true, 2))
		tr.dispatch(seg(testRemote, local, tcpSYN|tcpACK, false, 2))
		if port%2 == 0 {
			tr.dispatch(seg(local, testRemote, tcpRST, true, 2))
		}
	}
	for i, h := range handshakes {
		w := countWire(h.segments, h.local)
		if w.synSent != 1 || w.synAckReceived != 1 || w.rstSent != (1-i%2) {
			t.Errorf("port %d: %+v", h.local.Port(), w)
		}
	}
}

func TestTracerIgnoresAnEarlierConnectionOnTheSameTuple(t *testing.T) {
	tr := newTestTracer()
	old := seg(testLocal, testRemote, tcpRST, true, 2)
	h := tr.begin(testRemote)
	old.at = h.started.Add(-time.Second)
	tr.dispatch(old)
	h.bound(testLocal)
	if len(h.segments) != 0 {
		t.Errorf("claimed a segment from before the connect began: %v", h.segments)
	}
}

func TestNilTracerTracesNothing(t *testing.T) {
	var tr *Tracer
	h := tr.begin(testRemote)
	h.bound(testLocal)
	if h.finish() != nil || h.synACKReceived() != nil {
		t.Error("a nil tracer's handshake returned something")
	}
}
