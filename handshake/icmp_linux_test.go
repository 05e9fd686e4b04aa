package handshake

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// recvErrMessage builds the control message the kernel queues for an ICMP
// error: a cmsghdr, a struct sock_extended_err and the sender's sockaddr.
func recvErrMessage(level, typ int, origin, icmpType, code uint8, from netip.Addr) []byte {
	ee := make([]byte, unsafe.Sizeof(unix.SockExtendedErr{}))
	binary.NativeEndian.PutUint32(ee[0:4], uint32(unix.ECONNREFUSED))
	ee[4], ee[5], ee[6] = origin, icmpType, code
	var sa []byte
	if from.Is4() {
		sa = make([]byte, unix.SizeofSockaddrInet4)
		binary.NativeEndian.PutUint16(sa[0:2], unix.AF_INET)
		a := from.As4()
		copy(sa[4:8], a[:])
	} else {
		sa = make([]byte, unix.SizeofSockaddrInet6)
		binary.NativeEndian.PutUint16(sa[0:2], unix.AF_INET6)
		a := from.As16()
		copy(sa[8:24], a[:])
	}
	data := append(ee, sa...)
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = int32(level), int32(typ)
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

func TestParseRecvErr(t *testing.T) {
	v4 := netip.MustParseAddr("198.18.0.2")
	v6 := netip.MustParseAddr("2001:db8::2")
	cases := []struct {
		name string
		oob  []byte
		want ICMPMessage
		ok   bool
	}{
		{"icmp port unreachable", recvErrMessage(unix.SOL_IP, unix.IP_RECVERR, unix.SO_EE_ORIGIN_ICMP, 3, 3, v4),
			ICMPMessage{Type: 3, Code: 3, From: v4}, true},
		{"icmpv6 port unreachable", recvErrMessage(unix.SOL_IPV6, unix.IPV6_RECVERR, unix.SO_EE_ORIGIN_ICMP6, 1, 4, v6),
			ICMPMessage{V6: true, Type: 1, Code: 4, From: v6}, true},
		{"a local error, not ICMP", recvErrMessage(unix.SOL_IP, unix.IP_RECVERR, unix.SO_EE_ORIGIN_LOCAL, 0, 0, v4), ICMPMessage{}, false},
		{"another control message", recvErrMessage(unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, unix.SO_EE_ORIGIN_ICMP, 3, 3, v4), ICMPMessage{}, false},
		{"truncated", recvErrMessage(unix.SOL_IP, unix.IP_RECVERR, unix.SO_EE_ORIGIN_ICMP, 3, 3, v4)[:unix.CmsgLen(4)], ICMPMessage{}, false},
	}
	for _, c := range cases {
		got, ok := parseRecvErr(c.oob)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: %+v %v, want %+v %v", c.name, got, ok, c.want, c.ok)
		}
	}
	if !(ICMPMessage{Type: 3, Code: 3}).PortUnreachable() || !(ICMPMessage{V6: true, Type: 1, Code: 4}).PortUnreachable() ||
		(ICMPMessage{Type: 3, Code: 1}).PortUnreachable() {
		t.Error("PortUnreachable is wrong for type 3 code 3, ICMPv6 type 1 code 4, or type 3 code 1")
	}
}
