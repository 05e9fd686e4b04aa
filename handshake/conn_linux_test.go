package handshake

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
	"golang.org/x/sys/unix"
)

// connPair is the traced connect's connection and Go's own, both to the
// same listener, and the listener's ends of them, in that order.
type connPair struct {
	ours, gos         net.Conn
	oursPeer, gosPeer net.Conn
}

func dialBoth(t *testing.T) connPair {
	t.Helper()
	l := testserver.Listen(t, "tcp", "127.0.0.1:0")
	remote := netip.MustParseAddrPort(l.Addr().String())
	var p connPair
	var err error
	if p.ours, _, err = connect(context.Background(), remote, Options{}, nil); err != nil {
		t.Fatal(err)
	}
	p.oursPeer = acceptOne(t, l)
	if p.gos, err = net.Dial("tcp", remote.String()); err != nil {
		t.Fatal(err)
	}
	p.gosPeer = acceptOne(t, l)
	for _, c := range []net.Conn{p.ours, p.gos, p.oursPeer, p.gosPeer} {
		t.Cleanup(func() { c.Close() })
	}
	return p
}

func acceptOne(t *testing.T, l net.Listener) net.Conn {
	t.Helper()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sameError fails unless ours reads as gos does once the local ports,
// which differ, are set aside.
func sameError(t *testing.T, what string, p connPair, ours, gos error) {
	t.Helper()
	normalize := func(err error, c net.Conn) string {
		if err == nil {
			return "<nil>"
		}
		return strings.ReplaceAll(err.Error(), c.LocalAddr().String(), "LOCAL")
	}
	if got, want := normalize(ours, p.ours), normalize(gos, p.gos); got != want {
		t.Errorf("%s: error %q, Go's connection gives %q", what, got, want)
	}
	var oursNet, gosNet net.Error
	if errors.As(ours, &oursNet) != errors.As(gos, &gosNet) || (gosNet != nil && oursNet.Timeout() != gosNet.Timeout()) {
		t.Errorf("%s: %#v is not the same kind of net.Error as %#v", what, ours, gos)
	}
	if errors.Is(ours, os.ErrDeadlineExceeded) != errors.Is(gos, os.ErrDeadlineExceeded) || errors.Is(ours, net.ErrClosed) != errors.Is(gos, net.ErrClosed) {
		t.Errorf("%s: %v and %v do not match the same sentinel errors", what, ours, gos)
	}
}

func TestConnAddressesAreThoseOfTheSocket(t *testing.T) {
	p := dialBoth(t)
	if p.ours.LocalAddr().String() != p.oursPeer.RemoteAddr().String() || p.ours.RemoteAddr().String() != p.oursPeer.LocalAddr().String() {
		t.Errorf("local %s remote %s; the listener sees %s and %s", p.ours.LocalAddr(), p.ours.RemoteAddr(), p.oursPeer.RemoteAddr(), p.oursPeer.LocalAddr())
	}
	if p.ours.LocalAddr().Network() != "tcp" {
		t.Errorf("network %q, want tcp", p.ours.LocalAddr().Network())
	}
}

// Go's dialer sets TCP_NODELAY and keepalive on every connection, so
// kubelet's probes have them; so must ours.
func TestConnHasTheOptionsOfGosDialer(t *testing.T) {
	p := dialBoth(t)
	for _, o := range []struct {
		label      string
		level, opt int
	}{
		{"TCP_NODELAY", unix.IPPROTO_TCP, unix.TCP_NODELAY},
		{"SO_KEEPALIVE", unix.SOL_SOCKET, unix.SO_KEEPALIVE},
		{"TCP_KEEPIDLE", unix.IPPROTO_TCP, unix.TCP_KEEPIDLE},
		{"TCP_KEEPINTVL", unix.IPPROTO_TCP, unix.TCP_KEEPINTVL},
		{"TCP_KEEPCNT", unix.IPPROTO_TCP, unix.TCP_KEEPCNT},
	} {
		if got, want := sockopt(t, p.ours, o.level, o.opt), sockopt(t, p.gos, o.level, o.opt); got != want {
			t.Errorf("%s = %d, Go's dialer sets %d", o.label, got, want)
		}
	}
}

func TestConnReadsAndWrites(t *testing.T) {
	p := dialBoth(t)
	if _, err := p.ours.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := p.oursPeer.Read(buf); err != nil || string(buf) != "ping" {
		t.Fatalf("peer read %q, %v", buf, err)
	}
	p.oursPeer.Write([]byte("pong"))
	if _, err := p.ours.Read(buf); err != nil || string(buf) != "pong" {
		t.Fatalf("read %q, %v", buf, err)
	}
}

func TestConnErrorsReadAsGos(t *testing.T) {
	p := dialBoth(t)
	buf := make([]byte, 1)

	past := time.Now().Add(-time.Second)
	p.ours.SetReadDeadline(past)
	p.gos.SetReadDeadline(past)
	_, ours := p.ours.Read(buf)
	_, gos := p.gos.Read(buf)
	sameError(t, "read past the deadline", p, ours, gos)
	p.ours.SetReadDeadline(time.Time{})
	p.gos.SetReadDeadline(time.Time{})

	// The peer closes with a reset: the next read is ECONNRESET.
	for _, peer := range []net.Conn{p.oursPeer, p.gosPeer} {
		peer.(*net.TCPConn).SetLinger(0)
		peer.Close()
	}
	_, ours = p.ours.Read(buf)
	_, gos = p.gos.Read(buf)
	sameError(t, "read after a reset", p, ours, gos)
	if !errors.Is(ours, unix.ECONNRESET) {
		t.Errorf("read after a reset: %v, want ECONNRESET", ours)
	}

	sameError(t, "first close", p, p.ours.Close(), p.gos.Close())
	sameError(t, "second close", p, p.ours.Close(), p.gos.Close())
	_, ours = p.ours.Write(buf)
	_, gos = p.gos.Write(buf)
	sameError(t, "write after close", p, ours, gos)
	sameError(t, "deadline after close", p, p.ours.SetDeadline(past), p.gos.SetDeadline(past))
}

// A connect given up when its context ended must leave the connection it
// returns, had it completed, without the deadline that interrupted it.
func TestConnKeepsNoDeadlineFromTheConnect(t *testing.T) {
	remote := netip.MustParseAddrPort(acceptingListener(t))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	conn, _, err := connect(ctx, remote, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	<-ctx.Done()
	time.Sleep(10 * time.Millisecond)
	if _, err := conn.Write([]byte("x")); err != nil {
		t.Errorf("write after the connect's context ended: %v; the connection should have no deadline", err)
	}
}
