package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/kubeprobe/kubeprobe_exporter/internal/kubelet"
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

func TestInvalidConfigsNameFileLineAndKey(t *testing.T) {
	want := map[string]string{
		"invalid-duplicate-key.yml":                 `:4: modules.kafka: key "prober" is given twice`,
		"invalid-duplicate-module.yml":              `:4: modules: module "kafka" is defined twice`,
		"invalid-grpc-on-http.yml":                  `:4: modules.web.grpc: these options are for the grpc prober, but this module's prober is http`,
		"invalid-header-missing-name.yml":           `:6: modules.web.http.http_headers[0].name: missing: every header needs a name`,
		"invalid-header-name.yml":                   `:8: modules.web.http.http_headers[1].name: "X Bad" is not a valid HTTP header name`,
		"invalid-headers-not-list.yml":              `:6: modules.web.http.http_headers: want a list of {name, value} entries, got a mapping`,
		"invalid-host.yml":                          `:5: modules.web.http.host: "http://10.0.0.5:8080" is not a host name or IP address (give no scheme, port or path)`,
		"invalid-http-on-tcp.yml":                   `:4: modules.kafka.http: these options are for the http prober, but this module's prober is tcp`,
		"invalid-kubelet-version.yml":               `:4: modules.kafka.kubelet_version: want a Kubernetes release such as "1.26" or "1.26.2", got "1.x"`,
		"invalid-missing-prober.yml":                `:3: modules.kafka.prober: missing: set it to one of tcp, http, grpc`,
		"invalid-module-name.yml":                   `:2: modules: module name "my module": use letters, digits, '_', '-' and '.'`,
		"invalid-module-not-mapping.yml":            `:2: modules.kafka: want a mapping of keys to values, got "tcp"`,
		"invalid-modules-list.yml":                  `:2: modules: want a mapping of module names to modules, got a list`,
		"invalid-negative-timeout.yml":              `:4: modules.kafka.timeout: want a duration such as 1s or 500ms, got "-1s"`,
		"invalid-old-kubelet-version.yml":           `:4: modules.kafka.kubelet_version: "1.13" is not supported: use 1.16 or later`,
		"invalid-port-type.yml":                     `:5: modules.web.http.port: "HTTP_1" is neither a port number nor a port name: a name must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), must contain at least one letter (a-z)`,
		"invalid-port.yml":                          `:5: modules.web.http.port: 70000 is not a port: use 1 to 65535`,
		"invalid-scheme.yml":                        `:5: modules.web.http.scheme: "ftp": use http or https`,
		"invalid-source-ip.yml":                     `:4: modules.kafka.source_ip_address: "10.0.0.300" is not an IP address`,
		"invalid-source-port.yml":                   `:4: modules.kafka.source_port: "70000" is not a port (0-65535) or a range such as 30000-32767; or use "ephemeral" to let the kernel choose, as kubelet does`,
		"invalid-source-port-range.yml":             `:4: modules.kafka.source_port: range "32767-30000" ends before it starts; or use "ephemeral" to let the kernel choose, as kubelet does`,
		"invalid-strategy-single-port.yml":          `:5: modules.kafka.source_port_strategy: applies to a range of source ports, but source_port is 30080`,
		"invalid-strategy.yml":                      `:5: modules.kafka.source_port_strategy: "round-robin": use sequential or random`,
		"invalid-sweep-with-source-port.yml":        `:5: modules.sweep.source_port_sweep: source_port and source_port_sweep are alternatives: set one of them`,
		"invalid-sweep-http.yml":                    `:4: modules.sweep.source_port_sweep: sweeps test the TCP handshake only: use it in a module whose prober is tcp, against the same host:port`,
		"invalid-sweep-count.yml":                   `:6: modules.sweep.source_port_sweep.count: 5000: sweep 1 to 2768 ports of 30000-32767, or leave it out for all of them`,
		"invalid-sweep-missing-range.yml":           `:5: modules.sweep.source_port_sweep.range: missing: give the ports to sweep, e.g. 30000-32767`,
		"invalid-sweep-override.yml":                `:4: modules.sweep.source_port_override: lets the source_port parameter replace source_port; it does not apply to a source_port_sweep`,
		"invalid-syntax.yml":                        `:1: did not find expected key`,
		"invalid-timeout.yml":                       `:4: modules.kafka.timeout: want a duration such as 1s or 500ms, got "2 seconds"`,
		"invalid-unknown-http-key.yml":              `:5: modules.web.http: unknown key "paht" (known keys: path, scheme, host, port, http_headers, protocol)`,
		"invalid-unknown-module-key.yml":            `:4: modules.kafka: unknown key "timeout_seconds" (known keys: prober, timeout, kubelet_version, source_ip_address, source_port, source_port_strategy, source_port_sweep, source_port_override, http, grpc, tcp, kubernetes_probe, probe_targets, feature_gates)`,
		"invalid-unknown-prober.yml":                `:3: modules.ping.prober: unknown prober "icmp": use one of tcp, http, grpc`,
		"invalid-kubernetes-probe-exec.yml":         `:4: modules.kafka.kubernetes_probe: exec probes run a command inside the container, which the exporter cannot do: probe what the command checks with httpGet, tcpSocket or grpc`,
		"invalid-kubernetes-probe-port.yml":         `:3: modules.web.kubernetes_probe: httpGet.port: 70000 is not a port: use 1 to 65535`,
		"invalid-kubernetes-probe-quoted.yml":       `:4: modules.web.kubernetes_probe: not a pod spec's probe: cannot unmarshal string into Go struct field Probe.periodSeconds of type int32`,
		"invalid-kubernetes-probe-two-handlers.yml": `:4: modules.kafka.kubernetes_probe: want exactly one of httpGet, tcpSocket, grpc and exec, as the API server does; got 2`,
		"invalid-kubernetes-probe-typo.yml":         `:4: modules.kafka.kubernetes_probe: not a pod spec's probe: unknown field "tcpSocke" (a probe has httpGet, tcpSocket, grpc or exec, and initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold, failureThreshold)`,
		"invalid-kubernetes-probe-with-prober.yml":  `:3: modules.kafka.prober: kubernetes_probe already gives the prober, its fields and the timeout: drop prober`,
		"invalid-scheduled-duplicate.yml":           `:5: scheduled[1].type: kafka-0 already has a readiness probe: a container has one of each type`,
		"invalid-scheduled-missing-target.yml":      `:4: scheduled[0].target: missing: give what to probe, as /probe's target parameter takes it`,
		"invalid-scheduled-period.yml":              `:4: scheduled[0].periodSeconds: 0 must be greater than or equal to 1`,
		"invalid-scheduled-success-threshold.yml":   `:4: scheduled[0].successThreshold: must be 1 for liveness probes, as the API server requires`,
		"invalid-scheduled-type.yml":                `:4: scheduled[0].type: "ready": use readiness, liveness or startup`,
		"invalid-scheduled-unknown-module.yml":      `:4: scheduled[0].module: unknown module "kafak": use one of kafka`,
		"invalid-tcp-on-http.yml":                   `:4: modules.web.tcp: these options are for the tcp prober, but this module's prober is http`,
		"invalid-unknown-top-key.yml":               `:2: unknown key "modulez" (known keys: modules, probe_targets, scheduled)`,

		"invalid-empty-module.yml":           `:2: modules.a: the module is empty: set at least prober: tcp, http or grpc`,
		"invalid-null-module.yml":            `:4: modules.a: the module is empty: set at least prober: tcp, http or grpc`,
		"invalid-empty-file.yml":             `:1: modules: missing: define at least one module, e.g. modules: {tcp_connect: {prober: tcp}}`,
		"invalid-comments-only.yml":          `:1: modules: missing: define at least one module, e.g. modules: {tcp_connect: {prober: tcp}}`,
		"invalid-empty-document.yml":         `:1: modules: missing: define at least one module, e.g. modules: {tcp_connect: {prober: tcp}}`,
		"invalid-no-modules.yml":             `:2: modules: missing: define at least one module, e.g. modules: {tcp_connect: {prober: tcp}}`,
		"invalid-modules-null.yml":           `:1: modules: missing: define at least one module, e.g. modules: {tcp_connect: {prober: tcp}}`,
		"invalid-modules-empty-mapping.yml":  `:1: modules: missing: define at least one module, e.g. modules: {tcp_connect: {prober: tcp}}`,
		"invalid-second-document.yml":        `:4: a second YAML document: the configuration is one document`,
		"invalid-quoted-bool.yml":            `:5: modules.m.source_port_override: want true or false, got the string "yes"`,
		"invalid-yaml11-bool.yml":            `:5: modules.m.source_port_override: want true or false, got the string "yes"`,
		"invalid-quoted-port.yml":            `:5: modules.m.http.port: want a port number or a port name, got the string "8080": a name has a letter; for the number, write 8080 without quotes`,
		"invalid-octal-port.yml":             `:5: modules.m.http.port: want a whole number, got "0700": YAML 1.1 reads a leading 0 as octal, YAML 1.2 does not; write 700`,
		"invalid-float-port.yml":             `:5: modules.m.http.port: want a whole number, got "8080.5"`,
		"invalid-quoted-count.yml":           `:6: modules.m.source_port_sweep.count: want a whole number, got the string "64"`,
		"invalid-future-kubelet-version.yml": `:4: modules.m.kubelet_version: "1.9999" is not a release this exporter knows: use 1.16 to 1.37`,
		"invalid-null-tagged-module.yml":     `:4: modules.web: a mapping tagged !!null: remove the tag`,
		"invalid-null-tagged-deny.yml":       `:2: probe_targets.deny: a list tagged !!null: remove the tag`,
		"invalid-header-empty-entry.yml":     `:8: modules.web.http.http_headers[1]: the entry is empty: want a header such as {name: X-Probe, value: readiness}`,
		"invalid-target-pattern.yml":         `:7: modules.m.probe_targets.allow[1]: "10.0.0.0/33" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"invalid-target-host-bits.yml":       `:5: modules.m.probe_targets.deny[0]: "10.0.0.5/8" has bits set after its /8 prefix: write the network, 10.0.0.0/8, or the one address, 10.0.0.5`,
		"invalid-target-unknown-key.yml":     `:6: modules.m.probe_targets: unknown key "denied" (known keys: allow, deny)`,
		"invalid-target-host-name.yml":       `:4: probe_targets.allow[1]: "db_1.example.com" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"invalid-target-numeric-name.yml":    `:3: probe_targets.deny[0]: "10.0.0.300" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"invalid-target-zone.yml":            `:5: modules.m.probe_targets.allow[0]: "fe80::1%eth0" has a zone, which a pattern cannot hold: write fe80::1, which matches the address on every interface`,
		"invalid-target-empty-entry.yml":     `:5: modules.m.probe_targets.allow[1]: the entry is empty: want a CIDR, an IP address or a host name`,
		"invalid-targets-not-list.yml":       `:5: modules.m.probe_targets.allow: want a list such as [10.244.0.0/16, db.example.com], got "10.0.0.0/8"`,
		"invalid-target-not-scalar.yml":      `:6: modules.m.probe_targets.allow[0]: want a CIDR, an IP address or a host name, got a mapping`,

		"invalid-unknown-patch.yml":         `:4: modules.m.kubelet_version: "v1.23.18" is not a release this exporter knows: the newest 1.23 release it knows is 1.23.17`,
		"invalid-unknown-minor.yml":         `:4: modules.m.kubelet_version: "1.38.0" is not a release this exporter knows: use 1.16 to 1.37`,
		"invalid-grpc-before-1.23.yml":      `:3: modules.orders.prober: kubelet 1.22 has no grpc probes: they came in 1.23, behind the feature gate GRPCContainerProbe; set kubelet_version to 1.23 or later`,
		"invalid-grpc-gate-off.yml":         `:3: modules.orders.prober: grpc probes are alpha in kubelet 1.23, behind the feature gate GRPCContainerProbe, which is off by default: set feature_gates: {GRPCContainerProbe: true}, as the node's kubelet must`,
		"invalid-grpc-gate-turned-off.yml":  `:3: modules.orders.prober: feature_gates turns GRPCContainerProbe off, and kubelet 1.25 has no grpc probes without it`,
		"invalid-feature-gate-unknown.yml":  `:6: modules.m.feature_gates.GRPCProbes: unknown feature gate "GRPCProbes": the probe feature gates are GRPCContainerProbe, H2CContainerProbe, GRPCContainerProbeTLS`,
		"invalid-feature-gate-locked.yml":   `:5: modules.orders.feature_gates.GRPCContainerProbe: kubelet 1.27 locks GRPCContainerProbe (GA) to true: kubelet would not start with it set to false`,
		"invalid-feature-gate-too-new.yml":  `:6: modules.m.feature_gates.H2CContainerProbe: kubelet 1.36 has no feature gate H2CContainerProbe: it came in 1.37`,
		"invalid-feature-gate-value.yml":    `:5: modules.m.feature_gates.H2CContainerProbe: want true or false, got the string "yes"`,
		"invalid-feature-gates-list.yml":    `:4: modules.m.feature_gates: want a mapping of feature gate names to true or false, such as {GRPCContainerProbe: true}, got a list`,
		"invalid-h2c-before-1.37.yml":       `:6: modules.m.http.protocol: kubelet 1.36 has no httpGet.protocol: it came in 1.37, behind the feature gate H2CContainerProbe`,
		"invalid-h2c-https.yml":             `:6: modules.m.http.protocol: HTTP2 is h2c, HTTP/2 over cleartext: kubelet takes it with scheme http only`,
		"invalid-http-protocol.yml":         `:5: modules.m.http.protocol: "h2": use HTTP1 or HTTP2`,
		"invalid-grpc-mode.yml":             `:5: modules.orders.grpc.mode: "tls": use Plaintext or TLS`,
		"invalid-grpc-mode-before-1.37.yml": `:6: modules.orders.grpc.mode: kubelet 1.30 has no grpc.mode: it came in 1.37, behind the feature gate GRPCContainerProbeTLS`,
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
	check("unquoted 1.20", c.Modules["http_unquoted_version"].KubeletVersion, KubeletVersion{Release: kubelet.V(1, 20, 15)})
	check("grpc_service.grpc", *c.Modules["grpc_service"].GRPC, GRPCProbe{Service: "orders"})

	all := c.Modules["http_all"]
	check("http_all.timeout", all.Timeout, model.Duration(2500*time.Millisecond))
	check("http_all.kubelet_version", all.KubeletVersion, KubeletVersion{Release: kubelet.V(1, 23, 10), PatchGiven: true})
	check("http_all.source_ip_address", all.SourceIPAddress, "198.18.0.1")
	check("http_all.http", *all.HTTP, HTTPProbe{
		Path: "/healthz?full=1", Scheme: "https", Host: "app.internal", Port: Port{Number: 8443},
		HTTPHeaders: HTTPHeaders{{Name: "accept"}, {Name: "X-Twice", Value: "a"}, {Name: "X-Twice", Value: "b"}},
	})
	check("fixed_port", c.Modules["fixed_port"].SourcePort, SourcePort{ports.Range{First: 30080, Last: 30080}})
	check("port_range strategy", c.Modules["port_range"].SourcePortStrategy, StrategySequential)
	check("port_range override", c.Modules["port_range"].SourcePortOverride, true)
	check("port_range_random strategy", c.Modules["port_range_random"].SourcePortStrategy, StrategyRandom)
	check("ephemeral", c.Modules["ephemeral"].SourcePort.IsEphemeral(), true)
	check("sweep", *c.Modules["sweep"].SourcePortSweep, SourcePortSweep{Range: ports.Range{First: 30000, Last: 32767}, Count: 64, Parallelism: 16})
	check("sweep_all ports per scrape", c.Modules["sweep_all"].SourcePortSweep.PortsPerScrape(), 100)
	check("ephemeral override", c.Modules["ephemeral"].SourcePortOverride, false)
	check("targets", c.Modules["targets"].ProbeTargets, TargetPolicy{
		Allow: []TargetPattern{
			{Prefix: netip.MustParsePrefix("10.244.0.0/16")},
			{Prefix: netip.MustParsePrefix("fd00::/8")},
			{Prefix: netip.MustParsePrefix("10.0.0.5/32")},
			{Host: "db.example.com"},
			{Host: "*.svc.cluster.local"},
			{Prefix: netip.MustParsePrefix("192.0.2.1/32")},
		},
		Deny: []TargetPattern{{Prefix: netip.MustParsePrefix("169.254.169.254/32")}},
	})
	check("no top-level policy", c.ProbeTargets.IsZero(), true)
	check("relative path", c.Modules["http_relative"].HTTP.Path, "healthz")
	check("query path", c.Modules["http_query"].HTTP.Path, "?foo")
	check("named port", c.Modules["http_query"].HTTP.Port, Port{Name: "http-alt"})
	check("grpc 1.23 with its gate", c.Modules["grpc_alpha"].FeatureGates, FeatureGates{"GRPCContainerProbe": true})
	check("h2c", *c.Modules["h2c"].HTTP, HTTPProbe{Path: "/", Scheme: "http", Protocol: ProtocolHTTP2})
	check("grpc tls", *c.Modules["grpc_tls"].GRPC, GRPCProbe{Mode: ModeTLS})
	check("names", len(c.ModuleNames()), 18)
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

// A configuration without modules is refused (it used to configure none):
// every probe would fail, and a reload would drop the running modules.
func TestConfigWithoutModulesIsRefused(t *testing.T) {
	const want = "line 1: modules: missing: define at least one module, e.g. modules: {tcp_connect: {prober: tcp}}"
	for _, in := range []string{"", "\n", "# nothing yet\n", "modules:\n", "modules: ~\n", "modules: {}\n", "~\n", "probe_targets: {deny: [169.254.169.254]}\n"} {
		c, err := Parse([]byte(in))
		if err == nil || err.Error() != want {
			t.Errorf("Parse(%q) = %+v, %v; want the error %s", in, c, err, want)
		}
	}
	if c, err := Parse(nil); err == nil || err.Error() != want {
		t.Errorf("Parse(nil) = %+v, %v; want the error %s", c, err, want)
	}
}

// yaml.v3 turns 'yes', on and off into bools and truncates 80.5 into an
// int; the fixtures above show those refused. Plain booleans and numbers,
// in any of YAML 1.2's spellings, still load.
func TestPlainBoolsAndNumbersLoad(t *testing.T) {
	c, err := Parse([]byte("modules:\n" +
		"  a: {prober: tcp, source_port: 30000-30009, source_port_override: True}\n" +
		"  b: {prober: tcp, source_port_override: FALSE}\n" +
		"  c: {prober: http, http: {port: 0x1F90}}\n" +
		"  d: {prober: tcp, source_port_sweep: {range: 30000-30099, count: 64, parallelism: ~}}\n" +
		"  e: {prober: tcp, source_port_sweep: {range: 30000-30099, count: !!int '8'}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Modules["a"].SourcePortOverride || c.Modules["b"].SourcePortOverride {
		t.Errorf("source_port_override: True -> %v, FALSE -> %v", c.Modules["a"].SourcePortOverride, c.Modules["b"].SourcePortOverride)
	}
	if got := c.Modules["c"].HTTP.Port; got != (Port{Number: 8080}) {
		t.Errorf("port: 0x1F90 -> %v, want 8080", got)
	}
	if got := *c.Modules["d"].SourcePortSweep; got.Count != 64 || got.Parallelism != defaultSweepParallelism {
		t.Errorf("sweep = %+v, want count 64 and the default parallelism", got)
	}
	if got := c.Modules["e"].SourcePortSweep.Count; got != 8 {
		t.Errorf("count: !!int '8' -> %d, want 8: an explicit tag is meant", got)
	}
}

func TestTopLevelProbeTargets(t *testing.T) {
	c, err := Parse([]byte("probe_targets:\n  deny: [169.254.169.254, \"*.internal\"]\nmodules:\n  a: {prober: tcp}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := TargetPolicy{Deny: []TargetPattern{{Prefix: netip.MustParsePrefix("169.254.169.254/32")}, {Host: "*.internal"}}}
	if !reflect.DeepEqual(c.ProbeTargets, want) {
		t.Errorf("probe_targets = %+v, want %+v", c.ProbeTargets, want)
	}
	if !c.Modules["a"].ProbeTargets.IsZero() {
		t.Errorf("module a has a policy of its own: %+v", c.Modules["a"].ProbeTargets)
	}
	// /config shows the running configuration with yaml.Marshal; what it
	// shows must load back as the same configuration.
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("rendered config does not load: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(again, c) {
		t.Errorf("round trip changed the config:\n%s", out)
	}
	if !strings.Contains(string(out), "probe_targets:\n    deny:\n        - 169.254.169.254\n        - '*.internal'\n") {
		t.Errorf("rendered config does not show the policy as written:\n%s", out)
	}
}

func TestSecretHeadersAreNeverRendered(t *testing.T) {
	c, err := Parse([]byte(`modules:
  web:
    prober: http
    http:
      http_headers:
        - {name: authorization, value: Bearer s3cr3t-token}
        - {name: Cookie, value: session=s3cr3t-cookie}
        - {name: X-Token, value: s3cr3t-x-token, secret: true}
        - {name: X-Probe, value: readiness}
`))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Modules["web"]
	if got := m.HTTP.HTTPHeaders[0].Value; got != "Bearer s3cr3t-token" {
		t.Errorf("the parsed header holds %q: the real value must still be sent", got)
	}
	configOut, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for what, out := range map[string]string{"Module.String": m.String(), "the /config rendering": string(configOut)} {
		if strings.Contains(out, "s3cr3t") {
			t.Errorf("%s shows a secret value:\n%s", what, out)
		}
		for _, want := range []string{
			"- name: authorization\n  value: <secret>\n",
			"- name: Cookie\n  value: <secret>\n",
			"- name: X-Token\n  value: <secret>\n  secret: true\n",
			"- name: X-Probe\n  value: readiness\n",
		} {
			if !strings.Contains(unindent(out), want) {
				t.Errorf("%s does not render %q:\n%s", what, want, out)
			}
		}
	}
	if _, err := Parse(configOut); err != nil {
		t.Errorf("the redacted rendering does not load: %v", err)
	}
}

// unindent strips the indentation that nesting adds in front of every line
// of a list entry, so that an entry can be looked for wherever it is.
func unindent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.TrimLeft(l, " ")
		if !strings.HasPrefix(l, "- ") && l != "" {
			l = "  " + l
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

func TestHeaderIsSecret(t *testing.T) {
	for h, want := range map[HTTPHeader]bool{
		{Name: "Authorization"}:           true,
		{Name: "AUTHORIZATION"}:           true,
		{Name: "proxy-authorization"}:     true,
		{Name: "Cookie"}:                  true,
		{Name: "X-Api-Key"}:               false,
		{Name: "X-Api-Key", Secret: true}: true,
		{Name: "Set-Cookie"}:              false,
		{Name: "Authorization-Hint"}:      false,
	} {
		if got := h.IsSecret(); got != want {
			t.Errorf("%+v.IsSecret() = %v, want %v", h, got, want)
		}
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
		"1.16": {Release: kubelet.V(1, 16, 15)}, "v1.27": {Release: kubelet.V(1, 27, 16)},
		"1.23.10": {Release: kubelet.V(1, 23, 10), PatchGiven: true}, "1.37": DefaultKubeletVersion,
	} {
		got, err := ParseKubeletVersion(in)
		if err != nil || got != want {
			t.Errorf("ParseKubeletVersion(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1", "2.0", "1.15", "1.38", "1.9999", "v1.38.0", "1.2.3.4", "one.two", "1.-1", "1.23.18", "1.37.3"} {
		if got, err := ParseKubeletVersion(in); err == nil {
			t.Errorf("ParseKubeletVersion(%q) = %v, want an error", in, got)
		}
	}
}
