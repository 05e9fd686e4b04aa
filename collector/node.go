package collector

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
	"github.com/prometheus/procfs"
)

// The sysctls the collector reads.
const (
	sysctlPortRange     = "net.ipv4.ip_local_port_range"
	sysctlReservedPorts = "net.ipv4.ip_local_reserved_ports"
	sysctlTWReuse       = "net.ipv4.tcp_tw_reuse"
	sysctlConntrackTW   = "net.netfilter.nf_conntrack_tcp_timeout_time_wait"
)

// procNode reads this node's facts from procfs. /proc/sys/net and /proc/net
// show the network namespace of the reader, so the exporter must run in
// the host's network namespace (hostNetwork: true) to see the node's.
type procNode struct {
	procPath string
	fs       procfs.FS
}

// newProcNode reads procfs at procPath (--path.procfs).
func newProcNode(procPath string) (*procNode, error) {
	fs, err := procfs.NewFS(procPath)
	if err != nil {
		return nil, fmt.Errorf("--path.procfs=%s: %w", procPath, err)
	}
	return &procNode{procPath: procPath, fs: fs}, nil
}

// sysctlPath is where a sysctl lives: net.ipv4.tcp_tw_reuse is
// <procfs>/sys/net/ipv4/tcp_tw_reuse.
func (n *procNode) sysctlPath(name string) string {
	return filepath.Join(n.procPath, "sys", strings.ReplaceAll(name, ".", "/"))
}

// readSysctl reads a sysctl whole. procfs's SysctlStrings does a single
// 128-byte read, which cuts long ip_local_reserved_ports lists short.
func (n *procNode) readSysctl(name string) (string, error) {
	b, err := os.ReadFile(n.sysctlPath(name))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", name, err)
	}
	return string(b), nil
}

// EphemeralRange is net.ipv4.ip_local_port_range, the ports the kernel
// picks source ports from.
func (n *procNode) EphemeralRange() (ports.Range, error) {
	return parsedSysctl(n, sysctlPortRange, parseKernelRange)
}

// ReservedPorts is net.ipv4.ip_local_reserved_ports, the ports the
// kernel never picks as source ports.
func (n *procNode) ReservedPorts() (ports.Set, error) {
	return parsedSysctl(n, sysctlReservedPorts, ports.ParseList)
}

// parsedSysctl reads a sysctl whole and parses it; a value it cannot
// parse is reported with the sysctl's name and file.
func parsedSysctl[T any](n *procNode, name string, parse func(string) (T, error)) (T, error) {
	var zero T
	text, err := n.readSysctl(name)
	if err != nil {
		return zero, err
	}
	v, err := parse(text)
	if err != nil {
		return zero, fmt.Errorf("%s in %s: %w", name, n.sysctlPath(name), err)
	}
	return v, nil
}

// errAbsent says a sysctl does not exist here, e.g. the conntrack ones
// when nf_conntrack is not loaded.
var errAbsent = errors.New("sysctl absent")

// IntSysctl reads a sysctl holding one integer; errAbsent if there is
// no such sysctl.
func (n *procNode) IntSysctl(name string) (int64, error) {
	text, err := n.readSysctl(name)
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("%s: %w, %s does not exist", name, errAbsent, n.sysctlPath(name))
	}
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s in %s: want an integer, got %q", name, n.sysctlPath(name), strings.TrimSpace(text))
	}
	return v, nil
}

// TimeWaitSockets is the count of TCP sockets in TIME_WAIT, IPv4 and
// IPv6 together, from /proc/net/sockstat: one line, however many sockets.
func (n *procNode) TimeWaitSockets() (int, error) {
	stat, err := n.fs.NetSockstat()
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", filepath.Join(n.procPath, "net/sockstat"), err)
	}
	for _, p := range stat.Protocols {
		if p.Protocol == "TCP" && p.TW != nil {
			return *p.TW, nil
		}
	}
	return 0, fmt.Errorf("%s has no TCP tw field", filepath.Join(n.procPath, "net/sockstat"))
}

// ActiveOpens is Tcp.ActiveOpens from /proc/net/snmp: the connect()s the
// node has made, each of which took a source port.
func (n *procNode) ActiveOpens() (float64, error) {
	self, err := n.fs.Self()
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", filepath.Join(n.procPath, "self"), err)
	}
	snmp, err := self.Snmp()
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", filepath.Join(n.procPath, "self/net/snmp"), err)
	}
	if snmp.ActiveOpens == nil {
		return 0, fmt.Errorf("%s has no Tcp ActiveOpens field", filepath.Join(n.procPath, "self/net/snmp"))
	}
	return *snmp.ActiveOpens, nil
}

// parseKernelRange parses net.ipv4.ip_local_port_range, two numbers
// separated by white space ("32768\t60999").
func parseKernelRange(text string) (ports.Range, error) {
	fields := strings.Fields(text)
	if len(fields) != 2 {
		return ports.Range{}, fmt.Errorf("want two ports separated by white space, got %q", text)
	}
	lo, errLo := strconv.ParseUint(fields[0], 10, 16)
	hi, errHi := strconv.ParseUint(fields[1], 10, 16)
	if errLo != nil || errHi != nil || lo > hi {
		return ports.Range{}, fmt.Errorf("want two ports from 0 to 65535, the first no greater than the second, got %q", text)
	}
	return ports.Range{First: uint16(lo), Last: uint16(hi)}, nil
}
