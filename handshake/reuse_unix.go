//go:build unix && !linux

package handshake

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// reuseAddress lets a fixed source port be bound while an earlier probe's
// connection from it is in TIME_WAIT.
func reuseAddress(c syscall.RawConn) error {
	var sockErr error
	if err := c.Control(func(fd uintptr) {
		sockErr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	}); err != nil {
		return err
	}
	return sockErr
}
