package handshake

import (
	"context"
	"net"
	"net/netip"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// sockopt reads an option of a connected socket.
func sockopt(t *testing.T, conn net.Conn, level, name int) int {
	t.Helper()
	rc, err := conn.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var value int
	var optErr error
	rc.Control(func(fd uintptr) { value, optErr = unix.GetsockoptInt(int(fd), level, name) })
	if optErr != nil {
		t.Fatal(optErr)
	}
	return value
}

func TestFixedPortSocketsReuseTheirAddress(t *testing.T) {
	remote := netip.MustParseAddrPort(acceptingListener(t))
	local := netip.MustParseAddrPort("127.0.0.1:0")
	conn, got, err := connect(context.Background(), remote, Options{Local: local}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if sockopt(t, conn, unix.SOL_IP, unix.IP_BIND_ADDRESS_NO_PORT) != 1 {
		t.Error("a source address alone should leave the port to connect(2), as kubelet's unbound socket does")
	}
	if got.Addr() != local.Addr() || got.Port() == 0 {
		t.Errorf("local address %s, want 127.0.0.1 with a kernel-chosen port", got)
	}

	fixed := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), freePort(t))
	conn2, got2, err := connect(context.Background(), remote, Options{Local: fixed}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	if got2 != fixed || sockopt(t, conn2, unix.SOL_SOCKET, unix.SO_REUSEADDR) != 1 {
		t.Errorf("fixed port: local %s, SO_REUSEADDR %d; want %s and 1", got2, sockopt(t, conn2, unix.SOL_SOCKET, unix.SO_REUSEADDR), fixed)
	}
}

// freePort returns a loopback port nothing holds right now.
func freePort(t *testing.T) uint16 {
	t.Helper()
	return netip.MustParseAddrPort(testserver.Unused(t, "tcp", "127.0.0.1:0")).Port()
}

// acceptingListener accepts and keeps connections until the test ends.
func acceptingListener(t *testing.T) string {
	t.Helper()
	l := testserver.Listen(t, "tcp", "127.0.0.1:0")
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return l.Addr().String()
}
