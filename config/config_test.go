package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

func TestInvalidConfigsNameFileLineAndKey(t *testing.T) {
	want := map[string]string{
		"invalid-duplicate-key.yml":          `:4: modules.kafka: key "prober" is given twice`,
		"invalid-duplicate-module.yml":       `:4: modules: module "kafka" is defined twice`,
		"invalid-grpc-on-http.yml":           `:4: modules.web.grpc: these options are for the grpc prober, but this module's prober is http`,
		"invalid-header-missing-name.yml":    `:6: modules.web.http.http_headers[0].name: missing: every header needs a name`,
		"invalid-header-name.yml":            `:8: modules.web.http.http_headers[1].name: "X Bad" is not a valid HTTP header name`,
		"invalid-headers-not-list.yml":       `:6: modules.web.http.http_headers: want a list of {name, value} entries, got a mapping`,
		"invalid-host.yml":                   `:5: modules.web.http.host: "http://10.0.0.5:8080" is not a host name or IP address (give no scheme, port or path)`,
		"invalid-http-on-tcp.yml":            `:4: modules.kafka.http: these options are for the http prober, but this module's prober is tcp`,
		"invalid-kubelet-version.yml":        `:4: modules.kafka.kubelet_version: want a Kubernetes release such as "1.23", got "1.x"`,
		"invalid-missing-prober.yml":         `:3: modules.kafka.prober: missing: set it to one of tcp, http, grpc`,
		"invalid-module-name.yml":            `:2: modules: module name "my module": use letters, digits, '_', '-' and '.'`,
		"invalid-module-not-mapping.yml":     `:2: modules.kafka: want a mapping of keys to values, got "tcp"`,
		"invalid-modules-list.yml":           `:2: modules: want a mapping of module names to modules, got a list`,
		"invalid-negative-timeout.yml":       `:4: modules.kafka.timeout: want a duration such as 1s or 500ms, got "-1s"`,
		"invalid-old-kubelet-version.yml":    `:4: modules.kafka.kubelet_version: "1.13" is not supported: use 1.16 or later`,
		"invalid-path.yml":                   `:5: modules.web.http.path: "healthz" must start with /`,
		"invalid-port-type.yml":              `:5: modules.web.http.port: want a whole number, got "http"`,
		"invalid-port.yml":                   `:5: modules.web.http.port: 70000 is not a port: use 1 to 65535`,
		"invalid-scheme.yml":                 `:5: modules.web.http.scheme: "ftp": use http or https`,
		"invalid-source-ip.yml":              `:4: modules.kafka.source_ip_address: "10.0.0.300" is not an IP address`,
		"invalid-source-port.yml":            `:4: modules.kafka.source_port: "70000" is not a port (0-65535) or a range such as 30000-32767; or use "ephemeral" to let the kernel choose, as kubelet does`,
		"invalid-source-port-range.yml":      `:4: modules.kafka.source_port: range "32767-30000" ends before it starts; or use "ephemeral" to let the kernel choose, as kubelet does`,
		"invalid-strategy-single-port.yml":   `:5: modules.kafka.source_port_strategy: applies to a range of source ports, but source_port is 30080`,
		"invalid-strategy.yml":               `:5: modules.kafka.source_port_strategy: "round-robin": use sequential or random`,
		"invalid-sweep-with-source-port.yml": `:5: modules.sweep.source_port_sweep: source_port and source_port_sweep are alternatives: set one of them`,
		"invalid-sweep-http.yml":             `:4: modules.sweep.source_port_sweep: sweeps test the TCP handshake only: use it in a module whose prober is tcp, against the same host:port`,
		"invalid-sweep-count.yml":            `:6: modules.sweep.source_port_sweep.count: 5000: sweep 1 to 2768 ports of 30000-32767, or leave it out for all of them`,
		"invalid-sweep-missing-range.yml":    `:5: modules.sweep.source_port_sweep.range: missing: give the ports to sweep, e.g. 30000-32767`,
		"invalid-sweep-override.yml":         `:4: modules.sweep.source_port_override: lets the source_port parameter replace source_port; it does not apply to a source_port_sweep`,
		"invalid-syntax.yml":                 `:1: did not find expected key`,
		"invalid-timeout.yml":                `:4: modules.kafka.timeout: want a duration such as 1s or 500ms, got "2 seconds"`,
		"invalid-unknown-http-key.yml":       `:5: modules.web.http: unknown key "paht" (known keys: path, scheme, host, port, http_headers)`,
		"invalid-unknown-module-key.yml":     `:4: modules.kafka: unknown key "timeout_seconds" (known keys: prober, timeout, kubelet_version, source_ip_address, source_port, source_port_strategy, source_port_sweep, source_port_override, http, grpc)`,
		"invalid-unknown-prober.yml":         `:3: modules.ping.prober: unknown prober "icmp": use one of tcp, http, grpc`,
		"invalid-unknown-top-key.yml":        `:2: unknown key "modulez" (known keys: modules)`,
	}
	files, err := filepath.Glob("testdata/invalid-*.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("%d invalid fixtures, %d expectations: keep them in step", len(files), len(want))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c, err := Load(f)
			if err == nil {
				t.Fatalf("Load accepted it: %+v", c)
			}
			if got, exp := err.Error(), f+want[filepath.Base(f)]; got != exp {
				t.Errorf("error\n got: %s\nwant: %s", got, exp)
			}
		})
	}
}

func TestValidConfigGetsKubeletDefaults(t *testing.T) {
	c, err := Load("testdata/valid.yml")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	check("tcp_defaults", c.Modules["tcp_defaults"], Module{
		Prober: "tcp", Timeout: model.Duration(time.Second), KubeletVersion: DefaultKubeletVersion,
	})
	check("zero timeout", c.Modules["tcp_zero_timeout"].Timeout, model.Duration(time.Second))
	check("http_defaults.http", *c.Modules["http_defaults"].HTTP, HTTPProbe{Path: "/", Scheme: "http"})
	check("unquoted 1.20", c.Modules["http_unquoted_version"].KubeletVersion, KubeletVersion{1, 20})
	check("grpc_service.grpc", *c.Modules["grpc_service"].GRPC, GRPCProbe{Service: "orders"})

	all := c.Modules["http_all"]
	check("http_all.timeout", all.Timeout, model.Duration(2500*time.Millisecond))
	check("http_all.kubelet_version", all.KubeletVersion, KubeletVersion{1, 23})
	check("http_all.source_ip_address", all.SourceIPAddress, "198.18.0.1")
	check("http_all.http", *all.HTTP, HTTPProbe{
		Path: "/healthz?full=1", Scheme: "https", Host: "app.internal", Port: 8443,
		HTTPHeaders: HTTPHeaders{{"accept", ""}, {"X-Twice", "a"}, {"X-Twice", "b"}},
	})
	check("fixed_port", c.Modules["fixed_port"].SourcePort, SourcePort{ports.Range{First: 30080, Last: 30080}})
	check("port_range strategy", c.Modules["port_range"].SourcePortStrategy, StrategySequential)
	check("port_range override", c.Modules["port_range"].SourcePortOverride, true)
	check("port_range_random strategy", c.Modules["port_range_random"].SourcePortStrategy, StrategyRandom)
	check("ephemeral", c.Modules["ephemeral"].SourcePort.IsEphemeral(), true)
	check("sweep", *c.Modules["sweep"].SourcePortSweep, SourcePortSweep{Range: ports.Range{First: 30000, Last: 32767}, Count: 64, Parallelism: 16})
	check("sweep_all ports per scrape", c.Modules["sweep_all"].SourcePortSweep.PortsPerScrape(), 100)
	check("names", len(c.ModuleNames()), 12)
}

func TestExampleConfigIsValid(t *testing.T) {
	c, err := Load("../config.example.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, prober := range Probers {
		found := false
		for _, m := range c.Modules {
			found = found || m.Prober == prober
		}
		if !found {
			t.Errorf("config.example.yml has no %s module", prober)
		}
	}
}

func TestEmptyFileConfiguresNoModules(t *testing.T) {
	c, err := Parse(nil)
	if err != nil || len(c.Modules) != 0 {
		t.Fatalf("Parse(empty) = %+v, %v; want no modules, no error", c, err)
	}
	c, err = Parse([]byte("modules:\n"))
	if err != nil || len(c.Modules) != 0 {
		t.Fatalf("Parse(modules:) = %+v, %v; want no modules, no error", c, err)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yml")
	if !os.IsNotExist(err) {
		t.Fatalf("err = %v, want a not-exist error", err)
	}
}

func TestModuleRendersAsLoadableYAML(t *testing.T) {
	c, err := Load("testdata/valid.yml")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("modules:\n")
	for _, name := range c.ModuleNames() {
		b.WriteString("  " + name + ":\n")
		for _, line := range strings.Split(strings.TrimSpace(c.Modules[name].String()), "\n") {
			b.WriteString("    " + line + "\n")
		}
	}
	again, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatalf("rendered config does not load: %v\n%s", err, b.String())
	}
	if !reflect.DeepEqual(again, c) {
		t.Errorf("round trip changed the config:\n%s", b.String())
	}
}

func TestParseKubeletVersion(t *testing.T) {
	for in, want := range map[string]KubeletVersion{
		"1.16": {1, 16}, "v1.27": {1, 27}, "1.23.10": {1, 23}, "1.37": {1, 37},
	} {
		got, err := ParseKubeletVersion(in)
		if err != nil || got != want {
			t.Errorf("ParseKubeletVersion(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1", "2.0", "1.15", "1.2.3.4", "one.two", "1.-1"} {
		if got, err := ParseKubeletVersion(in); err == nil {
			t.Errorf("ParseKubeletVersion(%q) = %v, want an error", in, got)
		}
	}
}
