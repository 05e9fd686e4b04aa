package collector

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// kubeIPVSInterface is the dummy interface kube-proxy's IPVS mode puts
// every ClusterIP, external IP and load-balancer IP on, so that the
// kernel accepts their packets. NodePorts are served on the node's other
// addresses, so an IPVS service is a NodePort when its address is on any
// interface but this one.
const kubeIPVSInterface = "kube-ipvs0"

// ipvsService is one virtual-service line of /proc/net/ip_vs.
type ipvsService struct {
	Protocol string // TCP, UDP or SCTP
	Addr     netip.AddrPort
}

// ipvsSource reads the virtual services from /proc/net/ip_vs itself:
// procfs's IPVSBackendStatus yields real-server rows only, and a NodePort
// whose Service has no ready endpoints has none, yet IPVS still owns it.
type ipvsSource struct {
	path string
	// required is false when --nodeport.ipvs was left to default: then a
	// node without IPVS has no IPVS NodePorts rather than an error.
	required bool
	// nodeAddresses lists the addresses the node serves NodePorts on.
	nodeAddresses func() (map[netip.Addr]bool, error)
}

func newIPVSSource(procPath string, required bool) *ipvsSource {
	return &ipvsSource{path: filepath.Join(procPath, "net/ip_vs"), required: required, nodeAddresses: interfaceAddresses}
}

func (*ipvsSource) Name() string { return sourceIPVS }

// WaitForSync: the services are read from /proc on every scrape.
func (*ipvsSource) WaitForSync(context.Context) error { return nil }

func (s *ipvsSource) Allocations() ([]allocation, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, os.ErrNotExist) && !s.required {
		return nil, &absentError{reason: "no " + s.path + ": this node runs no IPVS; kube-proxy is in iptables or nftables mode, or has not loaded IPVS yet"}
	}
	if err != nil {
		return nil, fmt.Errorf("reading IPVS services (--nodeport.ipvs): %w", err)
	}
	defer f.Close()
	services, err := parseIPVSServices(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	local, err := s.nodeAddresses()
	if err != nil {
		return nil, fmt.Errorf("listing the node's addresses to tell NodePorts from ClusterIPs: %w", err)
	}
	var out []allocation
	for _, svc := range services {
		if local[svc.Addr.Addr()] {
			out = append(out, allocation{NodePort: NodePort{Protocol: svc.Protocol, Port: svc.Addr.Port()}, Owner: "IPVS " + svc.Addr.String()})
		}
	}
	return out, nil
}

// parseIPVSServices reads the virtual-service lines of /proc/net/ip_vs:
//
//	TCP  C0A80016:7530 rr
//	TCP  [2001:0db8:0000:0000:0000:0000:0000:0001]:7530 rr
//	FWM  00000010 wlc
//
// Real-server lines ("  -> ...") and the headers are skipped, and so are
// firewall-mark services, which have no port.
func parseIPVSServices(r io.Reader) ([]ipvsService, error) {
	var out []ipvsService
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || !isIPVSProtocol(fields[0]) {
			continue
		}
		addr, err := parseIPVSAddress(fields[1])
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", line, sc.Text(), err)
		}
		out = append(out, ipvsService{Protocol: fields[0], Addr: addr})
	}
	return out, sc.Err()
}

func isIPVSProtocol(s string) bool {
	return s == "TCP" || s == "UDP" || s == "SCTP"
}

// parseIPVSAddress parses the kernel's "C0A80016:7530" (hex IPv4 and port)
// or "[2001:0db8:...:0001]:7530" (IPv6 in full, hex port).
func parseIPVSAddress(s string) (netip.AddrPort, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, errors.New("want ADDRESS:PORT with a hex port")
	}
	port, err := strconv.ParseUint(s[i+1:], 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad hex port %q", s[i+1:])
	}
	addr, err := parseIPVSHost(s[:i])
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

func parseIPVSHost(h string) (netip.Addr, error) {
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() {
			return netip.Addr{}, fmt.Errorf("bad IPv6 address %q", h)
		}
		return a, nil
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil || len(h) != 8 {
		return netip.Addr{}, fmt.Errorf("bad hex IPv4 address %q", h)
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nil
}

// interfaceAddresses is every address on this network namespace's
// interfaces except kube-ipvs0's.
func interfaceAddresses() (map[netip.Addr]bool, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := map[netip.Addr]bool{}
	for _, ifi := range ifaces {
		if ifi.Name == kubeIPVSInterface {
			continue
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			return nil, fmt.Errorf("addresses of %s: %w", ifi.Name, err)
		}
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				out[p.Addr().Unmap()] = true
			}
		}
	}
	return out, nil
}
