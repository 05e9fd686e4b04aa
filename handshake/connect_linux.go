package handshake

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// connect opens a TCP connection to remote the way connect(2) does in
// Go's dialer, but announces the local address to the trace as soon as
// the kernel has chosen it, while the SYN is on its way. The socket waits
// on Go's poller through an *os.File, which the connection keeps: one
// descriptor per connect.
func connect(ctx context.Context, remote netip.AddrPort, opts Options, tr *trace) (net.Conn, netip.AddrPort, error) {
	if err := ctx.Err(); err != nil {
		return nil, netip.AddrPort{}, connectError(err, false) // nothing sent
	}
	fd, err := unix.Socket(addressFamily(remote.Addr()), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return nil, netip.AddrPort{}, os.NewSyscallError("socket", err)
	}
	if err := prepare(fd, remote.Addr(), opts); err != nil {
		unix.Close(fd)
		return nil, netip.AddrPort{}, err
	}
	started := unix.Connect(fd, sockaddr(remote))
	local := localAddr(fd)
	tr.bound(local)
	// Only now does the poller learn of the socket, as with Go's dialer:
	// one not yet connecting polls as hung up, and would wake it for
	// nothing.
	f := os.NewFile(uintptr(fd), "tcp")
	if err := finishConnect(ctx, f, started, remote, opts, tr); err != nil {
		f.Close()
		return nil, local, err
	}
	return newTCPConn(f, local, remote), local, nil
}

// prepare sets the socket's options and binds it, before connect(2).
func prepare(fd int, remote netip.Addr, opts Options) error {
	if err := apply(opts, fd, remote); err != nil {
		return err
	}
	return noteICMP(fd, remote, true)
}

// finishConnect waits for the connect that started as started says. A
// failed one gets the ICMP message queued for it; an established one
// stops queueing them and gets Go's dialer options, in one pass.
func finishConnect(ctx context.Context, f *os.File, started error, remote netip.AddrPort, opts Options, tr *trace) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	if err := awaitConnect(ctx, f, rc, started, opts, tr); err != nil {
		return withICMP(rc, err)
	}
	return control(rc, func(fd int) error {
		if err := noteICMP(fd, remote.Addr(), false); err != nil {
			return err
		}
		return setDialerOptions(fd)
	})
}

// control runs fn on the socket and returns its error.
func control(rc syscall.RawConn, fn func(fd int) error) error {
	var fnErr error
	if err := rc.Control(func(fd uintptr) { fnErr = fn(int(fd)) }); err != nil {
		return err
	}
	return fnErr
}

// dialerOptions are what Go's dialer, and so kubelet's, gives every TCP
// connection: TCP_NODELAY, and keepalive probes after 15 s idle, every
// 15 s, 9 of them (net's defaults).
var dialerOptions = []struct{ level, opt, value int }{
	{unix.IPPROTO_TCP, unix.TCP_NODELAY, 1},
	{unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1},
	{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 15},
	{unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, 15},
	{unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 9},
}

// setDialerOptions sets dialerOptions once connected, where Go's dialer
// sets them (set before connect(2), they made each probe dearer in
// BenchmarkProbeTCP).
func setDialerOptions(fd int) error {
	for _, o := range dialerOptions {
		if err := unix.SetsockoptInt(fd, o.level, o.opt, o.value); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	return nil
}

// apply sets the socket options and binds, before connect.
func apply(o Options, fd int, remote netip.Addr) error {
	if o.Linger {
		// Close sends a FIN and waits up to a second for it to be
		// acknowledged, as kubelet's ProbeDialer makes it.
		if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 1}); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	}
	if !o.Local.Addr().IsValid() && o.Local.Port() == 0 {
		return nil
	}
	if o.Local.Port() != 0 {
		// The probe before this one from the same port may have left the
		// port in TIME_WAIT; binding must not fail for that.
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return os.NewSyscallError("setsockopt", err)
		}
	} else if err := unix.SetsockoptInt(fd, unix.SOL_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1); err != nil {
		// A source address alone must not make the kernel pick the port at
		// bind(2): kubelet's port is picked at connect(2), by other rules.
		return os.NewSyscallError("setsockopt", err)
	}
	return os.NewSyscallError("bind", unix.Bind(fd, sockaddr(bindAddress(o.Local, remote))))
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

// awaitConnect waits for the handshake that connect(2) started, as
// started says, to end: established, failed, or given up when ctx ends
// (its deadline, the probe's end) or the SYN-ACK went unanswered for
// opts.AbandonAfterSYNACK.
func awaitConnect(ctx context.Context, f *os.File, rc syscall.RawConn, started error, opts Options, tr *trace) error {
	switch started {
	case unix.EINPROGRESS, unix.EALREADY, unix.EINTR: // as Go's dialer: wait
	case unix.EISCONN:
		return nil
	default:
		return connectError(syscallError(started), false)
	}
	var abandoned atomic.Bool
	if opts.AbandonAfterSYNACK > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		stop := abandonAfterSYNACK(tr, opts.AbandonAfterSYNACK, func() { abandoned.Store(true); cancel() })
		defer stop()
	}
	defer interruptWrites(ctx, f)()
	var connErr error
	err := rc.Write(func(fd uintptr) bool {
		connErr = connectProgress(int(fd))
		return connErr != unix.EAGAIN
	})
	if err == nil {
		err = connErr
	}
	if err != nil && ctx.Err() != nil {
		err = ctx.Err() // the wait was ended on purpose: say why
	}
	return connectError(syscallError(err), abandoned.Load())
}

// syscallError names connect(2) in a bare errno, as Go's dialer does.
func syscallError(err error) error {
	if errno, ok := err.(unix.Errno); ok {
		return os.NewSyscallError("connect", errno)
	}
	return err
}

// interruptWrites has the poller end f's wait for writability when ctx's
// deadline passes, or at once when ctx is cancelled. The release it
// returns clears the deadline again, after any interruption in flight, so
// that the connection it becomes has none.
func interruptWrites(ctx context.Context, f *os.File) (release func()) {
	// ctx's own timer ends it at its deadline: no poller deadline besides.
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = f.SetWriteDeadline(time.Unix(1, 0))
		close(interrupted)
	})
	return func() {
		if !stop() {
			<-interrupted
			_ = f.SetWriteDeadline(time.Time{})
		}
	}
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
	// syscall's, not x/sys/unix's: that one asks SO_PROTOCOL as well.
	if _, err := syscall.Getpeername(fd); err != nil {
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
	sa, err := syscall.Getsockname(fd) // one call; unix's adds SO_PROTOCOL
	if err != nil {
		return netip.AddrPort{}
	}
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *syscall.SockaddrInet6:
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
