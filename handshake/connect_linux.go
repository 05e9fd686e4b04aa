package handshake

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/mdlayher/socket"
	"golang.org/x/sys/unix"
)

// connect opens a TCP connection to remote the way connect(2) does in
// Go's dialer, but announces the local address to the trace as soon as
// the kernel has chosen it, while the SYN is on its way.
func connect(ctx context.Context, remote netip.AddrPort, opts Options, tr *trace) (net.Conn, netip.AddrPort, error) {
	c, err := socket.Socket(addressFamily(remote.Addr()), unix.SOCK_STREAM, unix.IPPROTO_TCP, "tcp", nil)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	defer c.Close() // the net.Conn holds a duplicate of the descriptor
	if err := apply(opts, c, remote.Addr()); err != nil {
		return nil, netip.AddrPort{}, err
	}
	local, err := connectAndWait(ctx, c, remote, opts, tr)
	if err != nil {
		return nil, local, err
	}
	conn, err := netConn(c)
	return conn, local, err
}

// apply sets the socket options and binds, before connect.
func apply(o Options, c *socket.Conn, remote netip.Addr) error {
	if o.Linger {
		if err := setLinger(c); err != nil {
			return err
		}
	}
	if !o.Local.Addr().IsValid() && o.Local.Port() == 0 {
		return nil
	}
	if o.Local.Port() != 0 {
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
	return c.Bind(sockaddr(bindAddress(o.Local, remote)))
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
func connectAndWait(ctx context.Context, c *socket.Conn, remote netip.AddrPort, opts Options, tr *trace) (netip.AddrPort, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var abandoned atomic.Bool
	if opts.AbandonAfterSYNACK > 0 {
		stop := abandonAfterSYNACK(tr, opts.AbandonAfterSYNACK, func() { abandoned.Store(true); cancel() })
		defer stop()
	}
	var local netip.AddrPort
	started := false
	err := c.WriteFunc(ctx, "connect", func(fd int) error {
		if !started {
			started = true
			err := unix.Connect(fd, sockaddr(remote))
			local = localAddr(fd)
			tr.bound(local)
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

// abandonAfterSYNACK calls giveUp once wait has passed after the SYN-ACK.
func abandonAfterSYNACK(tr *trace, wait time.Duration, giveUp func()) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-tr.synACKReceived():
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
// An IPv6 zone (fe80::1%eth0) becomes the interface's index.
func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}
	}
	return &unix.SockaddrInet6{Addr: ap.Addr().As16(), Port: int(ap.Port()), ZoneId: zoneIndex(ap.Addr().Zone())}
}

// zoneIndex is the interface a zone names, by name or number; 0, which
// connect(2) refuses for a link-local address, when there is none.
func zoneIndex(zone string) uint32 {
	if zone == "" {
		return 0
	}
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n)
	}
	if ifi, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifi.Index)
	}
	return 0
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
