package prober

import (
	"context"
	"net"
	"testing"

	"github.com/go-kit/log"
	"golang.org/x/sys/unix"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// A probe's socket gets SO_LINGER{on, 1s} from kubelet 1.27 on, as
// kubelet's ProbeDialer sets it, and nothing before.
func TestSocketOptionsFollowKubelet(t *testing.T) {
	target := testserver.Accepting(t, "tcp", "127.0.0.1:0")
	for version, lingers := range map[string]bool{"1.23": false, "1.26": false, "1.27": true, "1.37": true} {
		v, _ := config.ParseKubeletVersion(version)
		k := kubeletOf(v)
		if k.lingers != lingers {
			t.Errorf("kubelet %s lingers = %v, want %v", version, k.lingers, lingers)
		}
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
	rc, err := conn.(*net.TCPConn).SyscallConn()
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
