package prober

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// ErrTargetDenied is why a probe was not run: probe_targets does not let
// anyone who can reach /probe make the exporter connect there.
var ErrTargetDenied = errors.New("probe_targets does not allow this target")

// deniedByDefault are the addresses a node agent reachable by every pod
// must not connect to unless probe_targets.allow lists them: link-local,
// where cloud metadata services (169.254.169.254) hand out credentials.
var deniedByDefault = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
}

// Guard holds what the target policy needs besides the configuration:
// the exporter's own listen addresses, which are denied by default so
// that /probe cannot be pointed back at the exporter.
type Guard struct {
	own []netip.AddrPort // an unspecified address: every local one
	mu  sync.Mutex
	// local caches this host's addresses for a few seconds.
	local     map[netip.Addr]bool
	localRead time.Time
}

// NewGuard denies the given listen addresses by default.
func NewGuard(own []netip.AddrPort) *Guard { return &Guard{own: own} }

// targetPolicy is a request's two policies: the file's and its module's.
// Both must allow a target.
type targetPolicy struct {
	file, module config.TargetPolicy
	moduleName   string
}

// check tells whether the probe may connect to addrs, what host (as the
// target named it) resolved to, on port.
func (g *Guard) check(p *targetPolicy, host string, addrs []netip.Addr, port uint16) error {
	name := ""
	if _, err := netip.ParseAddr(host); err != nil {
		name = strings.TrimSuffix(strings.ToLower(host), ".")
	}
	for _, a := range addrs {
		a = a.Unmap().WithZone("")
		for _, level := range [...]policyLevel{{p.file, ""}, {p.module, p.moduleName}} {
			if err := levelAllows(level, name, a); err != nil {
				return describeDenial(host, a, err)
			}
		}
		if err := g.defaultAllows(p, a, port); err != nil {
			return describeDenial(host, a, err)
		}
	}
	return nil
}

// policyLevel is the file's probe_targets, or a module's.
type policyLevel struct {
	policy config.TargetPolicy
	module string // "" for the file's
}

// where names the level's key in the configuration, for an error (only
// then: it is checked on every probe).
func (l policyLevel) where() string {
	if l.module == "" {
		return "probe_targets"
	}
	return "modules." + l.module + ".probe_targets"
}

func describeDenial(host string, a netip.Addr, reason error) error {
	if host == a.String() {
		return fmt.Errorf("%w: %s %s", ErrTargetDenied, host, reason)
	}
	return fmt.Errorf("%w: %s (%s) %s", ErrTargetDenied, host, a, reason)
}

// levelAllows applies one policy: a deny entry that matches the name or
// the address refuses; a non-empty allow list must match one of them.
func levelAllows(l policyLevel, name string, a netip.Addr) error {
	for _, d := range l.policy.Deny {
		if d.MatchesAddr(a) || (name != "" && d.MatchesHost(name)) {
			return fmt.Errorf("matches %s.deny entry %s", l.where(), d)
		}
	}
	if len(l.policy.Allow) == 0 {
		return nil
	}
	for _, al := range l.policy.Allow {
		if al.MatchesAddr(a) || (name != "" && al.MatchesHost(name)) {
			return nil
		}
	}
	return fmt.Errorf("is in no %s.allow entry", l.where())
}

// defaultAllows applies the node agent's own denials, which only an allow
// entry for the address (a CIDR or an IP, not a name) lifts.
func (g *Guard) defaultAllows(p *targetPolicy, a netip.Addr, port uint16) error {
	if allowsAddr(p.file, a) || allowsAddr(p.module, a) {
		return nil
	}
	for _, prefix := range deniedByDefault {
		if prefix.Contains(a) {
			return fmt.Errorf("is link-local (%s), where cloud metadata services answer: "+
				"probe_targets.allow must list it (as a CIDR or an address) for it to be probed", prefix)
		}
	}
	if g.isOwn(a, port) {
		return fmt.Errorf("port %d is this exporter's own listen address: probe_targets.allow must list the address for it to be probed", port)
	}
	return nil
}

func allowsAddr(p config.TargetPolicy, a netip.Addr) bool {
	for _, al := range p.Allow {
		if al.MatchesAddr(a) {
			return true
		}
	}
	return false
}

// isOwn tells whether a and port are where the exporter listens.
func (g *Guard) isOwn(a netip.Addr, port uint16) bool {
	for _, own := range g.own {
		if own.Port() != port {
			continue
		}
		if ip := own.Addr(); ip.IsValid() && !ip.IsUnspecified() {
			if ip.Unmap() == a || (ip.IsLoopback() && a.IsLoopback()) {
				return true
			}
			continue
		}
		if a.IsLoopback() || a.IsUnspecified() || g.isLocal(a) {
			return true
		}
	}
	return false
}

// localRefresh is how long this host's address list is trusted.
const localRefresh = 10 * time.Second

func (g *Guard) isLocal(a netip.Addr) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.local == nil || time.Since(g.localRead) > localRefresh {
		g.local, g.localRead = interfaceAddrs(), time.Now()
	}
	return g.local[a]
}

func interfaceAddrs() map[netip.Addr]bool {
	out := map[netip.Addr]bool{}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return out
	}
	for _, addr := range addrs {
		if p, err := netip.ParsePrefix(addr.String()); err == nil {
			out[p.Addr().Unmap().WithZone("")] = true
		}
	}
	return out
}

// ListenAddrPorts turns listener addresses into what NewGuard takes.
func ListenAddrPorts(addrs []net.Addr) []netip.AddrPort {
	var out []netip.AddrPort
	for _, a := range addrs {
		if tcp, ok := a.(*net.TCPAddr); ok {
			out = append(out, tcp.AddrPort())
		}
	}
	return out
}
