package kubelet

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated tables of README.md and docs/kubelet.md")

func TestParse(t *testing.T) {
	for in, want := range map[string]struct {
		r     Release
		given bool
	}{
		"1.26":     {V(1, 26, 15), false},
		"1.26.2":   {V(1, 26, 2), true},
		"v1.26.2":  {V(1, 26, 2), true},
		"v1.23":    {V(1, 23, 17), false},
		"1.37.0":   {V(1, 37, 0), true},
		"1.16.0":   {V(1, 16, 0), true},
		"1.23.16":  {V(1, 23, 16), true},
		"1.20":     {V(1, 20, 15), false},
		"1.37":     {Newest, false},
		"v1.24.11": {V(1, 24, 11), true},
	} {
		r, given, err := Parse(in)
		if err != nil || r != want.r || given != want.given {
			t.Errorf("Parse(%q) = %v, %v, %v; want %v, %v", in, r, given, err, want.r, want.given)
		}
	}
	for in, msg := range map[string]string{
		"1.23.18":   `"1.23.18" is not a release this exporter knows: the newest 1.23 release it knows is 1.23.17`,
		"1.38":      `"1.38" is not a release this exporter knows: use 1.16 to 1.37`,
		"1.15.3":    `"1.15.3" is not supported: use 1.16 or later`,
		"2.0":       `"2.0" is not supported: use 1.16 or later`,
		"1":         `want a Kubernetes release such as "1.26" or "1.26.2", got "1"`,
		"1.26.2.1":  `want a Kubernetes release such as "1.26" or "1.26.2", got "1.26.2.1"`,
		"1.26.x":    `want a Kubernetes release such as "1.26" or "1.26.2", got "1.26.x"`,
		"1.+26":     `want a Kubernetes release such as "1.26" or "1.26.2", got "1.+26"`,
		"1.26.-1":   `want a Kubernetes release such as "1.26" or "1.26.2", got "1.26.-1"`,
		"vv1.26":    `want a Kubernetes release such as "1.26" or "1.26.2", got "vv1.26"`,
		"1.26.2-rc": `want a Kubernetes release such as "1.26" or "1.26.2", got "1.26.2-rc"`,
	} {
		if _, _, err := Parse(in); err == nil || err.Error() != msg {
			t.Errorf("Parse(%q) error = %v, want %s", in, err, msg)
		}
	}
}

// TestHasFollowsBackports checks the table's patch boundaries where
// kubelet's source was read at both sides (docs/kubelet.md).
func TestHasFollowsBackports(t *testing.T) {
	for _, tc := range []struct {
		c    Change
		r    Release
		want bool
	}{
		{LingerHTTPTCP, V(1, 23, 15), false}, {LingerHTTPTCP, V(1, 23, 17), true},
		{LingerHTTPTCP, V(1, 24, 10), false}, {LingerHTTPTCP, V(1, 24, 11), true},
		{LingerHTTPTCP, V(1, 25, 6), false}, {LingerHTTPTCP, V(1, 25, 7), true},
		{LingerHTTPTCP, V(1, 26, 1), false}, {LingerHTTPTCP, V(1, 26, 2), true},
		{LingerHTTPTCP, V(1, 22, 17), false}, {LingerHTTPTCP, V(1, 37, 2), true},
		{LingerGRPC, V(1, 26, 15), false}, {LingerGRPC, V(1, 27, 0), true},
		{CanonicalHeaderNames, V(1, 24, 13), false}, {CanonicalHeaderNames, V(1, 24, 14), true},
		{CanonicalHeaderNames, V(1, 25, 9), false}, {CanonicalHeaderNames, V(1, 25, 10), true},
		{CanonicalHeaderNames, V(1, 26, 4), false}, {CanonicalHeaderNames, V(1, 26, 5), true},
		{CanonicalHeaderNames, V(1, 27, 1), false}, {CanonicalHeaderNames, V(1, 27, 2), true},
		{CanonicalHeaderNames, V(1, 23, 17), false}, {CanonicalHeaderNames, V(1, 28, 0), true},
		{RedirectOutputPrefix, V(1, 23, 17), false}, {RedirectOutputPrefix, V(1, 24, 0), true},
		{AcceptHeader, V(1, 19, 16), false}, {AcceptHeader, V(1, 20, 0), true},
		{NamedPortByNameOnly, V(1, 36, 3), false}, {NamedPortByNameOnly, V(1, 37, 0), true},
	} {
		if got := tc.r.Has(tc.c); got != tc.want {
			t.Errorf("%s has change %d = %v, want %v", tc.r, tc.c, got, tc.want)
		}
	}
}

func TestEveryLandingIsAKnownRelease(t *testing.T) {
	for _, w := range table {
		for i, l := range w.landings {
			if _, _, err := Parse(l.Release.String()); err != nil {
				t.Errorf("change %d: %s", w.change, err)
			}
			if i > 0 && !w.landings[i-1].Release.Less(l.Release) {
				t.Errorf("change %d: landings out of order at %s", w.change, l.Release)
			}
		}
	}
}

func TestGates(t *testing.T) {
	checks := []struct {
		name string
		r    Release
		set  map[string]bool
		want bool
	}{
		{GRPCContainerProbe, V(1, 22, 17), nil, false},
		{GRPCContainerProbe, V(1, 23, 17), nil, false},
		{GRPCContainerProbe, V(1, 23, 17), map[string]bool{GRPCContainerProbe: true}, true},
		{GRPCContainerProbe, V(1, 24, 0), nil, true},
		{GRPCContainerProbe, V(1, 26, 1), map[string]bool{GRPCContainerProbe: false}, false},
		{GRPCContainerProbe, V(1, 29, 0), nil, true},
		{H2CContainerProbe, V(1, 37, 2), nil, false},
		{H2CContainerProbe, V(1, 37, 2), map[string]bool{H2CContainerProbe: true}, true},
		{GRPCContainerProbeTLS, V(1, 36, 3), map[string]bool{GRPCContainerProbeTLS: true}, false},
	}
	for _, c := range checks {
		if got := Enabled(c.name, c.r, c.set); got != c.want {
			t.Errorf("Enabled(%s, %s, %v) = %v, want %v", c.name, c.r, c.set, got, c.want)
		}
	}
	for _, c := range []struct {
		name string
		on   bool
		r    Release
		msg  string
	}{
		{"GRPCProbes", true, V(1, 37, 2), `unknown feature gate "GRPCProbes": the probe feature gates are GRPCContainerProbe, H2CContainerProbe, GRPCContainerProbeTLS`},
		{GRPCContainerProbe, true, V(1, 22, 17), "kubelet 1.22 has no feature gate GRPCContainerProbe: it came in 1.23"},
		{GRPCContainerProbe, false, V(1, 27, 0), "kubelet 1.27 locks GRPCContainerProbe (GA) to true: kubelet would not start with it set to false"},
		{GRPCContainerProbe, true, V(1, 30, 0), "kubelet 1.30 has no feature gate GRPCContainerProbe any more: it was removed in 1.29, and the feature is always on; remove the gate"},
		{H2CContainerProbe, true, V(1, 36, 3), "kubelet 1.36 has no feature gate H2CContainerProbe: it came in 1.37"},
		{GRPCContainerProbe, true, V(1, 27, 0), ""},
		{H2CContainerProbe, false, V(1, 37, 0), ""},
	} {
		err := CheckGate(c.name, c.on, c.r)
		if (err == nil) != (c.msg == "") || (err != nil && err.Error() != c.msg) {
			t.Errorf("CheckGate(%s=%v, %s) = %v, want %q", c.name, c.on, c.r, err, c.msg)
		}
	}
}

// TestDocumentsShowTheTable keeps README's and docs/kubelet.md's tables
// generated from this package's; -update rewrites them.
func TestDocumentsShowTheTable(t *testing.T) {
	for _, path := range []string{"../../README.md", "../../docs/kubelet.md"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(data)
		start, end := strings.Index(doc, beginMarker), strings.Index(doc, endMarker)
		if start < 0 || end < start {
			t.Fatalf("%s: no %q ... %q block for the generated table", path, beginMarker, endMarker)
		}
		want := doc[:start] + beginMarker + "\n" + Markdown() + doc[end:]
		if want == doc {
			continue
		}
		if !*update {
			t.Errorf("%s: the table of kubelet releases is not internal/kubelet's: run go test ./internal/kubelet -update", path)
			continue
		}
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const (
	beginMarker = "<!-- generated by internal/kubelet from its table: go test ./internal/kubelet -update -->"
	endMarker   = "<!-- end of the generated table -->"
)
