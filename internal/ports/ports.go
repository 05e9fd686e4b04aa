// Package ports is the one home of port ranges and port sets, which the
// configuration, the flags, the prober and the node collector share.
package ports

import (
	"fmt"
	"strconv"
	"strings"
)

// Range is the ports First through Last, both included; one port has
// First == Last.
type Range struct {
	First uint16 `json:"start"`
	Last  uint16 `json:"end"`
}

// Parse reads "30080" or "30000-32767". Port numbers are 0-65535, as the
// kernel's own lists write them; callers that bind refuse 0 themselves.
func Parse(s string) (Range, error) {
	first, last, isRange := strings.Cut(strings.TrimSpace(s), "-")
	if !isRange {
		last = first
	}
	lo, errLo := parseNumber(first)
	hi, errHi := parseNumber(last)
	switch {
	case errLo != nil || errHi != nil:
		return Range{}, fmt.Errorf("%q is not a port (0-65535) or a range such as 30000-32767", s)
	case lo > hi:
		return Range{}, fmt.Errorf("range %q ends before it starts", s)
	}
	return Range{First: lo, Last: hi}, nil
}

func parseNumber(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	return uint16(n), err
}

// Len is the number of ports in the range.
func (r Range) Len() int { return int(r.Last) - int(r.First) + 1 }

// Contains tells whether p is in the range.
func (r Range) Contains(p uint16) bool { return r.First <= p && p <= r.Last }

// String is "30000-32767", or "30080" for a single port.
func (r Range) String() string {
	if r.First == r.Last {
		return strconv.Itoa(int(r.First))
	}
	return fmt.Sprintf("%d-%d", r.First, r.Last)
}

// MarshalYAML writes the range as the configuration file writes it.
func (r Range) MarshalYAML() (any, error) { return r.String(), nil }
