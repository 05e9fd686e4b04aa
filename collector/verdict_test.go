package collector

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// The verdict is never OK beside a fix, and each case says what it is.
func TestVerdictFollowsTheFix(t *testing.T) {
	atRisk := known("TCP", 30080)
	cases := []struct {
		name string
		r    Report
		want Verdict
		line string
	}{
		{"at risk, a source failed too", Report{AtRisk: atRisk, OverlapPorts: 2768, Fix: Fix{Needed: true}, sourceFailed: true},
			VerdictAtRisk, "AT RISK: 1 allocated NodePort may be handed out as source ports on this node"},
		{"a source failed", Report{OverlapPorts: 2768, Fix: Fix{Needed: true}, sourceFailed: true},
			VerdictUnknown, "UNKNOWN: no NodePort known to be at risk, but a NodePort source could not be read (see the errors below)"},
		{"a fresh node: overlap, nothing allocated", Report{OverlapPorts: 2768, Allocated: map[string]int{"ipvs": 0}, Fix: Fix{Needed: true}},
			VerdictExposed, "EXPOSED: no allocated NodePort is at risk yet, but the kernel may hand out 2768 ports of the NodePort range as source ports: the first Service allocated there will be at risk"},
		{"overlap and the listen port", Report{OverlapPorts: 2768, Allocated: map[string]int{"ipvs": 0}, ListenPorts: []ListenPort{{9878, true}}, Fix: Fix{Needed: true}},
			VerdictExposed, "EXPOSED: no allocated NodePort is at risk yet, but the kernel may hand out 2768 ports of the NodePort range and the exporter's listen port 9878 as source ports"},
		{"overlap, no NodePort source", Report{OverlapPorts: 2768, Allocated: map[string]int{}, Fix: Fix{Needed: true}},
			VerdictExposed, "EXPOSED: no NodePort source is on, so no allocated NodePort is known, but the kernel may hand out 2768 ports of the NodePort range as source ports: the first Service allocated there will be at risk"},
		{"the listen port alone", Report{ListenPorts: []ListenPort{{9878, true}, {9879, false}}, Fix: Fix{Needed: true}},
			VerdictExposed, "EXPOSED: the kernel may hand out the exporter's listen port 9878 as a source port: while a connection holds it, the exporter cannot start"},
		{"nothing to fix", Report{ListenPorts: []ListenPort{{9878, false}}},
			VerdictOK, "OK: the kernel may hand out no allocated NodePort, no port of the NodePort range and no listen port of the exporter as a source port on this node"},
	}
	for _, c := range cases {
		c.r.Verdict = c.r.verdict()
		if c.r.Verdict != c.want || checkVerdict(&c.r) != c.line {
			t.Errorf("%s: %s %q\nwant %s %q", c.name, c.r.Verdict, checkVerdict(&c.r), c.want, c.line)
		}
	}
}

func TestVerdictInJSON(t *testing.T) {
	r := Report{Verdict: VerdictExposed, EphemeralRange: ports.Range{First: 1024, Last: 65000}}
	out, err := json.Marshal(&r)
	if err != nil || !strings.HasPrefix(string(out), `{"verdict":"exposed",`) {
		t.Errorf("JSON %s, %v; want the verdict by name first", out, err)
	}
	if _, err := json.Marshal(&Report{}); err == nil {
		t.Error("a report without a verdict encodes")
	}
}
