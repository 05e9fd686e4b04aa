package prober

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"github.com/mdlayher/socket"
	"golang.org/x/sys/unix"
)

// socketOptions are what a probe sets on its socket before connecting.
type socketOptions struct {
	// local is the address to bind: an unset IP and port 0 mean no bind,
	// exactly like kubelet's dialer.
	local netip.AddrPort
	// lingers sets SO_LINGER{on, 1s}, as kubelet does from 1.27.
	lingers bool
	// abandonAfterSYNACK > 0 gives up on a connect that has not completed
	// this long after its SYN-ACK arrived: the verdict is already on the
	// wire. Sweeps use it; single probes wait like kubelet.
	abandonAfterSYNACK time.Duration
}

// errAbandoned ends a connect whose SYN-ACK went unanswered.
var errAbandoned = errors.New("abandoned: the SYN-ACK arrived but the connection did not complete")

// errDialTimeout reads like the deadline error of Go's net.Dialer, which
// is what kubelet reports ("i/o timeout").
var errDialTimeout = os.ErrDeadlineExceeded

// connectTCP opens a TCP connection to remote the way connect(2) does in
// Go's dialer, but announces the local address to the handshake trace as
// soon as the kernel has chosen it, while the SYN is on its way.
func connectTCP(ctx context.Context, remote netip.AddrPort, opts socketOptions, h *Handshake) (net.Conn, netip.AddrPort, error) {
	c, err := socket.Socket(addressFamily(remote.Addr()), unix.SOCK_STREAM, unix.IPPROTO_TCP, "tcp", nil)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	defer c.Close() // the net.Conn holds a duplicate of the descriptor
	if err := opts.apply(c, remote.Addr()); err != nil {
		return nil, netip.AddrPort{}, err
	}
	local, err := connectAndWait(ctx, c, remote, opts, h)
	if err != nil {
		return nil, local, err
	}
	conn, err := netConn(c)
	return conn, local, err
}

// apply sets the socket options and binds, before connect.
func (o socketOptions) apply(c *socket.Conn, remote netip.Addr) error {
	if o.lingers {
		if err := setLinger(c); err != nil {
			return err
		}
	}
	if !o.local.Addr().IsValid() && o.local.Port() == 0 {
		return nil
	}
	if o.local.Port() != 0 {
		// The probe before this one from the same port may have left the
		// port in TIME_WAIT; binding must not fail for that.
		if err := c.SetsockoptInt(unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return err
		}
	} else if err := c.SetsockoptInt(unix.SOL_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1); err != nil {
		// A source address alone must not make the kernel pick the port at
		// bind(2): kubelet's port is picked at connect(2), by other rules.
		return err
	}
	return c.Bind(sockaddr(bindAddress(o.local, remote)))
}

// bindAddress fills in the wildcard address of remote's family when only
// a port is to be bound.
func bindAddress(local netip.AddrPort, remote netip.Addr) netip.AddrPort {
	if local.Addr().IsValid() {
		return local
	}
	if remote.Is4() {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), local.Port())
	}
	return netip.AddrPortFrom(netip.IPv6Unspecified(), local.Port())
}

// setLinger makes close send a FIN and wait up to a second for it to be
// acknowledged, as kubelet's ProbeDialer does.
func setLinger(c *socket.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var sockErr error
	if err := rc.Control(func(fd uintptr) {
		sockErr = unix.SetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 1})
	}); err != nil {
		return err
	}
	return os.NewSyscallError("setsockopt", sockErr)
}

// connectAndWait starts the connect, registers the local address with the
// trace and waits for the handshake to end.
func connectAndWait(ctx context.Context, c *socket.Conn, remote netip.AddrPort, opts socketOptions, h *Handshake) (netip.AddrPort, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var abandoned atomic.Bool
	if opts.abandonAfterSYNACK > 0 {
		stop := abandonAfterSYNACK(h, opts.abandonAfterSYNACK, func() { abandoned.Store(true); cancel() })
		defer stop()
	}
	var local netip.AddrPort
	started := false
	err := c.WriteFunc(ctx, "connect", func(fd int) error {
		if !started {
			started = true
			err := unix.Connect(fd, sockaddr(remote))
			local = localAddr(fd)
			h.Bound(local)
			return err
		}
		return connectProgress(fd)
	})
	return local, connectError(err, abandoned.Load())
}

// connectProgress reports how a connect in progress stands: nil when
// established, EAGAIN to keep waiting, else its error.
func connectProgress(fd int) error {
	errno, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if errno != 0 {
		return unix.Errno(errno)
	}
	// The poller may wake us early; only a peer means connected.
	if _, err := unix.Getpeername(fd); err != nil {
		return unix.EAGAIN
	}
	return nil
}

// connectError turns the socket package's errors into the ones Go's
// dialer returns, so probes fail with kubelet's words.
func connectError(err error, abandoned bool) error {
	switch {
	case err == nil:
		return nil
	case abandoned:
		return errAbandoned
	case errors.Is(err, context.DeadlineExceeded):
		return errDialTimeout
	case errors.Is(err, context.Canceled):
		return errCanceled
	}
	return err
}

// errCanceled reads like Go's net package's cancellation error.
var errCanceled = errors.New("operation was canceled")

// abandonAfterSYNACK calls giveUp once wait has passed after the SYN-ACK.
func abandonAfterSYNACK(h *Handshake, wait time.Duration, giveUp func()) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-h.SYNACKReceived():
		case <-done:
			return
		}
		select {
		case <-time.After(wait):
			giveUp()
		case <-done:
		}
	}()
	return func() { close(done) }
}

func localAddr(fd int) netip.AddrPort {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return netip.AddrPort{}
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

func addressFamily(a netip.Addr) int {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// sockaddr converts an address; an invalid IP means the wildcard address.
func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}
	}
	return &unix.SockaddrInet6{Addr: ap.Addr().As16(), Port: int(ap.Port())}
}

// netConn hands the connected socket to Go's net package, which takes its
// own duplicate of the descriptor.
func netConn(c *socket.Conn) (net.Conn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var dupFD int
	var dupErr error
	if err := rc.Control(func(fd uintptr) {
		dupFD, dupErr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, fmt.Errorf("duplicating the socket: %w", dupErr)
	}
	f := os.NewFile(uintptr(dupFD), "tcp")
	defer f.Close()
	return net.FileConn(f)
}
