package ports

import (
	"strings"
	"testing"
)

// FuzzParse: a port or range from a flag, the configuration or a query.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"30080", "30000-32767", " 1024 - 65535 ", "0", "65535", "65536", "70000",
		"30000-", "-30000", "-", "a-b", "1-2-3", "", "32767-30000", "7-7",
		"+1", "0x50", "1_000", "00080", "80\n", "\t80-81\t", "٣", "1e3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			if r != (Range{}) {
				t.Errorf("Parse(%q) failed with %v, yet returned %v", s, err, r)
			}
			return
		}
		if r.First > r.Last {
			t.Fatalf("Parse(%q) = %v: First > Last", s, r)
		}
		if r.Len() < 1 || !r.Contains(r.First) || !r.Contains(r.Last) {
			t.Errorf("Parse(%q) = %v: Len %d", s, r, r.Len())
		}
		if back, err := Parse(r.String()); err != nil || back != r {
			t.Errorf("Parse(%q) = %v, whose String %q parses as %v, %v", s, r, r.String(), back, err)
		}
	})
}

// FuzzParseList: net.ipv4.ip_local_reserved_ports as the kernel writes it,
// or --nodeport.static as a user does.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{
		"", "\n", "30080", "30000-32767", "31000-31010,30080", " 30080 , 30081 ,30082\n",
		"30000-30010,30005-30020", "0,65535", "7-7", "0-65535", "1,,2", ",", "30080,",
		"30080,70000", "32767-30000", "1-2-3", "1,3,5,7,9-11,13", "65535-65535,0-0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseList(s)
		if err != nil {
			return
		}
		text := set.String()
		back, err := ParseList(text)
		if err != nil {
			t.Fatalf("ParseList(%q) writes as %q, which does not parse: %v", s, text, err)
		}
		if back != set {
			t.Fatalf("ParseList(%q) writes as %q, which parses as %q", s, text, back.String())
		}
		if again := back.String(); again != text {
			t.Errorf("ParseList(%q) writes as %q, then as %q", s, text, again)
		}
		// The ports listed are the ports in the set, in ascending ranges
		// that neither touch nor overlap.
		n := 0
		ranges := set.Ranges()
		for i, r := range ranges {
			if r.First > r.Last || (i > 0 && int(ranges[i-1].Last)+1 >= int(r.First)) {
				t.Fatalf("ParseList(%q): ranges %v are not the fewest ascending ranges", s, ranges)
			}
			n += r.Len()
		}
		if n != set.Len() {
			t.Errorf("ParseList(%q): ranges %v hold %d ports, the set %d", s, ranges, n, set.Len())
		}
		if strings.TrimSpace(s) == "" && set.Len() != 0 {
			t.Errorf("ParseList(%q) is not empty", s)
		}
	})
}
