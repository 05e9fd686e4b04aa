package handshake

import (
	"bytes"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// datagramPair is a connected pair of datagram sockets: what is written on
// one end is queued, message by message, on the other, as the capture's
// segments are.
func datagramPair(t *testing.T) (write int, read *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.SetsockoptInt(fds[1], unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		t.Fatal(err)
	}
	read = os.NewFile(uintptr(fds[1]), "datagrams")
	t.Cleanup(func() { unix.Close(fds[0]); read.Close() })
	return fds[0], read
}

func TestSegmentBatchTakesWhatIsQueuedUpToItsSize(t *testing.T) {
	w, r := datagramPair(t)
	rc, err := r.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	const queued = readBatch + 6
	for i := range queued {
		msg := bytes.Repeat([]byte{byte(i)}, 1+i%5)
		if i == 3 {
			msg = bytes.Repeat([]byte{3}, 2*traceSnapLen) // longer than the snap length
		}
		if _, err := unix.Write(w, msg); err != nil {
			t.Fatal(err)
		}
	}
	before := time.Now()
	b := newSegmentBatch()
	seen := 0
	for _, want := range []int{readBatch, queued - readBatch} {
		if err := b.read(rc); err != nil {
			t.Fatal(err)
		}
		if b.n != want {
			t.Fatalf("read %d segments, want %d", b.n, want)
		}
		for i := range b.n {
			data, _, oob := b.segment(i)
			wantLen := 1 + seen%5
			if seen == 3 {
				wantLen = traceSnapLen
			}
			if len(data) != wantLen || data[0] != byte(seen) {
				t.Errorf("segment %d: %d bytes starting %d, want %d bytes of %d", seen, len(data), data[0], wantLen, seen)
			}
			if !hasTimestamp(oob) {
				t.Errorf("segment %d: no SO_TIMESTAMPNS in its %d bytes of control data", seen, len(oob))
			} else if at := receiveTime(oob); at.Before(before.Add(-time.Second)) || at.After(time.Now()) {
				t.Errorf("segment %d: receive time %v, want the kernel's, about %v", seen, at, before)
			}
			seen++
		}
	}

	// Nothing queued: read waits for the next segment.
	go func() {
		time.Sleep(20 * time.Millisecond)
		unix.Write(w, []byte{42})
	}()
	if err := b.read(rc); err != nil || b.n != 1 {
		t.Fatalf("read after waiting: %d segments, %v; want 1", b.n, err)
	}
	if data, _, _ := b.segment(0); !bytes.Equal(data, []byte{42}) {
		t.Errorf("read %v after waiting, want [42]", data)
	}
}

func hasTimestamp(oob []byte) bool {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS {
			return true
		}
	}
	return false
}

func TestSegmentBatchHasRoomForTheTimestamp(t *testing.T) {
	if need := unix.CmsgSpace(16); need > oobSpace {
		t.Fatalf("SO_TIMESTAMPNS needs %d bytes of control data, the batch keeps %d", need, oobSpace)
	}
}

func TestSegmentBatchReportsAClosedSocket(t *testing.T) {
	_, r := datagramPair(t)
	rc, err := r.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := newSegmentBatch().read(rc); err == nil {
		t.Fatal("reading a closed socket returned no error")
	}
}
