package sockdiag

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

const (
	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY
	requestLen       = 56 // sizeof(struct inet_diag_req_v2)
	messageLen       = 72 // sizeof(struct inet_diag_msg)
	// receiveBuffer is what ss reads with; the kernel sizes its dump
	// batches to the reader's buffer, so a large one means few syscalls.
	receiveBuffer = 32 << 10
)

// Dump calls fn for every socket of the protocol (TCP or UDP) in any of the states in mask, for IPv4 and IPv6.
// A kernel without IPv6 simply has no IPv6 sockets.
func Dump(protocol uint8, mask uint32, fn func(Socket)) error {
	conn, err := netlink.Dial(unix.NETLINK_INET_DIAG, &netlink.Config{MessageBufferSize: receiveBuffer})
	if err != nil {
		return fmt.Errorf("opening a sock_diag netlink socket: %w", err)
	}
	defer conn.Close()
	if err := dumpFamily(conn, unix.AF_INET, protocol, mask, fn); err != nil {
		return err
	}
	err = dumpFamily(conn, unix.AF_INET6, protocol, mask, fn)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

func dumpFamily(conn *netlink.Conn, family, protocol uint8, mask uint32, fn func(Socket)) error {
	if _, err := conn.Send(dumpRequest(family, protocol, mask)); err != nil {
		return fmt.Errorf("sending the sock_diag request: %w", err)
	}
	for msg, err := range conn.ReceiveIter() {
		if err != nil {
			return fmt.Errorf("sock_diag dump of %s sockets: %w", familyName(family), err)
		}
		s, err := parseMessage(msg.Data)
		if err != nil {
			return err
		}
		fn(s)
	}
	return nil
}

// dumpRequest is a struct inet_diag_req_v2 asking for every socket of the
// family and protocol in the masked states, with no extensions.
func dumpRequest(family, protocol uint8, mask uint32) netlink.Message {
	req := make([]byte, requestLen)
	req[0], req[1] = family, protocol
	binary.NativeEndian.PutUint32(req[4:8], mask)
	return netlink.Message{
		Header: netlink.Header{Type: sockDiagByFamily, Flags: netlink.Request | netlink.Dump},
		Data:   req,
	}
}

// parseMessage decodes a struct inet_diag_msg.
func parseMessage(b []byte) (Socket, error) {
	if len(b) < messageLen {
		return Socket{}, fmt.Errorf("sock_diag answered a %d-byte record, want at least %d", len(b), messageLen)
	}
	family := b[0]
	local, err := address(family, b[8:24])
	if err != nil {
		return Socket{}, err
	}
	remote, _ := address(family, b[24:40])
	return Socket{
		State:  b[1],
		Local:  netip.AddrPortFrom(local, binary.BigEndian.Uint16(b[4:6])),
		Remote: netip.AddrPortFrom(remote, binary.BigEndian.Uint16(b[6:8])),
	}, nil
}

func address(family uint8, b []byte) (netip.Addr, error) {
	switch family {
	case unix.AF_INET:
		return netip.AddrFrom4([4]byte(b[:4])), nil
	case unix.AF_INET6:
		return netip.AddrFrom16([16]byte(b[:16])).Unmap(), nil
	}
	return netip.Addr{}, fmt.Errorf("sock_diag answered a socket of unknown address family %d", family)
}

func familyName(family uint8) string {
	if family == unix.AF_INET6 {
		return "IPv6"
	}
	return "IPv4"
}
