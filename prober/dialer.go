package prober

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// dialer opens every TCP connection of one probe — the tcp probe's, each
// HTTP request's (redirects included) and the gRPC channel's — the way
// kubelet's dialer would, from the source address the module asks for,
// and keeps a record of each attempt with its handshake verdict.
type dialer struct {
	local   netip.AddrPort // an unset IP and port 0: the kernel chooses, as for kubelet
	lingers bool
	tracer  *handshake.Tracer // nil when tracing is off
	log     log.Logger
	// probeDone ends every connect still in progress when the prober has
	// returned, even those a client library dials with a context of its
	// own. It is not the probe's deadline: at the deadline the client's
	// own timeout must win, so that failures read as kubelet's do.
	probeDone context.Context
	inflight  sync.WaitGroup

	// policy, when set, is checked on every address before a connect;
	// guard knows the exporter's own addresses.
	policy *targetPolicy
	guard  *Guard

	mu         sync.Mutex
	resolved   map[string][]netip.Addr // answers of preResolve
	denied     error                   // why the target policy refused
	dnsSeconds float64
	ipProtocol int
	attempts   []*handshake.Attempt
}

// DialContext resolves address and connects to it. Its errors read exactly
// like those of Go's net.Dialer, which is what kubelet reports.
func (d *dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	remote, err := d.resolveAddress(ctx, network, address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	conn, _, err := d.connect(ctx, remote, handshake.Options{Local: d.local, Linger: d.lingers})
	return conn, err
}

// resolveAddress turns host:port into the address kubelet's dialer tries
// first, once the target policy, if any, allows every address the host
// has: a name cannot smuggle a denied address in among allowed ones.
func (d *dialer) resolveAddress(ctx context.Context, network, address string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	portNum, err := net.LookupPort(network, port)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ips, err := d.lookup(ctx, host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if err := d.allow(host, ips, uint16(portNum)); err != nil {
		return netip.AddrPort{}, err
	}
	ip := ips[0]
	d.setProtocol(ip)
	return netip.AddrPortFrom(ip, uint16(portNum)), nil
}

// allow applies the request's target policy; it remembers a denial, which
// makes the whole probe a 403.
func (d *dialer) allow(host string, ips []netip.Addr, port uint16) error {
	if d.policy == nil {
		return nil
	}
	err := d.guard.check(d.policy, host, ips, port)
	if err != nil {
		d.mu.Lock()
		d.denied = err
		d.mu.Unlock()
	}
	return err
}

// lookup resolves a host and accounts the time to the probe. The first
// lookup of a host may be the one the probe's target check already made.
func (d *dialer) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	d.mu.Lock()
	ips, ok := d.resolved[host]
	delete(d.resolved, host)
	d.mu.Unlock()
	if ok {
		return ips, nil
	}
	start := time.Now()
	found, err := net.DefaultResolver.LookupNetIP(ctx, d.lookupNetwork(), host)
	d.mu.Lock()
	d.dnsSeconds += time.Since(start).Seconds()
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	level.Debug(d.log).Log("msg", "Resolved target", "host", host, "addresses", fmt.Sprint(found))
	for i := range found {
		found[i] = found[i].Unmap()
	}
	return found, nil
}

// preResolve looks host up ahead of the first connect and keeps the
// answer for it.
func (d *dialer) preResolve(ctx context.Context, host string) ([]netip.Addr, error) {
	ips, err := d.lookup(ctx, host)
	if err == nil {
		d.mu.Lock()
		d.resolved[host] = ips
		d.mu.Unlock()
	}
	return ips, err
}

// lookupNetwork keeps a lookup to the family of the source address.
func (d *dialer) lookupNetwork() string {
	switch {
	case !d.local.Addr().IsValid():
		return "ip"
	case d.local.Addr().Is4():
		return "ip4"
	}
	return "ip6"
}

func (d *dialer) setProtocol(ip netip.Addr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ipProtocol = 6
	if ip.Unmap().Is4() {
		d.ipProtocol = 4
	}
}

// connect opens one TCP connection, traced, and records the attempt.
func (d *dialer) connect(ctx context.Context, remote netip.AddrPort, opts handshake.Options) (net.Conn, *handshake.Attempt, error) {
	d.inflight.Add(1)
	defer d.inflight.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if d.probeDone != nil {
		defer context.AfterFunc(d.probeDone, cancel)()
	}
	conn, a, err := d.tracer.Connect(ctx, remote, opts)
	d.record(a)
	return conn, a, err
}

func (d *dialer) record(a *handshake.Attempt) {
	level.Debug(d.log).Log("msg", "Connect ended", "local", a.Local, "remote", a.Remote, "outcome", a.Outcome,
		"duration_seconds", a.Duration.Seconds(), "err", a.Err)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.attempts = append(d.attempts, a)
}

// wait returns when no connect is in progress. Call it once probeDone has
// ended, which ends every connect.
func (d *dialer) wait() { d.inflight.Wait() }

// Attempts returns every connect attempt so far, oldest first.
func (d *dialer) Attempts() []*handshake.Attempt {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*handshake.Attempt(nil), d.attempts...)
}

// DNSLookupSeconds is the time spent resolving host names.
func (d *dialer) DNSLookupSeconds() float64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dnsSeconds
}

// IPProtocol is 4 or 6 after the first resolution, 0 before.
func (d *dialer) IPProtocol() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ipProtocol
}

// Denied is why the target policy refused a connect, or nil.
func (d *dialer) Denied() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.denied
}

// Traced reports whether the handshakes are traced from the packets.
func (d *dialer) Traced() bool { return d.tracer != nil }
