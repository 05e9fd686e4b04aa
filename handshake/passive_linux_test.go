package handshake

import (
	"os"
	"testing"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

// The watch's sockets (the capture, the netlink socket) are closed with
// it, and Close returns only once its two goroutines have ended, so a
// watch opened and closed over and over leaves nothing behind.
func TestResetWatchCloseLeavesNothing(t *testing.T) {
	testenv.Root(t, "the reset watch's capture (CAP_NET_RAW)")
	fds := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	before := fds()
	for range 20 {
		w, err := WatchResets(log.NewNopLogger(), func(Reset) {})
		if err != nil {
			t.Fatal(err)
		}
		w.Sync()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if after := fds(); after > before {
		t.Errorf("%d descriptors open after 20 watches were closed, %d before", after, before)
	}
}
