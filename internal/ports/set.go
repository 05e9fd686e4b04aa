package ports

import (
	"fmt"
	"math/bits"
	"strings"
)

// Set is a set of port numbers, 0-65535. A bitmap keeps membership,
// union and counting cheap however long the kernel's lists get.
type Set struct {
	words [65536 / 64]uint64
}

// AddRange adds the ports first through last.
func (s *Set) AddRange(r Range) {
	for p := int(r.First); p <= int(r.Last); p++ {
		s.Add(uint16(p))
	}
}

// Add adds one port.
func (s *Set) Add(p uint16) { s.words[p/64] |= 1 << (p % 64) }

// Has tells whether p is in the set.
func (s *Set) Has(p uint16) bool { return s.words[p/64]&(1<<(p%64)) != 0 }

// Len is the number of ports in the set.
func (s *Set) Len() int {
	n := 0
	for _, w := range s.words {
		n += bits.OnesCount64(w)
	}
	return n
}

// Union is the set of ports in s or o.
func (s Set) Union(o Set) Set {
	for i := range s.words {
		s.words[i] |= o.words[i]
	}
	return s
}

// CountIn is the number of ports of the set inside r.
func (s *Set) CountIn(r Range) int {
	n := 0
	for p := int(r.First); p <= int(r.Last); p++ {
		if s.Has(uint16(p)) {
			n++
		}
	}
	return n
}

// Ranges lists the set as the fewest ascending ranges.
func (s *Set) Ranges() []Range {
	var out []Range
	for p := 0; p <= 65535; p++ {
		if !s.Has(uint16(p)) {
			continue
		}
		if n := len(out); n > 0 && int(out[n-1].Last) == p-1 {
			out[n-1].Last = uint16(p)
			continue
		}
		out = append(out, Range{First: uint16(p), Last: uint16(p)})
	}
	return out
}

// String writes the set as the kernel does ip_local_reserved_ports:
// comma-separated ports and ranges, e.g. "30000-32767,40000".
func (s Set) String() string {
	ranges := s.Ranges()
	parts := make([]string, len(ranges))
	for i, r := range ranges {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// ParseList parses comma-separated ports and ranges, the syntax of
// net.ipv4.ip_local_reserved_ports and of --nodeport.static: "30080",
// "31000-31010", "30080,31000-31010". Blank text is the empty set.
func ParseList(text string) (Set, error) {
	var s Set
	text = strings.TrimSpace(text)
	if text == "" {
		return s, nil
	}
	for i, item := range strings.Split(text, ",") {
		r, err := Parse(item)
		if err != nil {
			return Set{}, fmt.Errorf("item %d: %w", i+1, err)
		}
		s.AddRange(r)
	}
	return s, nil
}
