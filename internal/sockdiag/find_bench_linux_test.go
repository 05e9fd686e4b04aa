package sockdiag

import (
	"net/netip"
	"testing"
)

// BenchmarkFindTCP is one lookup of a 4-tuple no socket has: what the
// reset watch pays for each reset it cannot count.
func BenchmarkFindTCP(b *testing.B) {
	c, err := Open()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	local, remote := netip.MustParseAddrPort("127.0.0.1:30004"), netip.MustParseAddrPort("127.0.0.1:8080")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.FindTCP(local, remote); err != nil {
			b.Fatal(err)
		}
	}
}
