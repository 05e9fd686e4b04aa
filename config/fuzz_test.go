package config

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzParse feeds Parse arbitrary files. The seed corpus in
// testdata/fuzz/FuzzParse holds testdata/valid.yml, config.example.yml,
// some invalid fixtures and the crashers the fuzzer found. The properties:
//   - Parse never panics;
//   - a configuration it accepts has a known prober in every module, since
//     package prober looks the prober up and has nothing to run otherwise;
//   - every accepted module renders (as /config and debug output show it)
//     as YAML that loads again and renders the same, so what is shown is
//     what runs;
//   - the whole configuration, rendered as /config does, loads again.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"modules:\n  a: {prober: tcp}\n",
		"modules:\n  a:\n",
		"modules:\n  a: ~\n",
		"modules: {}\n---\nmodules: {b: {prober: http}}\n",
		"modules:\n  m: {prober: tcp, source_port: 30000-30009, source_port_override: yes}\n",
		"modules:\n  m: {prober: http, http: {port: '8080', http_headers: [{name: Authorization, value: x}, {name: X-Token, value: y, secret: true}, ~]}}\n",
		"modules:\n  m: {prober: tcp, kubelet_version: '1.9999', source_port_sweep: {range: 30000-30099, count: '64'}}\n",
		"probe_targets: {allow: [10.0.0.0/8, \"*.svc.cluster.local\", db.example.com.], deny: [10.0.0.5/8, ::ffff:169.254.169.254]}\nmodules:\n  m: {prober: grpc, probe_targets: {deny: [fe80::1%eth0]}}\n",
		"x: &a {prober: tcp}\nmodules: {m: *a}\n",
		// Small valid files, one feature each, for mutations that stay valid.
		"modules: {m: {prober: tcp, timeout: 2500ms, kubelet_version: v1.23.10}}\n",
		"modules: {m: {prober: tcp, source_ip_address: '::1', source_port: 30080}}\n",
		"modules: {m: {prober: grpc, source_port: 30000-30009, source_port_strategy: random, source_port_override: true}}\n",
		"modules: {m: {prober: tcp, source_port_sweep: {range: 30000-30099, count: 10, parallelism: 4}}}\n",
		"modules: {m: {prober: http, http: {path: /a?b=c, scheme: HTTPS, host: app.internal, port: 8443}}}\n",
		"modules: {m: {prober: http, http: {http_headers: [{name: Host, value: a}, {name: Cookie, value: c}, {name: X-K, value: k, secret: true}]}}}\n",
		"modules: {m: {prober: grpc, grpc: {service: orders}}}\n",
		"probe_targets: {allow: [10.244.0.0/16, fd00::/8]}\nmodules: {m: {prober: tcp, probe_targets: {deny: [10.0.0.5, '*.svc.cluster.local', db.example.com]}}}\n",
		"modules:\n  a.b-c_1:\n    prober: http\n    http:\n      port: 80\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		if len(c.Modules) == 0 {
			t.Fatalf("Parse accepted a configuration without modules:\n%s", data)
		}
		for _, name := range c.ModuleNames() {
			m := c.Modules[name]
			if !slices.Contains(Probers, m.Prober) {
				t.Fatalf("module %q was accepted with prober %q:\n%s", name, m.Prober, data)
			}
			rendered := m.String()
			again, err := Parse([]byte(asModule(name, rendered)))
			if err != nil {
				t.Fatalf("module %q renders as YAML that does not load: %v\n--- input:\n%s\n--- rendered:\n%s", name, err, data, rendered)
			}
			if twice := again.Modules[name].String(); twice != rendered {
				t.Fatalf("module %q renders differently once loaded again:\n--- input:\n%s\n--- rendered:\n%s\n--- again:\n%s", name, data, rendered, twice)
			}
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("the configuration does not render: %v\n%s", err, data)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("the configuration renders as YAML that does not load: %v\n--- input:\n%s\n--- rendered:\n%s", err, data, out)
		}
	})
}

// asModule wraps a module's rendering into a configuration that defines it.
func asModule(name, rendered string) string {
	var b strings.Builder
	b.WriteString("modules:\n  " + quoteKey(name) + ":\n")
	for _, line := range strings.Split(strings.TrimRight(rendered, "\n"), "\n") {
		b.WriteString("    " + line + "\n")
	}
	return b.String()
}

// quoteKey writes a module name as a YAML key that reads back as the name.
func quoteKey(name string) string {
	out, err := yaml.Marshal(name)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(out))
}
