package netlab

import (
	"io"
	"net"
	"testing"
)

// ServeUntilEOF listens on addr in the pod namespace until the test ends.
// Each connection is read until the client's FIN and then closed, so the
// client closes first and its socket, on the node, goes to TIME_WAIT.
func (l *Lab) ServeUntilEOF(t testing.TB, addr string) {
	t.Helper()
	var ln net.Listener
	if err := InNamespace(l.Pod, func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go AcceptUntilEOF(ln)
}

// AcceptUntilEOF serves ln as ServeUntilEOF does, until ln is closed.
func AcceptUntilEOF(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			_, _ = io.Copy(io.Discard, c)
			c.Close()
		}()
	}
}

// LeaveTimeWait connects to a server such as ServeUntilEOF's with d,
// sends its FIN first, and returns once the server's FIN has come back:
// the connection's socket is then in TIME_WAIT, not on its way there, and
// the server has accepted it, so no accept queue fills up.
func LeaveTimeWait(d *net.Dialer, addr string) (local net.Addr, err error) {
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, c); err != nil {
		return nil, err
	}
	return c.LocalAddr(), nil
}
