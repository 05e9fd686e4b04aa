package handshake

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// reuseAddress lets a fixed source port be bound while an earlier probe's
// connection from it is in TIME_WAIT.
func reuseAddress(c syscall.RawConn) error {
	var sockErr error
	if err := c.Control(func(fd uintptr) {
		sockErr = windows.SetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET, windows.SO_REUSEADDR, 1)
	}); err != nil {
		return err
	}
	return sockErr
}
