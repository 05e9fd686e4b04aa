package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestFailedReloadKeepsTheRunningConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeprobe.yml")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	sc := NewSafeConfig(reg)

	write("modules:\n  kafka:\n    prober: tcp\n")
	if err := sc.Reload(path); err != nil {
		t.Fatal(err)
	}
	assertReloadMetric(t, reg, 1)

	write("modules:\n  kafka:\n    prober: tcpp\n")
	err := sc.Reload(path)
	if err == nil || !strings.Contains(err.Error(), `unknown prober "tcpp"`) {
		t.Fatalf("Reload(bad) = %v, want the validation error", err)
	}
	assertReloadMetric(t, reg, 0)
	if got := sc.Get().Modules["kafka"].Prober; got != "tcp" {
		t.Errorf("running module prober = %q after a failed reload, want the old tcp", got)
	}

	write("modules:\n  web:\n    prober: http\n")
	if err := sc.Reload(path); err != nil {
		t.Fatal(err)
	}
	assertReloadMetric(t, reg, 1)
	if got := sc.Get().ModuleNames(); len(got) != 1 || got[0] != "web" {
		t.Errorf("modules = %v after a good reload, want [web]", got)
	}
}

// Emptying the file by mistake (a truncated write, a ConfigMap key that
// went missing) must not throw the running modules away.
func TestReloadToAnEmptyFileKeepsTheRunningConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeprobe.yml")
	reg := prometheus.NewRegistry()
	sc := NewSafeConfig(reg)
	if err := os.WriteFile(path, []byte("modules:\n  kafka:\n    prober: tcp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := sc.Reload(path); err != nil {
		t.Fatal(err)
	}
	for _, empty := range []string{"", "# emptied\n", "modules:\n"} {
		if err := os.WriteFile(path, []byte(empty), 0o600); err != nil {
			t.Fatal(err)
		}
		err := sc.Reload(path)
		if err == nil || !strings.Contains(err.Error(), "modules: missing: define at least one module") {
			t.Fatalf("Reload(%q) = %v, want it refused for having no modules", empty, err)
		}
		assertReloadMetric(t, reg, 0)
		if got := sc.Get().ModuleNames(); len(got) != 1 || got[0] != "kafka" {
			t.Errorf("modules = %v after reloading %q, want the running [kafka]", got, empty)
		}
	}
}

func assertReloadMetric(t *testing.T, reg *prometheus.Registry, want float64) {
	t.Helper()
	expected := "# HELP kubeprobe_exporter_config_last_reload_successful Whether the last configuration reload attempt was successful.\n" +
		"# TYPE kubeprobe_exporter_config_last_reload_successful gauge\n" +
		"kubeprobe_exporter_config_last_reload_successful " + map[float64]string{0: "0", 1: "1"}[want] + "\n"
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "kubeprobe_exporter_config_last_reload_successful"); err != nil {
		t.Error(err)
	}
}
