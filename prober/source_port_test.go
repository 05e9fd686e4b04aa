package prober

import (
	"slices"
	"testing"
)

func TestPortCursorsWalkTheRange(t *testing.T) {
	c := newPortCursors()
	m := mustModule(t, "prober: tcp\nsource_port: 30000-30002")
	var got []int
	for range 4 {
		got = append(got, c.sourcePort(Request{ModuleName: "m", Module: m}))
	}
	if want := []int{30000, 30001, 30002, 30000}; !slices.Equal(got, want) {
		t.Errorf("sequential ports %v, want %v", got, want)
	}
	sweep := mustModule(t, "prober: tcp\nsource_port_sweep: {range: 30000-30009, count: 4}")
	first, second, third := c.sweepPorts(Request{ModuleName: "s", Module: sweep}), c.sweepPorts(Request{ModuleName: "s", Module: sweep}), c.sweepPorts(Request{ModuleName: "s", Module: sweep})
	if !slices.Equal(first, []int{30000, 30001, 30002, 30003}) || !slices.Equal(second, []int{30004, 30005, 30006, 30007}) ||
		!slices.Equal(third, []int{30008, 30009, 30000, 30001}) {
		t.Errorf("sweeps %v %v %v: successive scrapes should continue through the range", first, second, third)
	}
	random := mustModule(t, "prober: tcp\nsource_port: 30000-30009\nsource_port_strategy: random")
	for range 50 {
		if p := c.sourcePort(Request{ModuleName: "r", Module: random}); p < 30000 || p > 30009 {
			t.Fatalf("random port %d outside 30000-30009", p)
		}
	}
}
