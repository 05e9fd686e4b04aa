// Package sockdiag lists sockets of the caller's network namespace through
// the kernel's sock_diag (inet_diag) netlink interface, the one ss uses.
//
// Unlike /proc/net/tcp, a dump asks the kernel for the sockets in some
// states only, and each answer is a fixed 72-byte record instead of a line
// of hex text, so counting 100k TIME_WAIT sockets stays cheap.
package sockdiag

import (
	"errors"
	"net/netip"
)

// The protocols a dump lists, as IPPROTO_TCP and IPPROTO_UDP number them.
const (
	TCP uint8 = 6
	UDP uint8 = 17
)

// ErrUnsupported is Dump's error on systems without sock_diag: all but
// Linux.
var ErrUnsupported = errors.New("sock_diag dumps need Linux")

// TCP states as the kernel numbers them (include/net/tcp_states.h). A UDP
// socket that is bound but not connected reports StateClose.
const (
	StateEstablished uint8 = 1
	StateSynSent     uint8 = 2
	StateTimeWait    uint8 = 6
	StateClose       uint8 = 7
	StateListen      uint8 = 10
)

// AllStates selects sockets in any state.
const AllStates uint32 = 0xfff

// StateMask is the idiag_states bit mask selecting the given states.
func StateMask(states ...uint8) uint32 {
	var mask uint32
	for _, s := range states {
		mask |= 1 << s
	}
	return mask
}

// Socket is one socket of a dump. Addresses of IPv6 sockets that carry
// IPv4 traffic are unmapped, so one endpoint reads the same in both.
type Socket struct {
	State         uint8
	Local, Remote netip.AddrPort
}
