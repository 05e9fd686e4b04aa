package handshake

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// tcpConn is a connected socket as a net.Conn, on the descriptor the
// traced connect made. net.FileConn would duplicate the descriptor,
// register the duplicate with the poller, ask the kernel again for the
// socket's type and both its addresses, and close the original: eight
// system calls a probe (a quarter of a tcp probe's) that learn nothing
// the connect did not already know.
//
// Its errors read as a *net.TCPConn's do, since kubelet's messages are
// built from them: an *net.OpError with the addresses, the errno as an
// *os.SyscallError named after the call.
type tcpConn struct {
	f             *os.File
	local, remote *net.TCPAddr
	closed        atomic.Bool
}

func newTCPConn(f *os.File, local, remote netip.AddrPort) *tcpConn {
	return &tcpConn{f: f, local: net.TCPAddrFromAddrPort(local), remote: net.TCPAddrFromAddrPort(remote)}
}

func (c *tcpConn) Read(b []byte) (int, error) {
	n, err := c.f.Read(b)
	return n, c.opError("read", err)
}

func (c *tcpConn) Write(b []byte) (int, error) {
	n, err := c.f.Write(b)
	return n, c.opError("write", err)
}

// Close closes the socket; with SO_LINGER set it returns once the FIN is
// acknowledged or the linger time is up, as kubelet's close does.
func (c *tcpConn) Close() error {
	c.closed.Store(true)
	return c.opError("close", c.f.Close())
}

func (c *tcpConn) LocalAddr() net.Addr  { return c.local }
func (c *tcpConn) RemoteAddr() net.Addr { return c.remote }

func (c *tcpConn) SetDeadline(t time.Time) error { return c.opError("set", c.f.SetDeadline(t)) }
func (c *tcpConn) SetReadDeadline(t time.Time) error {
	return c.opError("set", c.f.SetReadDeadline(t))
}
func (c *tcpConn) SetWriteDeadline(t time.Time) error {
	return c.opError("set", c.f.SetWriteDeadline(t))
}

// SyscallConn gives the socket's descriptor, as a *net.TCPConn's does.
func (c *tcpConn) SyscallConn() (syscall.RawConn, error) { return c.f.SyscallConn() }

// opError turns an *os.File's error into the one a *net.TCPConn returns
// for the same failure.
func (c *tcpConn) opError(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err
	}
	var errno syscall.Errno
	switch {
	case c.closed.Load() || errors.Is(err, os.ErrClosed):
		// os says "file already closed" or, for deadlines, poll's "use of
		// closed file"; net says net.ErrClosed for both.
		err = net.ErrClosed
	case errors.As(err, &errno):
		err = os.NewSyscallError(op, errno)
	}
	if op == "set" { // net names only the local end for these
		return &net.OpError{Op: op, Net: "tcp", Addr: c.local, Err: err}
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.local, Addr: c.remote, Err: err}
}
