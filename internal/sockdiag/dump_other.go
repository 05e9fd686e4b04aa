//go:build !linux

package sockdiag

import "net/netip"

// Dump has no sock_diag to ask here.
func Dump(uint8, uint32, func(Socket)) error { return ErrUnsupported }

// Conn has no sock_diag to ask here: Open fails.
type Conn struct{}

// Open fails with ErrUnsupported.
func Open() (*Conn, error) { return nil, ErrUnsupported }

// Close does nothing.
func (*Conn) Close() error { return nil }

// FindTCP fails with ErrUnsupported.
func (*Conn) FindTCP(netip.AddrPort, netip.AddrPort) (Socket, bool, error) {
	return Socket{}, false, ErrUnsupported
}
