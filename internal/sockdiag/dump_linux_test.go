package sockdiag

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

func TestParseMessage(t *testing.T) {
	b := make([]byte, messageLen)
	b[0], b[1] = unix.AF_INET6, StateTimeWait
	binary.BigEndian.PutUint16(b[4:6], 40001)
	binary.BigEndian.PutUint16(b[6:8], 8080)
	local := netip.MustParseAddr("::ffff:198.18.0.1").As16()
	remote := netip.MustParseAddr("2001:db8::2").As16()
	copy(b[8:24], local[:])
	copy(b[24:40], remote[:])
	s, err := parseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Socket{
		State:  StateTimeWait,
		Local:  netip.MustParseAddrPort("198.18.0.1:40001"),
		Remote: netip.MustParseAddrPort("[2001:db8::2]:8080"),
	}
	if s != want {
		t.Errorf("parseMessage = %+v, want %+v", s, want)
	}
}

func TestParseMessageRejectsShortAndUnknownRecords(t *testing.T) {
	if _, err := parseMessage(make([]byte, 40)); err == nil || err.Error() != "sock_diag answered a 40-byte record, want at least 72" {
		t.Errorf("short record: %v", err)
	}
	b := make([]byte, messageLen)
	b[0] = 99
	if _, err := parseMessage(b); err == nil || err.Error() != "sock_diag answered a socket of unknown address family 99" {
		t.Errorf("unknown family: %v", err)
	}
}

func TestDumpRequestLayout(t *testing.T) {
	m := dumpRequest(unix.AF_INET, unix.IPPROTO_TCP, StateMask(StateTimeWait, StateListen))
	if len(m.Data) != requestLen || m.Data[0] != unix.AF_INET || m.Data[1] != unix.IPPROTO_TCP {
		t.Fatalf("request = %v", m.Data)
	}
	if got := binary.NativeEndian.Uint32(m.Data[4:8]); got != 1<<6|1<<10 {
		t.Errorf("states = %#x, want TIME_WAIT and LISTEN bits %#x", got, 1<<6|1<<10)
	}
}

// TestDumpFindsOwnSockets dumps the test's own network namespace, which
// needs no privilege, and looks for a listener and a TIME_WAIT socket it
// made on loopback.
func TestDumpFindsOwnSockets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 1)
			c.Read(buf) // wait for the client's FIN, so the client closes first
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	client := netip.MustParseAddrPort(c.LocalAddr().String())
	c.Close()
	server := netip.MustParseAddrPort(ln.Addr().String())

	// The client reaches TIME_WAIT once the server has closed too.
	var listening, timeWait bool
	for deadline := time.Now().Add(5 * time.Second); !timeWait && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		err = Dump(unix.IPPROTO_TCP, StateMask(StateListen, StateTimeWait), func(s Socket) {
			listening = listening || (s.State == StateListen && s.Local == server)
			timeWait = timeWait || (s.State == StateTimeWait && s.Local == client && s.Remote == server)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !listening {
		t.Errorf("the dump lacks the listener on %s", server)
	}
	if !timeWait {
		t.Errorf("the dump lacks the TIME_WAIT socket %s -> %s", client, server)
	}
}

// FindTCP finds a connection by its exact 4-tuple, IPv4 and IPv6, and
// nothing for a 4-tuple with the right local port and another peer, even
// where a listener holds the port.
func TestFindTCPLooksUpOneSocket(t *testing.T) {
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, network := range []string{"tcp4", "tcp6"} {
		host := map[string]string{"tcp4": "127.0.0.1", "tcp6": "[::1]"}[network]
		ln, err := net.Listen(network, host+":0")
		if err != nil {
			testenv.Missing(t, fmt.Sprintf("listening on %s loopback (%v)", network, err))
		}
		defer ln.Close()
		go func() {
			if s, err := ln.Accept(); err == nil {
				defer s.Close()
				s.Read(make([]byte, 1))
			}
		}()
		conn, err := net.Dial(network, ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		local := netip.MustParseAddrPort(conn.LocalAddr().String())
		remote := netip.MustParseAddrPort(conn.RemoteAddr().String())
		s, found, err := c.FindTCP(local, remote)
		if err != nil || !found || s.State != StateEstablished || s.Local != local || s.Remote != remote {
			t.Errorf("%s: FindTCP(%s, %s) = %+v, %v, %v; want the established connection", network, local, remote, s, found, err)
		}
		other := netip.AddrPortFrom(remote.Addr(), remote.Port()+1)
		if s, found, err := c.FindTCP(local, other); err != nil || found {
			t.Errorf("%s: FindTCP(%s, %s) = %+v, %v, %v; want none", network, local, other, s, found, err)
		}
		server := netip.MustParseAddrPort(ln.Addr().String())
		if s, found, err := c.FindTCP(server, other); err != nil || found {
			t.Errorf("%s: FindTCP(%s, %s), the listener's port = %+v, %v, %v; want none", network, server, other, s, found, err)
		}
	}
}
