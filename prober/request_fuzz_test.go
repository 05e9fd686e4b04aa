package prober

import (
	"errors"
	"net"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// fuzzRequestConfig has one module of each prober, one that lets /probe
// choose its source port and one that sweeps source ports.
const fuzzRequestConfig = `
modules:
  tcp:
    prober: tcp
  http:
    prober: http
    http:
      port: 8080
      path: /healthz
  grpc:
    prober: grpc
  override:
    prober: tcp
    source_port: 30000-30099
    source_port_override: true
  sweep:
    prober: tcp
    source_port_sweep:
      range: 30000-30099
`

// FuzzNewRequest feeds the one path from a /probe query or the probe
// command's flags to a probe with arbitrary modules, targets and source
// ports. Which targets are accepted is left to checkTarget (it is to be
// tightened); what is checked is that an accepted request is the one asked
// for, with a target its prober can dial.
func FuzzNewRequest(f *testing.F) {
	cfg, err := config.Parse([]byte(fuzzRequestConfig))
	if err != nil {
		f.Fatalf("the configuration does not parse: %v", err)
	}
	for _, s := range []struct {
		module, target, sourcePort     string
		hasSourcePort, fromCommandLine bool
	}{
		{"tcp", "10.0.0.5:9092", "", false, false},
		{"tcp", "[2001:db8::5]:9092", "", false, true},
		{"tcp", "kafka.example:9092", "30080", true, true},
		{"tcp", "10.0.0.5:9092", "30080", true, false},
		{"tcp", "10.0.0.5", "", false, false},
		{"tcp", "10.0.0.5:0", "", false, false},
		{"tcp", "10.0.0.5:65536", "", false, false},
		{"tcp", "10.0.0.5:+80", "", false, false},
		{"tcp", ":80", "", false, false},
		{"tcp", "", "", false, false},
		{"http", "http://10.0.0.5:8080/healthz", "", false, false},
		{"http", "https://[2001:db8::5]/", "", false, false},
		{"http", "10.0.0.5", "", false, false},
		{"http", "[2001:db8::5]", "", false, false},
		{"http", "10.0.0.5:8443", "", false, false},
		{"http", "ftp://10.0.0.5/", "", false, false},
		{"http", "http://:80/", "", false, false},
		{"http", "http://10.0.0.5:99999/", "", false, false},
		{"http", "a b", "", false, false},
		{"grpc", "10.0.0.5:50051", "", false, false},
		{"grpc", "http://10.0.0.5:50051", "", false, false},
		{"override", "10.0.0.5:80", "30050", true, false},
		{"override", "10.0.0.5:80", "ephemeral", true, false},
		{"override", "10.0.0.5:80", "0", true, false},
		{"override", "10.0.0.5:80", "30099-30000", true, false},
		{"override", "10.0.0.5:80", "1-65535", true, true},
		{"sweep", "10.0.0.5:80", "", false, false},
		{"sweep", "10.0.0.5:80", "30080", true, true},
		{"", "10.0.0.5:80", "", false, false},
		{"nope", "10.0.0.5:80", "", false, true},
	} {
		f.Add(s.module, s.target, s.sourcePort, s.hasSourcePort, s.fromCommandLine, int64(0))
	}
	f.Add("tcp", "10.0.0.5:80", "", false, false, int64(5*time.Second))
	f.Add("tcp", "10.0.0.5:80", "", false, false, int64(-1))

	f.Fuzz(func(t *testing.T, module, target, sourcePort string, hasSourcePort, fromCommandLine bool, timeout int64) {
		o := FromQuery
		if fromCommandLine {
			o = FromCommandLine
		}
		p := Params{Module: module, Target: target, SourcePort: sourcePort, HasSourcePort: hasSourcePort, Timeout: time.Duration(timeout)}
		req, err := NewRequest(cfg, o, p)
		if err != nil {
			// The handler counts unknown modules by Param.
			var re *RequestError
			if !errors.As(err, &re) || (re.Param != "module" && re.Param != "target" && re.Param != "source_port") {
				t.Fatalf("NewRequest(%+v): %#v, want a *RequestError naming module, target or source_port", p, err)
			}
			return
		}
		m, known := cfg.Modules[module]
		switch {
		case !known:
			t.Fatalf("NewRequest(%+v) accepted an unknown module", p)
		case req.Target != target:
			t.Errorf("NewRequest(%+v): target %q, want %q", p, req.Target, target)
		case req.ModuleName != module || !reflect.DeepEqual(req.Module, m):
			t.Errorf("NewRequest(%+v): module %q %v, want %q %v", p, req.ModuleName, req.Module, module, m)
		}
		if m.Prober != config.ProberHTTP {
			host, port, err := net.SplitHostPort(target)
			if err != nil {
				t.Fatalf("NewRequest(%+v): the %s prober got target %q, which is not host:port: %v", p, m.Prober, target, err)
			}
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				t.Errorf("NewRequest(%+v): the %s prober got port %q", p, m.Prober, port)
			}
			if host == "" {
				t.Errorf("NewRequest(%+v): the %s prober got no host", p, m.Prober)
			}
		}
		want := time.Duration(m.Timeout)
		if p.Timeout > 0 {
			want = p.Timeout
		}
		if req.Timeout != want {
			t.Errorf("NewRequest(%+v): timeout %v, want %v", p, req.Timeout, want)
		}
		// Anyone who can reach /probe chooses a source port only where the
		// module lets them; the operator, anywhere but in a sweep.
		switch {
		case !hasSourcePort && req.SourcePort != nil:
			t.Errorf("NewRequest(%+v): source port %v without one asked for", p, *req.SourcePort)
		case hasSourcePort && req.SourcePort == nil:
			t.Errorf("NewRequest(%+v): the source port asked for is dropped", p)
		case hasSourcePort && o == FromQuery && !m.SourcePortOverride:
			t.Errorf("NewRequest(%+v): /probe set the source port of a module without source_port_override", p)
		case hasSourcePort && m.SourcePortSweep != nil:
			t.Errorf("NewRequest(%+v): a source port for a sweep", p)
		case hasSourcePort && !req.SourcePort.IsEphemeral() && req.SourcePort.Ports.First == 0:
			t.Errorf("NewRequest(%+v): source port %v includes port 0", p, *req.SourcePort)
		case hasSourcePort && req.SourcePort.Ports.First > req.SourcePort.Ports.Last:
			t.Errorf("NewRequest(%+v): source ports %v end before they start", p, *req.SourcePort)
		}
	})
}
