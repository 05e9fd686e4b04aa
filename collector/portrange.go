package collector

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// PortRange is the shared port range type.
type PortRange = ports.Range

// parseKernelRange parses net.ipv4.ip_local_port_range, two numbers
// separated by white space ("32768\t60999").
func parseKernelRange(text string) (PortRange, error) {
	fields := strings.Fields(text)
	if len(fields) != 2 {
		return PortRange{}, fmt.Errorf("want two ports separated by white space, got %q", text)
	}
	lo, errLo := strconv.ParseUint(fields[0], 10, 16)
	hi, errHi := strconv.ParseUint(fields[1], 10, 16)
	if errLo != nil || errHi != nil || lo > hi {
		return PortRange{}, fmt.Errorf("want two ports from 0 to 65535, the first no greater than the second, got %q", text)
	}
	return PortRange{First: uint16(lo), Last: uint16(hi)}, nil
}
