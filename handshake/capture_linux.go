package handshake

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/mdlayher/socket"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

const (
	// captureBuffer is asked for as the capture's receive buffer; without
	// CAP_NET_ADMIN the kernel caps it at net.core.rmem_max.
	captureBuffer = 8 << 20
	// syncTimeout bounds the wait for the reader to catch up with the
	// kernel at the end of a connect.
	syncTimeout = 250 * time.Millisecond
)

// capture is an AF_PACKET socket on every interface of this network
// namespace that receives each TCP segment with SYN or RST set, in either
// direction. It needs CAP_NET_RAW.
type capture struct {
	conn *socket.Conn
	log  log.Logger

	syncMu   sync.Mutex // PACKET_STATISTICS resets on read: one reader at a time
	queued   uint64     // segments the kernel queued for us, under syncMu
	progress *progress  // segments the reader has handled
	drops    atomic.Uint64
	closed   atomic.Bool
	done     chan struct{}
}

// openCapture opens the socket. The BPF filter is attached before the
// socket is bound, so nothing unfiltered is queued.
func openCapture(logger log.Logger) (*capture, error) {
	c, err := withNetRaw(func() (*socket.Conn, error) {
		return socket.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, 0, "packet", nil)
	})
	if err != nil {
		return nil, fmt.Errorf("opening the AF_PACKET capture: %w", err)
	}
	if err := setupCapture(c); err != nil {
		c.Close()
		return nil, err
	}
	return &capture{conn: c, log: logger, progress: newProgress(), done: make(chan struct{})}, nil
}

func setupCapture(c *socket.Conn) error {
	// Nothing to trace yet: the filter passes nothing.
	if err := attachFilter(c, captureFilter(nil, false)); err != nil {
		return err
	}
	// Kernel receive times make the timeline exact, whatever the reader's lag.
	if err := c.SetsockoptInt(unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fmt.Errorf("asking for packet timestamps: %w", err)
	}
	if c.SetsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, captureBuffer) != nil {
		_ = c.SetReadBuffer(captureBuffer)
	}
	// Protocol 0 at socket(2) and ETH_P_ALL here: all interfaces, both
	// directions, and only from now on.
	return c.Bind(&unix.SockaddrLinklayer{Protocol: networkOrder(unix.ETH_P_ALL), Ifindex: 0})
}

// setFilter replaces the capture's filter, at once: from its return on,
// the kernel queues only what the new one passes.
func (c *capture) setFilter(prog []bpf.Instruction) error { return attachFilter(c.conn, prog) }

func attachFilter(c *socket.Conn, prog []bpf.Instruction) error {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return fmt.Errorf("assembling the capture filter: %w", err)
	}
	if err := c.SetBPF(raw); err != nil {
		return fmt.Errorf("attaching the capture filter: %w", err)
	}
	return nil
}

func (c *capture) close() error {
	c.closed.Store(true)
	err := c.conn.Close()
	<-c.done
	return err
}

func (c *capture) dropped() uint64 {
	c.pollStats()
	return c.drops.Load()
}

// run receives segments and hands each to deliver until the capture is
// closed.
func (c *capture) run(deliver func(segment)) {
	defer close(c.done)
	rc, err := c.conn.SyscallConn()
	if err != nil {
		level.Error(c.log).Log("msg", "The handshake capture cannot be read", "err", err)
		return
	}
	decoder := newSegmentDecoder()
	batch := newSegmentBatch()
	for {
		if err := batch.read(rc); err != nil {
			if c.closed.Load() {
				return
			}
			level.Warn(c.log).Log("msg", "Reading the handshake capture failed", "err", err)
			time.Sleep(10 * time.Millisecond) // do not spin on a lasting error
			continue
		}
		for i := range batch.n {
			data, from, oob := batch.segment(i)
			if s, ok := decoder.decode(data, hostOrder(from.Protocol)); ok {
				s.at = receiveTime(oob)
				s.ifindex = int(from.Ifindex)
				s.outgoing = from.Pkttype == unix.PACKET_OUTGOING
				deliver(s)
			}
		}
		c.progress.advance(uint64(batch.n))
	}
}

// sync returns once the reader has handled every segment the kernel had
// queued for the capture when sync was called, or after syncTimeout.
func (c *capture) sync() {
	c.progress.waitFor(c.pollStats(), syncTimeout)
}

// pollStats reads the kernel's counters for the capture and returns how
// many segments it has queued for the reader in all.
func (c *capture) pollStats() uint64 {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	stats, err := c.conn.GetsockoptTpacketStats(unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err == nil {
		// tp_packets counts the dropped ones too.
		c.queued += uint64(stats.Packets - stats.Drops)
		c.drops.Add(uint64(stats.Drops))
	}
	return c.queued
}

// receiveTime reads the SO_TIMESTAMPNS control message; the capture's
// receive time stands in if there is none. It runs for every segment, so
// it walks the messages in place (ParseSocketControlMessage allocates).
func receiveTime(oob []byte) time.Time {
	for len(oob) > 0 {
		h, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			break
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SO_TIMESTAMPNS && len(data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(data[8:16]))
			return time.Unix(sec, nsec)
		}
		oob = rest
	}
	return time.Now()
}

// networkOrder and hostOrder convert sockaddr_ll's protocol field, which
// the kernel keeps in network byte order.
func networkOrder(p uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], p)
	return binary.NativeEndian.Uint16(b[:])
}

func hostOrder(p uint16) uint16 { return networkOrder(p) }
