package handshake

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// withNetRaw calls open with CAP_NET_RAW in the calling thread's effective
// set when the process holds it only as permitted, as a binary with the
// file capability cap_net_raw+p does. Capabilities belong to threads, so
// the goroutine keeps its thread until the capability is dropped again:
// the capture socket is the only thing opened with it.
//
// Why +p and not +ep: with the effective bit the kernel refuses to
// execute the binary at all where NET_RAW is not in the bounding set;
// without it the exporter starts there and runs without the capture.
func withNetRaw[T any](open func() (T, error)) (T, error) {
	runtime.LockOSThread()
	header := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var held [2]unix.CapUserData
	if err := unix.Capget(&header, &held[0]); err != nil {
		runtime.UnlockOSThread()
		return open()
	}
	word, bit := unix.CAP_NET_RAW/32, uint32(1)<<(unix.CAP_NET_RAW%32)
	if held[word].Effective&bit != 0 || held[word].Permitted&bit == 0 {
		runtime.UnlockOSThread()
		return open() // already effective, or not ours to raise
	}
	raised := held
	raised[word].Effective |= bit
	if err := unix.Capset(&header, &raised[0]); err != nil {
		runtime.UnlockOSThread()
		return open()
	}
	v, err := open()
	if unix.Capset(&header, &held[0]) == nil {
		runtime.UnlockOSThread()
	}
	// Else the thread stays locked and Go retires it with this goroutine
	// rather than reuse a thread holding a capability it should not.
	return v, err
}
