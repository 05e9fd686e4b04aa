package harness

import (
	"sort"
	"time"
)

// Case is one probe run by kubelet and by the exporter.
type Case struct {
	// Name says where the case comes from: a table case of kubelet's own
	// tests (file, test, case) or a row of the exporter's release table.
	Name   string
	Probe  Probe
	Server server
	// Host replaces the server's host in the probe's target.
	Host string
	// Port replaces the server's port in the probe's target.
	Port *int
	// Want, when set, is the result kubelet's own test expects, to show
	// that the harness drives kubelet's code as its tests do.
	Want string
	// Since is the first release the case applies to ("1.37.0").
	Since string
	// Refused is a known difference: the exporter refuses the probe with
	// a 400 whose text starts so, where kubelet's prober runs it.
	Refused string
}

func httpProbe(path string, headers ...Header) Probe {
	return Probe{Kind: "http", Path: path, Scheme: "http", Headers: headers, Timeout: time.Second}
}

func h(name, value string) Header { return Header{name, value} }

func intPtr(n int) *int { return &n }

// emptyHost stands for a target whose host is empty.
const emptyHost = "<empty>"

// named gives the probe a named port; the container's port of that name
// is the test server's.
func named(p Probe, name string) Probe {
	p.PortName = name
	return p
}

func sortStrings(s []string) { sort.Strings(s) }

func sortCases(cases []Case) {
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
}
