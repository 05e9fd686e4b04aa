package sockdiag

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Conn is a sock_diag netlink socket kept open for many lookups, so that
// each one costs a request and its answer, not a socket.
type Conn struct {
	c *netlink.Conn
}

// Open opens the netlink socket.
func Open() (*Conn, error) {
	c, err := netlink.Dial(unix.NETLINK_INET_DIAG, nil)
	if err != nil {
		return nil, fmt.Errorf("opening a sock_diag netlink socket: %w", err)
	}
	return &Conn{c: c}, nil
}

// Close closes the netlink socket.
func (c *Conn) Close() error { return c.c.Close() }

// FindTCP asks for the TCP socket whose own end is local and whose peer
// is remote: a hash lookup in the kernel, like a segment's, rather than
// a dump that walks every socket. found is false when there is none. Not
// safe for concurrent use.
func (c *Conn) FindTCP(local, remote netip.AddrPort) (s Socket, found bool, err error) {
	msgs, err := c.c.Execute(findRequest(local, remote))
	if errors.Is(err, unix.ENOENT) {
		return Socket{}, false, nil
	}
	if err != nil {
		return Socket{}, false, fmt.Errorf("sock_diag lookup of %s > %s: %w", local, remote, err)
	}
	for _, m := range msgs {
		if s, err = parseMessage(m.Data); err != nil {
			return Socket{}, false, err
		}
		// Without an established socket the kernel answers with a
		// listener on the port: only the exact 4-tuple is the one.
		if s.Local == unmap(local) && s.Remote == unmap(remote) {
			return s, true, nil
		}
	}
	return Socket{}, false, nil
}

// findRequest is a struct inet_diag_req_v2 naming one socket by its
// inet_diag_sockid, with no cookie to match (INET_DIAG_NOCOOKIE).
func findRequest(local, remote netip.AddrPort) netlink.Message {
	req := make([]byte, requestLen)
	family := uint8(unix.AF_INET6)
	if local.Addr().Unmap().Is4() {
		family = unix.AF_INET
	}
	req[0], req[1] = family, unix.IPPROTO_TCP
	binary.NativeEndian.PutUint32(req[4:8], AllStates)
	binary.BigEndian.PutUint16(req[8:10], local.Port())
	binary.BigEndian.PutUint16(req[10:12], remote.Port())
	putAddr(req[12:28], local.Addr(), family)
	putAddr(req[28:44], remote.Addr(), family)
	binary.NativeEndian.PutUint32(req[48:52], ^uint32(0))
	binary.NativeEndian.PutUint32(req[52:56], ^uint32(0))
	return netlink.Message{Header: netlink.Header{Type: sockDiagByFamily, Flags: netlink.Request}, Data: req}
}

func putAddr(b []byte, a netip.Addr, family uint8) {
	if family == unix.AF_INET {
		v4 := a.Unmap().As4()
		copy(b, v4[:])
		return
	}
	v6 := a.As16()
	copy(b, v6[:])
}

func unmap(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()) }
