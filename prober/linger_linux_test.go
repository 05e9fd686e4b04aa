package prober

import (
	"context"
	"net"
	"syscall"
	"testing"

	"github.com/go-kit/log"
	"golang.org/x/sys/unix"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// A probe's socket gets SO_LINGER{on, 1s} where kubelet's ProbeDialer
// sets it: HTTP and TCP probes from 1.27.0 and the backports 1.23.17,
// 1.24.11, 1.25.7 and 1.26.2; gRPC probes from 1.27.0 only. A minor
// release alone means its newest patch.
func TestSocketOptionsFollowKubelet(t *testing.T) {
	target := testserver.Accepting(t, "tcp", "127.0.0.1:0")
	for _, c := range []struct {
		version string
		prober  config.ProberName
		lingers bool
	}{
		{"1.22", config.ProberTCP, false}, {"1.23.15", config.ProberTCP, false}, {"1.23.16", config.ProberHTTP, false},
		{"1.23.17", config.ProberTCP, true}, {"1.23", config.ProberHTTP, true}, {"1.23.17", config.ProberGRPC, false},
		{"1.24.10", config.ProberHTTP, false}, {"1.24.11", config.ProberHTTP, true},
		{"1.25.6", config.ProberTCP, false}, {"1.25.7", config.ProberTCP, true},
		{"1.26.1", config.ProberHTTP, false}, {"1.26.2", config.ProberHTTP, true}, {"1.26", config.ProberGRPC, false},
		{"1.27.0", config.ProberGRPC, true}, {"1.27.0", config.ProberTCP, true}, {"1.37", config.ProberGRPC, true},
	} {
		v, err := config.ParseKubeletVersion(c.version)
		if err != nil {
			t.Fatal(err)
		}
		version := c.version + " " + string(c.prober)
		k := kubeletOf(config.Module{Prober: c.prober, KubeletVersion: v})
		if k.lingers != c.lingers {
			t.Errorf("kubelet %s lingers = %v, want %v", version, k.lingers, c.lingers)
		}
		lingers := c.lingers
		d := &dialer{lingers: k.lingers, log: log.NewNopLogger()}
		conn, err := d.DialContext(context.Background(), "tcp", target)
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
		if reuse := sockoptInt(t, conn, unix.SOL_SOCKET, unix.SO_REUSEADDR); reuse != 0 {
			t.Errorf("kubelet %s: SO_REUSEADDR is set on a kernel-chosen port", version)
		}
		conn.Close()
	}
}

func lingerOf(t *testing.T, conn net.Conn) unix.Linger {
	t.Helper()
	var l *unix.Linger
	control(t, conn, func(fd int) (err error) {
		l, err = unix.GetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER)
		return err
	})
	return *l
}

func sockoptInt(t *testing.T, conn net.Conn, level, name int) int {
	t.Helper()
	var v int
	control(t, conn, func(fd int) (err error) { v, err = unix.GetsockoptInt(fd, level, name); return err })
	return v
}

// control runs get on the connection's socket.
func control(t *testing.T, conn net.Conn, get func(fd int) error) {
	t.Helper()
	rc, err := conn.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var getErr error
	if err := rc.Control(func(fd uintptr) { getErr = get(int(fd)) }); err != nil {
		t.Fatal(err)
	}
	if getErr != nil {
		t.Fatal(getErr)
	}
}
