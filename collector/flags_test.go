package collector

import (
	"strings"
	"testing"

	"github.com/alecthomas/kingpin/v2"
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

func parseFlags(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	app := kingpin.New("test", "")
	app.Terminate(nil)
	f := AddFlags(app)
	if _, err := app.Parse(args); err != nil {
		return Config{}, err
	}
	return f.Config()
}

func TestFlagDefaults(t *testing.T) {
	cfg, err := parseFlags(t)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{ProcPath: "/proc", NodePortRange: ports.Range{First: 30000, Last: 32767}, IPVS: IPVSAuto, TimeWaitTop: 5}
	if cfg != want {
		t.Errorf("defaults = %+v, want %+v", cfg, want)
	}
}

func TestFlagValues(t *testing.T) {
	cfg, err := parseFlags(t, "--path.procfs=/host/proc", "--nodeport.range=20000-40000",
		"--nodeport.static=30080,31000-31010", "--nodeport.static=36704", "--no-nodeport.ipvs",
		"--nodeport.kubernetes", "--kubeconfig=/etc/kubeconfig", "--collector.timewait.top=10")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ProcPath != "/host/proc" || cfg.NodePortRange != (ports.Range{First: 20000, Last: 40000}) || cfg.IPVS != IPVSOff ||
		!cfg.Kubernetes || cfg.Kubeconfig != "/etc/kubeconfig" || cfg.TimeWaitTop != 10 {
		t.Errorf("config = %+v", cfg)
	}
	if got := cfg.Static.String(); got != "30080,31000-31010,36704" {
		t.Errorf("--nodeport.static given twice = %q, want both lists", got)
	}
	// The API server's other syntax: a base and an offset.
	if cfg, err := parseFlags(t, "--nodeport.range=30000+2767"); err != nil || cfg.NodePortRange != (ports.Range{First: 30000, Last: 32767}) {
		t.Errorf("--nodeport.range=30000+2767 = %v, %v; want 30000-32767", cfg.NodePortRange, err)
	}
	if cfg, _ := parseFlags(t, "--nodeport.ipvs"); cfg.IPVS != IPVSOn {
		t.Errorf("--nodeport.ipvs = %v, want IPVSOn", cfg.IPVS)
	}
}

func TestFlagErrorsNameTheFlag(t *testing.T) {
	for _, tc := range []struct{ arg, want string }{
		{"--nodeport.range=3000x", `--nodeport.range: "3000x" is not a port range as the API server's --service-node-port-range takes it, such as 30000-32767 or 30000+2767`},
		{"--nodeport.range=32767-30000", `--nodeport.range: "32767-30000" is not a port range as the API server's --service-node-port-range takes it`},
		{"--nodeport.range=30000-70000", `--nodeport.range: "30000-70000" is not a port range`},
		{"--nodeport.range=0-100", `--nodeport.range=0-100: port 0 is no NodePort; give the API server's --service-node-port-range, such as 30000-32767`},
		{"--nodeport.static=30080,3100x", `--nodeport.static: want ports and ranges such as 30080,31000-31010: item 2: "3100x" is not a port (0-65535) or a range such as 30000-32767`},
		{"--collector.timewait.top=1000", "--collector.timewait.top=1000: want 0 to 100"},
		{"--kubeconfig=/etc/kubeconfig", "--kubeconfig=/etc/kubeconfig is only used with --nodeport.kubernetes; add that flag or drop this one"},
	} {
		_, err := parseFlags(t, tc.arg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want one containing %q", tc.arg, err, tc.want)
		}
	}
}
