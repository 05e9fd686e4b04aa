//go:build !linux

package handshake

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
)

// connect is Go's own dialer where there is no capture: the trace is
// always nil, so there is no local port to announce early.
func connect(ctx context.Context, remote netip.AddrPort, opts Options, _ *trace) (net.Conn, netip.AddrPort, error) {
	d := net.Dialer{}
	if opts.Local.Addr().IsValid() || opts.Local.Port() != 0 {
		d.LocalAddr = net.TCPAddrFromAddrPort(opts.Local)
		if opts.Local.Port() != 0 {
			d.Control = func(_, _ string, c syscall.RawConn) error { return reuseAddress(c) }
		}
	}
	conn, err := d.DialContext(ctx, "tcp", remote.String())
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err
		}
		return nil, netip.AddrPort{}, connectError(err, false)
	}
	tcp := conn.(*net.TCPConn)
	if opts.Linger {
		// Linger matters only at close, so setting it now is the same as
		// kubelet setting it before connect.
		if err := tcp.SetLinger(1); err != nil {
			conn.Close()
			return nil, netip.AddrPort{}, err
		}
	}
	return conn, tcp.LocalAddr().(*net.TCPAddr).AddrPort(), nil
}
