package handshake

import (
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readBatch is how many segments one recvmmsg(2) may take from the
// capture's queue.
const readBatch = 64

// segmentBatch reads the capture's queue with recvmmsg(2): everything the
// kernel has queued, up to readBatch segments, in one system call. Most
// probes' handshakes arrive one segment at a time and cost the same as
// recvmsg; what the batch saves is under load, when the reader falls
// behind, and above all when other traffic to a probed target passes the
// filter with the probe's own segments: one call where there were dozens.
//
// x/sys has no recvmmsg, and no maintained package reads AF_PACKET
// sockets in batches without cgo; this is the little it takes.
type segmentBatch struct {
	hdrs  [readBatch]mmsghdr
	iovs  [readBatch]unix.Iovec
	names [readBatch]unix.RawSockaddrLinklayer
	bufs  [readBatch][traceSnapLen]byte
	oobs  [readBatch][oobSpace]byte
	n     int
}

// mmsghdr is struct mmsghdr: a message header and the length received.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [4]byte
}

// oobSpace holds the one control message asked for, SO_TIMESTAMPNS (a
// struct timespec): unix.CmsgSpace(16), 32 bytes on 64-bit Linux, with
// room to spare.
const oobSpace = 64

func newSegmentBatch() *segmentBatch {
	b := &segmentBatch{}
	for i := range b.hdrs {
		b.iovs[i].Base = &b.bufs[i][0]
		b.iovs[i].SetLen(traceSnapLen)
		h := &b.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&b.names[i]))
		h.Iov = &b.iovs[i]
		h.SetIovlen(1)
		h.Control = &b.oobs[i][0]
	}
	return b
}

// read waits until the capture has queued something and takes what it
// has, up to readBatch segments.
func (b *segmentBatch) read(rc syscall.RawConn) error {
	var errno syscall.Errno
	err := rc.Read(func(fd uintptr) bool {
		b.n, errno = b.recvmmsg(fd)
		return errno != unix.EAGAIN
	})
	if err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

func (b *segmentBatch) recvmmsg(fd uintptr) (int, syscall.Errno) {
	for i := range b.hdrs {
		// The kernel writes back what each message used: reset them.
		b.hdrs[i].hdr.Namelen = unix.SizeofSockaddrLinklayer
		b.hdrs[i].hdr.SetControllen(oobSpace)
		b.hdrs[i].hdr.Flags = 0
		b.hdrs[i].len = 0
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.hdrs[0])), readBatch, unix.MSG_DONTWAIT, 0, 0)
	runtime.KeepAlive(b)
	if errno != 0 {
		return 0, errno
	}
	return int(n), 0
}

// segment returns the i-th message read: its bytes (at most the snap
// length), the link-layer address it came with, and its control data.
func (b *segmentBatch) segment(i int) (data []byte, from *unix.RawSockaddrLinklayer, oob []byte) {
	h := &b.hdrs[i]
	n := min(int(h.len), traceSnapLen)
	return b.bufs[i][:n], &b.names[i], b.oobs[i][:min(int(h.hdr.Controllen), oobSpace)]
}
