package prober

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
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
	// earlyKeep bounds how long, and how many, segments wait for the
	// connect that caused them to learn its local port.
	earlyKeep    = 5 * time.Second
	earlyMaxKept = 4096
)

// Tracer is the process's one packet capture: an AF_PACKET socket on every
// interface of this network namespace that receives each TCP segment with
// SYN or RST set, in either direction, and hands it to the connect that
// caused it. It needs CAP_NET_RAW.
type Tracer struct {
	conn *socket.Conn
	log  log.Logger

	mu         sync.Mutex
	handshakes map[fourTuple]*Handshake // connects whose local port is known
	expected   map[netip.AddrPort]int   // remote ends of connects starting now
	early      []segment                // segments to or from expected remotes

	syncMu    sync.Mutex // PACKET_STATISTICS resets on read: one reader at a time
	queued    uint64     // segments the kernel queued for us, under syncMu
	processed atomic.Uint64
	progress  *sync.Cond // broadcast when processed grows
	dropped   atomic.Uint64
	closed    atomic.Bool
	done      chan struct{}
}

// fourTuple identifies a connection from this host's side.
type fourTuple struct {
	local, remote netip.AddrPort
}

// NewTracer opens the capture and starts reading it. The BPF filter is
// attached before the socket is bound, so nothing unfiltered is queued.
func NewTracer(logger log.Logger) (*Tracer, error) {
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
	t := &Tracer{
		conn:       c,
		log:        logger,
		handshakes: map[fourTuple]*Handshake{},
		expected:   map[netip.AddrPort]int{},
		progress:   sync.NewCond(&sync.Mutex{}),
		done:       make(chan struct{}),
	}
	go t.read()
	return t, nil
}

func setupCapture(c *socket.Conn) error {
	prog, err := bpf.Assemble(synOrRstFilter)
	if err != nil {
		return fmt.Errorf("assembling the capture filter: %w", err)
	}
	if err := c.SetBPF(prog); err != nil {
		return fmt.Errorf("attaching the capture filter: %w", err)
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

// Close stops the capture.
func (t *Tracer) Close() error {
	t.closed.Store(true)
	err := t.conn.Close()
	<-t.done
	return err
}

// Dropped is the number of segments the kernel could not queue for the
// capture because its buffer was full.
func (t *Tracer) Dropped() uint64 {
	t.pollStats()
	return t.dropped.Load()
}

// read receives segments until the capture is closed.
func (t *Tracer) read() {
	defer close(t.done)
	decoder := newSegmentDecoder()
	buf := make([]byte, traceSnapLen)
	oob := make([]byte, unix.CmsgSpace(16))
	for {
		n, oobn, _, from, err := t.conn.Recvmsg(context.Background(), buf, oob, 0)
		if err != nil {
			if t.closed.Load() {
				return
			}
			level.Warn(t.log).Log("msg", "Reading the handshake capture failed", "err", err)
			time.Sleep(10 * time.Millisecond) // do not spin on a lasting error
			continue
		}
		if sa, ok := from.(*unix.SockaddrLinklayer); ok {
			if s, ok := decoder.decode(buf[:n], hostOrder(sa.Protocol)); ok {
				s.at = receiveTime(oob[:oobn])
				s.ifindex = sa.Ifindex
				s.outgoing = sa.Pkttype == unix.PACKET_OUTGOING
				t.dispatch(s)
			}
		}
		t.advance()
	}
}

// advance counts a packet as handled and wakes those waiting in sync.
func (t *Tracer) advance() {
	t.progress.L.Lock()
	t.processed.Add(1)
	t.progress.L.Unlock()
	t.progress.Broadcast()
}

// dispatch gives a segment to the connect it belongs to, or keeps it
// briefly if a connect to its remote end is starting and may claim it.
func (t *Tracer) dispatch(s segment) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if h := t.handshakes[fourTuple{s.src, s.dst}]; h != nil {
		h.add(s, true)
		return
	}
	if h := t.handshakes[fourTuple{s.dst, s.src}]; h != nil {
		h.add(s, false)
		return
	}
	if t.expected[s.dst] > 0 || t.expected[s.src] > 0 {
		t.keepEarly(s)
	}
}

// keepEarly holds a segment that arrived before its connect could say
// which local port it has: the SYN leaves inside connect(2).
func (t *Tracer) keepEarly(s segment) {
	cutoff := s.at.Add(-earlyKeep)
	drop := 0
	for drop < len(t.early) && (t.early[drop].at.Before(cutoff) || len(t.early)-drop >= earlyMaxKept) {
		drop++
	}
	t.early = append(t.early[drop:], s)
}

// sync returns once the reader has handled every segment the kernel had
// queued for the capture when sync was called, or after syncTimeout.
func (t *Tracer) sync() {
	target := t.pollStats()
	if t.processed.Load() >= target {
		return
	}
	timedOut := false
	timer := time.AfterFunc(syncTimeout, func() {
		t.progress.L.Lock()
		timedOut = true
		t.progress.L.Unlock()
		t.progress.Broadcast()
	})
	defer timer.Stop()
	t.progress.L.Lock()
	defer t.progress.L.Unlock()
	for t.processed.Load() < target && !timedOut {
		t.progress.Wait()
	}
}

// pollStats reads the kernel's counters for the capture and returns how
// many segments it has queued for the reader in all.
func (t *Tracer) pollStats() uint64 {
	t.syncMu.Lock()
	defer t.syncMu.Unlock()
	stats, err := t.conn.GetsockoptTpacketStats(unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err == nil {
		// tp_packets counts the dropped ones too.
		t.queued += uint64(stats.Packets - stats.Drops)
		t.dropped.Add(uint64(stats.Drops))
	}
	return t.queued
}

// receiveTime reads the SO_TIMESTAMPNS control message; the capture's
// receive time stands in if there is none.
func receiveTime(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err == nil {
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= 16 {
				sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
				nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
				return time.Unix(sec, nsec)
			}
		}
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
