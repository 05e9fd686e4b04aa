package handshake

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/go-kit/log"
)

// ErrUnsupported is Open's error where there is no packet capture to
// open: on every system but Linux.
var ErrUnsupported = errors.New("handshake tracing needs Linux's AF_PACKET sockets")

// Tracer is the process's one packet capture and the connects it is
// watching. The zero of *Tracer, nil, is a tracer that traces nothing.
type Tracer struct {
	capture *capture // nil in tests of attribution alone
	log     log.Logger

	mu         sync.Mutex
	handshakes map[fourTuple]*trace // connects whose local port is known
	expected   map[netip.AddrPort]int
	early      []segment // segments to or from expected remotes

	filter remoteFilter
}

// fourTuple identifies a connection from this host's side.
type fourTuple struct {
	local, remote netip.AddrPort
}

// Open starts the capture. It needs CAP_NET_RAW, which it raises for the
// capture socket alone when the process holds it only as permitted.
func Open(logger log.Logger) (*Tracer, error) {
	t := newTracer(logger)
	c, err := openCapture(logger)
	if err != nil {
		return nil, err
	}
	t.capture = c
	t.filter.install = c.setFilter
	t.filter.log = logger
	go c.run(t.dispatch)
	return t, nil
}

func newTracer(logger log.Logger) *Tracer {
	return &Tracer{log: logger, handshakes: map[fourTuple]*trace{}, expected: map[netip.AddrPort]int{}}
}

// Close stops the capture.
func (t *Tracer) Close() error {
	if t == nil || t.capture == nil {
		return nil
	}
	t.filter.stop()
	return t.capture.close()
}

// Dropped is the number of segments the kernel could not queue for the
// capture because its buffer was full.
func (t *Tracer) Dropped() uint64 {
	if t == nil || t.capture == nil {
		return 0
	}
	return t.capture.dropped()
}

// Options are what a connect sets on its socket before connecting.
type Options struct {
	// Local is the address to bind: an unset IP and port 0 mean no bind,
	// exactly like kubelet's dialer.
	Local netip.AddrPort
	// Linger sets SO_LINGER{on, 1s}, as kubelet's ProbeDialer does.
	Linger bool
	// AbandonAfterSYNACK > 0 gives up on a connect that has not completed
	// this long after its SYN-ACK arrived: the verdict is already on the
	// wire. Sweeps use it; single probes wait like kubelet.
	AbandonAfterSYNACK time.Duration
}

// Connect opens one TCP connection to remote and judges its handshake.
// The error reads exactly like that of Go's net.Dialer, which is what
// kubelet reports; the Attempt is returned either way.
func (t *Tracer) Connect(ctx context.Context, remote netip.AddrPort, opts Options) (net.Conn, *Attempt, error) {
	a := &Attempt{Requested: opts.Local, Remote: remote, Start: time.Now(), Traced: t != nil}
	// Captured packets carry no zone: trace the remote end without it.
	tr := t.begin(netip.AddrPortFrom(remote.Addr().WithZone(""), remote.Port()))
	conn, local, err := connect(ctx, remote, opts, tr)
	a.Duration = time.Since(a.Start)
	a.Local, a.Err = local, err
	a.segments = tr.finish()
	a.wire = countWire(a.segments, local)
	a.Outcome = classify(err, a.wire, a.Traced)
	if err != nil {
		return nil, a, &net.OpError{Op: "dial", Net: "tcp", Source: sourceAddr(opts.Local), Addr: net.TCPAddrFromAddrPort(remote), Err: err}
	}
	return conn, a, nil
}

// sourceAddr is what Go's dialer puts in its errors: the configured local
// address, none when the kernel chooses.
func sourceAddr(local netip.AddrPort) net.Addr {
	if !local.Addr().IsValid() && local.Port() == 0 {
		return nil
	}
	return &net.TCPAddr{IP: local.Addr().AsSlice(), Port: int(local.Port())}
}

// sync waits for the capture to hand over what the kernel has queued.
func (t *Tracer) sync() {
	if t.capture != nil {
		t.capture.sync()
	}
}
