package handshake

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/internal/sockdiag"
)

// Only a reset whose 4-tuple is a socket in SYN_SENT is a reset after
// SYN-ACK: the reset of a refused incoming connection, an incoming reset,
// one for another local port or for an established connection is none.
func TestResetWatchJudgesBySYNSentSocket(t *testing.T) {
	local, remote := netip.MustParseAddrPort("198.18.0.1:30004"), netip.MustParseAddrPort("198.18.0.2:8080")
	sockets := []sockdiag.Socket{
		{State: sockdiag.StateSynSent, Local: local, Remote: remote},
		{State: sockdiag.StateEstablished, Local: netip.MustParseAddrPort("198.18.0.1:30006"), Remote: remote},
	}
	lookup := func(l, r netip.AddrPort) (sockdiag.Socket, bool, error) {
		for _, s := range sockets {
			if s.Local == l && s.Remote == r {
				return s, true, nil
			}
		}
		return sockdiag.Socket{}, false, nil
	}
	var found []Reset
	w := newResetWatch(log.NewNopLogger(), func(r Reset) { found = append(found, r) }, lookup)
	at := time.Unix(1700000000, 0)
	rst := segment{at: at, src: local, dst: remote, flags: tcpRST, seq: 7, outgoing: true}
	refused := segment{src: netip.MustParseAddrPort("198.18.0.1:9999"), dst: netip.MustParseAddrPort("198.18.0.2:41000"), flags: tcpRST | tcpACK, outgoing: true}
	incoming := segment{src: remote, dst: local, flags: tcpRST}
	otherPort := segment{src: netip.MustParseAddrPort("198.18.0.1:30005"), dst: remote, flags: tcpRST, outgoing: true}
	established := segment{src: netip.MustParseAddrPort("198.18.0.1:30006"), dst: remote, flags: tcpRST, outgoing: true}
	for _, s := range []segment{rst, refused, incoming, otherPort, established} {
		w.deliver(s)
	}
	close(w.pending)
	w.check()
	want := Reset{Outcome: ResetAfterSYNACK, At: at, Local: local, Remote: remote, Segment: "198.18.0.1:30004 > 198.18.0.2:8080 [R] seq 7"}
	if len(found) != 1 || found[0] != want {
		t.Fatalf("found %+v, want only %+v", found, want)
	}
	if w.Seen() != 3 {
		t.Errorf("Seen() = %d, want the 3 outgoing resets without ACK", w.Seen())
	}
}

// A failing sock_diag judges nothing rather than guess.
func TestResetWatchWithoutSockDiagInventsNothing(t *testing.T) {
	var found int
	w := newResetWatch(log.NewNopLogger(), func(Reset) { found++ }, func(netip.AddrPort, netip.AddrPort) (sockdiag.Socket, bool, error) {
		return sockdiag.Socket{}, false, errors.New("no netlink")
	})
	w.deliver(segment{src: netip.MustParseAddrPort("198.18.0.1:30004"), dst: netip.MustParseAddrPort("198.18.0.2:80"), flags: tcpRST, outgoing: true})
	close(w.pending)
	w.check()
	if found != 0 {
		t.Fatalf("found %d resets without a socket list", found)
	}
}

// A SYN-ACK followed is dropped when its socket still waits in SYN_SENT
// and no RST answered it; reset when one did; neither when the socket got
// it (established).
func TestResetWatchTellsADroppedSYNACK(t *testing.T) {
	remote := netip.MustParseAddrPort("198.18.0.2:8080")
	dropped, reset, fine := netip.MustParseAddrPort("198.18.0.1:30004"), netip.MustParseAddrPort("198.18.0.1:30005"), netip.MustParseAddrPort("198.18.0.1:30006")
	states := map[netip.AddrPort]uint8{dropped: sockdiag.StateSynSent, reset: sockdiag.StateSynSent, fine: sockdiag.StateEstablished}
	lookup := func(l, r netip.AddrPort) (sockdiag.Socket, bool, error) {
		st, ok := states[l]
		return sockdiag.Socket{State: st, Local: l, Remote: r}, ok && r == remote, nil
	}
	var found []Reset
	w := newResetWatch(log.NewNopLogger(), func(r Reset) { found = append(found, r) }, lookup)
	for _, local := range []netip.AddrPort{dropped, reset, fine} {
		w.deliver(segment{src: remote, dst: local, flags: tcpSYN | tcpACK})
	}
	w.deliver(segment{src: reset, dst: remote, flags: tcpRST, outgoing: true})
	go w.check()
	w.Sync()
	close(w.pending)
	<-w.done
	if len(found) != 2 || found[0].Outcome != ResetAfterSYNACK || found[0].Local != reset ||
		found[1].Outcome != SYNACKDropped || found[1].Local != dropped {
		t.Fatalf("found %+v, want the reset one reset and the dropped one dropped", found)
	}
}
