package collector

import (
	"fmt"
	"strings"
)

// PortRange is the ports First through Last, both included.
type PortRange struct {
	First uint16 `json:"start"`
	Last  uint16 `json:"end"`
}

// Len is the number of ports in the range.
func (r PortRange) Len() int { return int(r.Last) - int(r.First) + 1 }

// Contains tells whether p is in the range.
func (r PortRange) Contains(p uint16) bool { return r.First <= p && p <= r.Last }

// String is "30000-32767", or "30080" for a single port.
func (r PortRange) String() string {
	if r.First == r.Last {
		return fmt.Sprint(r.First)
	}
	return fmt.Sprintf("%d-%d", r.First, r.Last)
}

// Set parses "START-END" for a kingpin flag such as --nodeport.range.
func (r *PortRange) Set(s string) error {
	first, last, ok := strings.Cut(s, "-")
	lo, errLo := parsePort(strings.TrimSpace(first))
	hi, errHi := parsePort(strings.TrimSpace(last))
	if !ok || errLo != nil || errHi != nil || lo == 0 || lo > hi {
		return fmt.Errorf("want START-END with 1 <= START <= END <= 65535, such as 30000-32767; got %q", s)
	}
	*r = PortRange{First: lo, Last: hi}
	return nil
}

// parseKernelRange parses net.ipv4.ip_local_port_range, two numbers
// separated by white space ("32768\t60999").
func parseKernelRange(text string) (PortRange, error) {
	fields := strings.Fields(text)
	if len(fields) != 2 {
		return PortRange{}, fmt.Errorf("want two ports separated by white space, got %q", text)
	}
	lo, errLo := parsePort(fields[0])
	hi, errHi := parsePort(fields[1])
	if errLo != nil || errHi != nil || lo > hi {
		return PortRange{}, fmt.Errorf("want two ports from 0 to 65535, the first no greater than the second, got %q", text)
	}
	return PortRange{First: lo, Last: hi}, nil
}
