package prober

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"golang.org/x/sys/unix"
)

// Dialer opens every TCP connection of one probe — the tcp probe's, each
// HTTP request's (redirects included) and the gRPC channel's — the way
// kubelet's dialer would, and keeps a record of each attempt for the
// probe's metrics.
type Dialer struct {
	localIP netip.Addr // zero: let the kernel choose, as kubelet does
	lingers bool
	log     log.Logger

	mu         sync.Mutex
	dnsSeconds float64
	ipProtocol int
	attempts   []Attempt
}

// Attempt is one connect(2) of a probe.
type Attempt struct {
	Local, Remote netip.AddrPort
	Start         time.Time
	Duration      time.Duration
	Err           error
}

// NewDialer returns a dialer for one probe. localIP may be the zero Addr.
func NewDialer(localIP netip.Addr, k kubelet, logger log.Logger) *Dialer {
	return &Dialer{localIP: localIP, lingers: k.lingers, log: logger}
}

// DialContext resolves address and connects to it. Its errors read exactly
// like those of Go's net.Dialer, which is what kubelet reports.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	ip, err := d.resolve(ctx, host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	portNum, err := net.LookupPort(network, port)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	return d.connect(ctx, netip.AddrPortFrom(ip, uint16(portNum)))
}

// resolve turns a host into the one address kubelet's dialer would try
// first, and accounts the lookup time to the probe.
func (d *Dialer) resolve(ctx context.Context, host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		d.setProtocol(ip)
		return ip.Unmap(), nil
	}
	start := time.Now()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, d.lookupNetwork(), host)
	d.mu.Lock()
	d.dnsSeconds += time.Since(start).Seconds()
	d.mu.Unlock()
	if err != nil {
		return netip.Addr{}, err
	}
	level.Debug(d.log).Log("msg", "Resolved target", "host", host, "addresses", fmt.Sprint(ips))
	ip := ips[0].Unmap()
	d.setProtocol(ip)
	return ip, nil
}

// lookupNetwork keeps a lookup to the family of the source address.
func (d *Dialer) lookupNetwork() string {
	switch {
	case !d.localIP.IsValid():
		return "ip"
	case d.localIP.Unmap().Is4():
		return "ip4"
	}
	return "ip6"
}

func (d *Dialer) setProtocol(ip netip.Addr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ipProtocol = 6
	if ip.Unmap().Is4() {
		d.ipProtocol = 4
	}
}

// connect opens one TCP connection and records the attempt.
func (d *Dialer) connect(ctx context.Context, remote netip.AddrPort) (net.Conn, error) {
	nd := net.Dialer{Control: d.control}
	if d.localIP.IsValid() {
		nd.LocalAddr = &net.TCPAddr{IP: d.localIP.AsSlice()}
	}
	start := time.Now()
	conn, err := nd.DialContext(ctx, "tcp", remote.String())
	a := Attempt{Remote: remote, Start: start, Duration: time.Since(start), Err: err}
	if conn != nil {
		a.Local = conn.LocalAddr().(*net.TCPAddr).AddrPort()
	}
	d.record(a)
	return conn, err
}

// control sets the socket options kubelet sets before connecting.
func (d *Dialer) control(_, _ string, c syscall.RawConn) error {
	if !d.lingers {
		return nil
	}
	var sockErr error
	err := c.Control(func(fd uintptr) {
		sockErr = unix.SetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 1})
	})
	if err != nil {
		return err
	}
	return sockErr
}

func (d *Dialer) record(a Attempt) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.attempts = append(d.attempts, a)
}

// Attempts returns every connect attempt so far, oldest first.
func (d *Dialer) Attempts() []Attempt {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Attempt(nil), d.attempts...)
}

// DNSLookupSeconds is the time spent resolving host names.
func (d *Dialer) DNSLookupSeconds() float64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dnsSeconds
}

// IPProtocol is 4 or 6 after the first resolution, 0 before.
func (d *Dialer) IPProtocol() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ipProtocol
}
