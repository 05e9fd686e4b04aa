//go:build linux

package sockdiag

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzParseMessage feeds parseMessage arbitrary netlink payloads in place
// of the kernel's struct inet_diag_msg records.
func FuzzParseMessage(f *testing.F) {
	record := func(family, state byte, local, remote string, lport, rport uint16, extra int) []byte {
		b := make([]byte, messageLen+extra)
		b[0], b[1] = family, state
		binary.BigEndian.PutUint16(b[4:6], lport)
		binary.BigEndian.PutUint16(b[6:8], rport)
		copy(b[8:24], netip.MustParseAddr(local).AsSlice())
		copy(b[24:40], netip.MustParseAddr(remote).AsSlice())
		return b
	}
	v4 := record(unix.AF_INET, StateTimeWait, "198.18.0.1", "198.18.0.2", 40001, 8080, 0)
	f.Add(v4)
	f.Add(record(unix.AF_INET, StateListen, "0.0.0.0", "0.0.0.0", 9878, 0, 0))
	f.Add(record(unix.AF_INET6, StateTimeWait, "::ffff:198.18.0.1", "2001:db8::2", 40001, 8080, 0))
	f.Add(record(unix.AF_INET6, StateEstablished, "2001:db8::1", "::ffff:198.18.0.2", 30080, 80, 0))
	// Attributes (INET_DIAG_INFO and the like) follow a record when asked for.
	f.Add(record(unix.AF_INET6, StateClose, "::", "::", 53, 0, 24))
	f.Add(record(99, StateTimeWait, "198.18.0.1", "198.18.0.2", 1, 2, 0))
	for _, n := range []int{0, 1, 8, 24, 40, messageLen - 1} {
		f.Add(v4[:n])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseMessage(b)
		if len(b) < messageLen {
			if err == nil {
				t.Fatalf("a %d-byte record parsed as %+v, want an error", len(b), s)
			}
			return
		}
		if err != nil {
			if b[0] == unix.AF_INET || b[0] == unix.AF_INET6 {
				t.Fatalf("a %d-byte record of family %d: %v", len(b), b[0], err)
			}
			return
		}
		if s.State != b[1] {
			t.Errorf("state %d, the record holds %d", s.State, b[1])
		}
		if s.Local.Port() != binary.BigEndian.Uint16(b[4:6]) || s.Remote.Port() != binary.BigEndian.Uint16(b[6:8]) {
			t.Errorf("ports %d and %d, the record holds % x", s.Local.Port(), s.Remote.Port(), b[4:8])
		}
		for _, end := range []struct {
			name string
			got  netip.Addr
			raw  []byte
		}{{"local", s.Local.Addr(), b[8:24]}, {"remote", s.Remote.Addr(), b[24:40]}} {
			var want netip.Addr
			switch b[0] {
			case unix.AF_INET:
				want = netip.AddrFrom4([4]byte(end.raw[:4]))
			case unix.AF_INET6:
				// A dual-stack socket's IPv4 peer reads as IPv4.
				want = netip.AddrFrom16([16]byte(end.raw)).Unmap()
			default:
				t.Fatalf("family %d parsed as %+v", b[0], s)
			}
			if end.got != want {
				t.Errorf("%s address %v, the record holds %v", end.name, end.got, want)
			}
		}
	})
}
