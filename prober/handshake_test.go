package prober

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"
)

var (
	testLocal  = netip.MustParseAddrPort("198.18.0.1:30080")
	testRemote = netip.MustParseAddrPort("198.18.0.2:80")
)

func seg(src, dst netip.AddrPort, flags uint8, outgoing bool, ifindex int) segment {
	return segment{at: time.Now(), src: src, dst: dst, flags: flags, outgoing: outgoing, ifindex: ifindex}
}

// newTestTracer is a Tracer without a capture socket, for attribution.
func newTestTracer() *Tracer {
	return &Tracer{handshakes: map[fourTuple]*Handshake{}, expected: map[netip.AddrPort]int{}}
}

func TestTracerAttributesSegmentsThatCameBeforeThePortWasKnown(t *testing.T) {
	tr := newTestTracer()
	h := tr.Begin(testRemote)
	// The SYN leaves inside connect(2), before the connect can say its port.
	tr.dispatch(seg(testLocal, testRemote, tcpSYN, true, 2))
	tr.dispatch(seg(netip.MustParseAddrPort("198.18.0.1:40000"), netip.MustParseAddrPort("198.18.0.9:443"), tcpSYN, true, 2))
	h.Bound(testLocal)
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
	case <-h.SYNACKReceived():
	default:
		t.Error("the SYN-ACK was not signalled")
	}
}

func TestTracerCountsEachPacketOnce(t *testing.T) {
	loopLocal, loopRemote := netip.MustParseAddrPort("127.0.0.1:50000"), netip.MustParseAddrPort("127.0.0.1:8080")
	tr := newTestTracer()
	h := tr.Begin(loopRemote)
	h.Bound(loopLocal)
	// On loopback every packet is seen leaving and arriving.
	tr.dispatch(seg(loopLocal, loopRemote, tcpSYN, true, 1))
	tr.dispatch(seg(loopLocal, loopRemote, tcpSYN, false, 1))
	tr.dispatch(seg(loopRemote, loopLocal, tcpSYN|tcpACK, true, 1))
	tr.dispatch(seg(loopRemote, loopLocal, tcpSYN|tcpACK, false, 1))
	if w := countWire(h.segments, loopLocal); w.synSent != 1 || w.synAckReceived != 1 {
		t.Errorf("loopback: %+v, want one SYN and one SYN-ACK", w)
	}

	tr = newTestTracer()
	h = tr.Begin(testRemote)
	h.Bound(testLocal)
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
	var handshakes []*Handshake
	for port := uint16(30000); port < 30100; port++ {
		h := tr.Begin(testRemote)
		h.Bound(netip.AddrPortFrom(testLocal.Addr(), port))
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
	h := tr.Begin(testRemote)
	old.at = h.started.Add(-time.Second)
	tr.dispatch(old)
	h.Bound(testLocal)
	if len(h.segments) != 0 {
		t.Errorf("claimed a segment from before the connect began: %v", h.segments)
	}
}

func TestNilTracerTracesNothing(t *testing.T) {
	var tr *Tracer
	h := tr.Begin(testRemote)
	h.Bound(testLocal)
	if h.Finish() != nil || h.SYNACKReceived() != nil {
		t.Error("a nil tracer's handshake returned something")
	}
}

func TestClassifyHandshake(t *testing.T) {
	opErr := func(op string, errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError(op, errno)}
	}
	reset := wireCounts{synSent: 2, synAckReceived: 2, rstSent: 2, rstSentAfterSYNACK: 2}
	dropped := wireCounts{synSent: 2, synAckReceived: 2}
	silent := wireCounts{synSent: 2}
	cases := []struct {
		name   string
		err    error
		wire   wireCounts
		traced bool
		want   HandshakeOutcome
	}{
		{"connected", nil, wireCounts{synSent: 1, synAckReceived: 1}, true, Established},
		{"refused", opErr("connect", syscall.ECONNREFUSED), wireCounts{synSent: 1, rstReceived: 1}, true, Refused},
		{"no route", opErr("connect", syscall.ENETUNREACH), wireCounts{}, true, Unreachable},
		{"icmp", opErr("connect", syscall.EHOSTUNREACH), silent, false, Unreachable},
		{"port taken", opErr("bind", syscall.EADDRINUSE), wireCounts{}, true, SourcePortUnavailable},
		{"tuple taken", opErr("connect", syscall.EADDRNOTAVAIL), wireCounts{}, false, SourcePortUnavailable},
		{"reset, deadline", errDialTimeout, reset, true, ResetAfterSYNACK},
		{"reset, canceled by net/http", errCanceled, reset, true, ResetAfterSYNACK},
		{"reset, sweep gave up", errAbandoned, reset, true, ResetAfterSYNACK},
		{"reset, kernel gave up", opErr("connect", syscall.ETIMEDOUT), reset, true, ResetAfterSYNACK},
		{"reset, untraced", errDialTimeout, wireCounts{}, false, Timeout},
		{"dropped", errDialTimeout, dropped, true, SYNACKDropped},
		{"silent", context.DeadlineExceeded, silent, true, Timeout},
		{"refused on the wire, reset lost", errDialTimeout, wireCounts{synSent: 2, rstReceived: 2}, true, Refused},
		{"other", errors.New("socket: too many open files"), wireCounts{}, true, HandshakeError},
	}
	for _, c := range cases {
		if got := classifyHandshake(c.err, c.wire, c.traced); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestPortCursorsWalkTheRange(t *testing.T) {
	c := newPortCursors()
	m := mustModule(t, "prober: tcp\nsource_port: 30000-30002")
	var got []int
	for range 4 {
		got = append(got, c.sourcePort(Request{ModuleName: "m", Module: m}))
	}
	if want := []int{30000, 30001, 30002, 30000}; !slices.Equal(got, want) {
		t.Errorf("sequential ports %v, want %v", got, want)
	}
	sweep := mustModule(t, "prober: tcp\nsource_port_sweep: {range: 30000-30009, count: 4}")
	first, second, third := c.sweepPorts(Request{ModuleName: "s", Module: sweep}), c.sweepPorts(Request{ModuleName: "s", Module: sweep}), c.sweepPorts(Request{ModuleName: "s", Module: sweep})
	if !slices.Equal(first, []int{30000, 30001, 30002, 30003}) || !slices.Equal(second, []int{30004, 30005, 30006, 30007}) ||
		!slices.Equal(third, []int{30008, 30009, 30000, 30001}) {
		t.Errorf("sweeps %v %v %v: successive scrapes should continue through the range", first, second, third)
	}
	random := mustModule(t, "prober: tcp\nsource_port: 30000-30009\nsource_port_strategy: random")
	for range 50 {
		if p := c.sourcePort(Request{ModuleName: "r", Module: random}); p < 30000 || p > 30009 {
			t.Fatalf("random port %d outside 30000-30009", p)
		}
	}
}
