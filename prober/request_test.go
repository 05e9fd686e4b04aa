package prober

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// Every kind of bad input to /probe gets a 400 that says what was wrong
// and what would be right; none reaches a prober.
func TestHandlerRefusesHostileQueries(t *testing.T) {
	h, _ := newTestHandler(t, `
modules:
  tcp: {prober: tcp}
  web: {prober: http, http: {port: 8080}}
  open: {prober: tcp, source_port_override: true}
  range: {prober: tcp, source_port: 30000-30099, source_port_override: true}
`)
	long := strings.Repeat("a", 1025)
	cases := []struct{ query, want string }{
		{"module=tcp&target=10.0.0.5:80&module=tcp", "the module parameter is given 2 times: give it once"},
		{"module=tcp&target=a:1&target=b:1", "the target parameter is given 2 times: give it once"},
		{"module=tcp&target=10.0.0.5:80&host=x", `unknown parameter "host": /probe takes module, target, source_port, hostname, debug`},
		{"module=tcp&target=10.0.0.5:80&hostname=x", `hostname "x": the module's prober is tcp; a Host header is sent by http modules only`},
		{"module=web&target=10.0.0.5&hostname=a%20b", `hostname "a b": byte 1 is a space; give a host name or IP, with an optional :port, e.g. example.com or example.com:8443`},
		{"module=web&target=10.0.0.5&hostname=", `hostname "": the host is empty`},
		{"module=web&target=10.0.0.5&hostname=example.com:http", `hostname "example.com:http"`},
		{"module=tcp&target=10.0.0.5:80&debug=1", "debug=1: use debug=true for the probe's log and packet timeline, or debug=false"},
		{"module=tcp&target=10.0.0.5:80&debug", "debug=: use debug=true"},
		{"module=tcp&target=%zz", "the query string is malformed (invalid URL escape \"%zz\")"},
		{"module=tcp&target=" + long, "the target is 1025 bytes long, more than the 1024 a target may have"},
		{"module=tcp&target=10.0.0.5%20:80", `target "10.0.0.5 :80": byte 8 is a space, which no host, port or URL has`},
		{"module=tcp&target=10.0.0.5%00:80", `target "10.0.0.5\x00:80": byte 8 is the control character U+0000`},
		{"module=tcp&target=%0a10.0.0.5:80", `byte 0 is the control character U+000A`},
		{"module=tcp&target=%ff:80", `byte 0 is not valid UTF-8`},
		{"module=tcp&target=[00X::]:80", `target "[00X::]:80": host "00X::" is neither an IP address nor a DNS name`},
		{"module=tcp&target=bad_host.example:80", `host "bad_host.example" is neither an IP address nor a DNS name`},
		{"module=web&target=http://exa%20mple.com/", `byte 10 is a space`},
		{"module=web&target=bad..host", `host "bad..host" is neither an IP address nor a DNS name`},
		{"module=open&target=10.0.0.5:80&source_port=22",
			`source_port "22": ports below 1024 are the node's services: this module takes ports 1024-65535; declare a source_port range in the module to allow lower ones`},
		{"module=range&target=10.0.0.5:80&source_port=31000",
			`source_port "31000": outside the module's source_port 30000-30099, which an override must stay inside`},
	}
	for _, c := range cases {
		code, body := get(t, h, "/probe?"+c.query, nil)
		if code != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("GET /probe?%.80s = %d %q\nwant 400 with %q", c.query, code, body, c.want)
		}
	}
}

func TestHandlerAcceptsWhatKubeletWouldProbe(t *testing.T) {
	h, _ := newTestHandler(t, `
modules:
  tcp: {prober: tcp, timeout: 200ms}
  web: {prober: http, timeout: 200ms, http: {port: 8080}}
  range: {prober: tcp, timeout: 200ms, source_port: 30000-30099, source_port_override: true}
`)
	addr := closedPort(t)
	for _, query := range []string{
		"module=tcp&target=" + addr,
		"module=tcp&target=" + addr + "&debug=false",
		"module=web&target=http://" + addr + "/healthz?full=1",
		"module=range&target=" + addr + "&source_port=30050",
		"module=range&target=" + addr + "&source_port=ephemeral",
	} {
		if code, body := get(t, h, "/probe?"+query, nil); code != http.StatusOK {
			t.Errorf("GET /probe?%s = %d %s", query, code, body)
		}
	}
}

// An IPv6 zone (a link-local address on an interface) is kept, as
// kubelet's dialer keeps it, rather than dropped.
func TestTargetsKeepTheirIPv6Zone(t *testing.T) {
	for _, target := range []string{"[fe80::1%lo]:80", "[fe80::1%1]:80"} {
		if err := checkTarget(target, mustModule(t, "prober: tcp")); err != nil {
			t.Errorf("%s: %v", target, err)
		}
	}
	if err := checkTarget("http://[fe80::1%25lo]:8080/", mustModule(t, "prober: http")); err != nil {
		t.Errorf("URL with a zone: %v", err)
	}
}

func TestCursorsAreBounded(t *testing.T) {
	c := newPortCursors()
	for first := 1024; first < 1024+3*maxCursors; first++ {
		sp := mustSourcePort(t, first)
		c.sourcePort(Request{ModuleName: "m", Module: mustModule(t, "prober: tcp\nsource_port_override: true"), SourcePort: &sp})
	}
	if n := len(c.next); n > maxCursors {
		t.Errorf("%d cursors kept after %d distinct ranges, want at most %d", n, 3*maxCursors, maxCursors)
	}
}

// mustSourcePort is the two-port range first-(first+1).
func mustSourcePort(t *testing.T, first int) config.SourcePort {
	t.Helper()
	sp, err := config.ParseSourcePort(fmt.Sprintf("%d-%d", first, first+1))
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// A module written as a pod spec's tcpSocket or grpc takes the pod IP
// alone, and adds its port, as kubelet adds it.
func TestModulePortsCompleteABareHost(t *testing.T) {
	cfg, err := config.Parse([]byte(`modules:
  kafka: {kubernetes_probe: {tcpSocket: {port: 9092}}}
  redirected: {kubernetes_probe: {tcpSocket: {port: 9092, host: 198.18.0.7}}}
  orders: {kubernetes_probe: {grpc: {port: 9090}}}
  named: {kubernetes_probe: {tcpSocket: {port: kafka}}}
  plain: {prober: tcp}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ module, target, want string }{
		{"kafka", "198.18.0.2", "198.18.0.2:9092"},
		{"kafka", "[2001:db8::2]", "[2001:db8::2]:9092"},
		{"kafka", "198.18.0.2:19092", "198.18.0.2:19092"}, // the target's port wins
		{"redirected", "198.18.0.2", "198.18.0.7:9092"},
		{"orders", "198.18.0.2", "198.18.0.2:9090"},
	} {
		req, err := NewRequest(cfg, FromQuery, Params{Module: c.module, Target: c.target})
		if err != nil || req.Target != c.want {
			t.Errorf("%s %s: %q, %v; want %q", c.module, c.target, req.Target, err, c.want)
		}
	}
	for _, c := range []struct{ module, target, want string }{
		{"named", "198.18.0.2", `port "kafka" is a name, which kubelet looks up in the container's ports: a named port needs a pod`},
		{"plain", "198.18.0.2", `target "198.18.0.2": not host:port: the tcp prober takes host:port, e.g. 10.0.0.5:9092 or [2001:db8::5]:9092, or just the host when the module sets tcp.port`},
	} {
		if _, err := NewRequest(cfg, FromQuery, Params{Module: c.module, Target: c.target}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %v, want %q", c.module, c.target, err, c.want)
		}
	}
}
