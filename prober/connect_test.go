package prober

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// sockopt reads an option of a connected socket.
func sockopt(t *testing.T, conn net.Conn, level, name int) int {
	t.Helper()
	rc, err := conn.(*net.TCPConn).SyscallConn()
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

func lingerOf(t *testing.T, conn net.Conn) unix.Linger {
	t.Helper()
	rc, _ := conn.(*net.TCPConn).SyscallConn()
	var l *unix.Linger
	var err error
	rc.Control(func(fd uintptr) { l, err = unix.GetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER) })
	if err != nil {
		t.Fatal(err)
	}
	return *l
}

func TestSocketOptionsFollowKubelet(t *testing.T) {
	remote := netip.MustParseAddrPort(acceptingListener(t))
	for version, lingers := range map[string]bool{"1.23": false, "1.26": false, "1.27": true, "1.37": true} {
		v, _ := config.ParseKubeletVersion(version)
		k := kubeletOf(v)
		if k.lingers != lingers {
			t.Errorf("kubelet %s lingers = %v, want %v", version, k.lingers, lingers)
		}
		conn, _, err := connectTCP(context.Background(), remote, socketOptions{lingers: k.lingers}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := unix.Linger{}
		if lingers {
			want = unix.Linger{Onoff: 1, Linger: 1}
		}
		if got := lingerOf(t, conn); got != want {
			t.Errorf("kubelet %s: SO_LINGER = %+v, want %+v", version, got, want)
		}
		if sockopt(t, conn, unix.SOL_SOCKET, unix.SO_REUSEADDR) != 0 {
			t.Errorf("kubelet %s: SO_REUSEADDR is set on a kernel-chosen port", version)
		}
		conn.Close()
	}
}

func TestFixedPortSocketsReuseTheirAddress(t *testing.T) {
	remote := netip.MustParseAddrPort(acceptingListener(t))
	local := netip.MustParseAddrPort("127.0.0.1:0")
	conn, got, err := connectTCP(context.Background(), remote, socketOptions{local: local}, nil)
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
	conn2, got2, err := connectTCP(context.Background(), remote, socketOptions{local: fixed}, nil)
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
	return netip.MustParseAddrPort(closedPort(t)).Port()
}

// acceptingListener accepts and keeps connections until the test ends.
func acceptingListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
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
