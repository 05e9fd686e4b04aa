// Package testserver has the small TCP servers that tests probe.
package testserver

import (
	"net"
	"testing"
)

// Listen opens a listener that is closed when the test ends.
func Listen(t testing.TB, network, address string) net.Listener {
	t.Helper()
	l, err := net.Listen(network, address)
	if err != nil {
		t.Fatalf("listening on %s %s: %v", network, address, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// AcceptAndClose accepts connections on l and closes each at once, until
// l is closed. Run it in a goroutine.
func AcceptAndClose(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

// Accepting starts a server that accepts and closes connections, like a
// process that listens and does nothing else, and returns its address.
func Accepting(t testing.TB, network, address string) string {
	t.Helper()
	l := Listen(t, network, address)
	go AcceptAndClose(l)
	return l.Addr().String()
}

// Unused returns an address nothing listens on now: connecting to it is
// refused.
func Unused(t testing.TB, network, address string) string {
	t.Helper()
	l, err := net.Listen(network, address)
	if err != nil {
		t.Fatalf("listening on %s %s: %v", network, address, err)
	}
	defer l.Close()
	return l.Addr().String()
}
