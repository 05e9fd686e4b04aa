package handshake

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// noteICMP turns the socket's error queue (IP_RECVERR) on for the
// handshake, or off again once connected. The kernel reports an ICMP port
// unreachable answering the SYN as ECONNREFUSED, exactly as it reports a
// reset; the error queue keeps the ICMP message itself, so the two can be
// told apart with or without the packet capture. Once connected, it goes
// off: with it on, the kernel would end an established connection on ICMP
// errors it otherwise ignores, and kubelet's sockets do not have it on.
func noteICMP(fd int, remote netip.Addr, on bool) error {
	level, opt := recvErrOption(remote)
	value := 0
	if on {
		value = 1
	}
	return os.NewSyscallError("setsockopt", unix.SetsockoptInt(fd, level, opt, value))
}

func recvErrOption(remote netip.Addr) (level, opt int) {
	if remote.Is4() {
		return unix.SOL_IP, unix.IP_RECVERR
	}
	return unix.SOL_IPV6, unix.IPV6_RECVERR
}

// withICMP adds the ICMP message the error queue holds, if any, to a
// connect's error.
func withICMP(rc syscall.RawConn, err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err // a deadline or a cancellation: no ICMP ended it
	}
	if m, ok := queuedICMP(rc); ok {
		return &icmpError{err: err, icmp: m}
	}
	return err
}

// maxQueued bounds the error-queue entries read for one connect; a SYN
// and its retransmissions cause a few at most.
const maxQueued = 8

// queuedICMP reads the socket's error queue without waiting and returns
// its last ICMP message.
func queuedICMP(rc syscall.RawConn) (ICMPMessage, bool) {
	var found ICMPMessage
	var ok bool
	_ = rc.Control(func(fd uintptr) {
		oob := make([]byte, unix.CmsgSpace(int(unsafe.Sizeof(unix.SockExtendedErr{}))+unix.SizeofSockaddrInet6))
		for range maxQueued {
			_, oobn, _, _, err := unix.Recvmsg(int(fd), make([]byte, 64), oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
			if err != nil {
				return // EAGAIN: the queue is empty
			}
			if m, isICMP := parseRecvErr(oob[:oobn]); isICMP {
				found, ok = m, true
			}
		}
	})
	return found, ok
}

// parseRecvErr decodes an IP_RECVERR or IPV6_RECVERR control message: a
// struct sock_extended_err followed by the sender's address.
func parseRecvErr(oob []byte) (ICMPMessage, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return ICMPMessage{}, false
	}
	for _, m := range msgs {
		isV4 := m.Header.Level == unix.SOL_IP && m.Header.Type == unix.IP_RECVERR
		isV6 := m.Header.Level == unix.SOL_IPV6 && m.Header.Type == unix.IPV6_RECVERR
		const eeSize = int(unsafe.Sizeof(unix.SockExtendedErr{}))
		if (!isV4 && !isV6) || len(m.Data) < eeSize {
			continue
		}
		origin := m.Data[4]
		if origin != unix.SO_EE_ORIGIN_ICMP && origin != unix.SO_EE_ORIGIN_ICMP6 {
			continue
		}
		return ICMPMessage{
			V6:   origin == unix.SO_EE_ORIGIN_ICMP6,
			Type: m.Data[5],
			Code: m.Data[6],
			From: offender(m.Data[eeSize:]),
		}, true
	}
	return ICMPMessage{}, false
}

// offender decodes the sockaddr_in or sockaddr_in6 that follows the
// extended error (SO_EE_OFFENDER): the host that sent the ICMP message.
func offender(sa []byte) netip.Addr {
	if len(sa) < 2 {
		return netip.Addr{}
	}
	switch binary.NativeEndian.Uint16(sa[0:2]) {
	case unix.AF_INET:
		if len(sa) >= 8 {
			return netip.AddrFrom4([4]byte(sa[4:8]))
		}
	case unix.AF_INET6:
		if len(sa) >= 24 {
			return netip.AddrFrom16([16]byte(sa[8:24])).Unmap()
		}
	}
	return netip.Addr{}
}
