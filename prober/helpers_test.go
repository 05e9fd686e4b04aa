package prober

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	dto "github.com/prometheus/client_model/go"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// mustModule parses one module from YAML, as a config file would give it.
func mustModule(t testing.TB, yamlBody string) config.Module {
	t.Helper()
	indented := "    " + strings.ReplaceAll(strings.TrimSpace(yamlBody), "\n", "\n    ")
	c, err := config.Parse([]byte("modules:\n  m:\n" + indented + "\n"))
	if err != nil {
		t.Fatalf("module does not parse: %v\n%s", err, yamlBody)
	}
	return c.Modules["m"]
}

// runProbe runs module m against target with the module's timeout.
func runProbe(t testing.TB, target string, m config.Module) *Report {
	t.Helper()
	if err := checkTarget(target, m); err != nil {
		t.Fatalf("CheckTarget: %v", err)
	}
	req := Request{Target: target, ModuleName: "m", Module: m, Timeout: time.Duration(m.Timeout)}
	return NewRunner(nil, nil, log.NewNopLogger()).Run(context.Background(), req)
}

// metric returns the value of a probe gauge with the given label pairs
// ("name", "value", ...), failing the test if there is none.
func metric(t testing.TB, r *Report, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := r.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m.GetLabel(), labels) {
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("metric %s%v not found in:\n%s", name, labels, r.DebugOutput())
	return 0
}

func hasLabels(got []*dto.LabelPair, want []string) bool {
	for i := 0; i+1 < len(want); i += 2 {
		found := false
		for _, lp := range got {
			found = found || (lp.GetName() == want[i] && lp.GetValue() == want[i+1])
		}
		if !found {
			return false
		}
	}
	return true
}

// assertOutcome checks kubelet's result and output text, and that
// probe_success and probe_kubelet_result agree with them.
func assertOutcome(t testing.TB, r *Report, result Result, output string) {
	t.Helper()
	if r.Verdict.Result != result || r.Verdict.Output != output {
		t.Errorf("outcome = %s %q\n   want   %s %q", r.Verdict.Result, r.Verdict.Output, result, output)
	}
	wantSuccess := 0.0
	if result == Success || result == Warning {
		wantSuccess = 1
	}
	if got := metric(t, r, "probe_success"); got != wantSuccess {
		t.Errorf("probe_success = %v, want %v", got, wantSuccess)
	}
	for _, res := range results {
		want := 0.0
		if res == result {
			want = 1
		}
		if got := metric(t, r, "probe_kubelet_result", "result", res.String()); got != want {
			t.Errorf("probe_kubelet_result{result=%q} = %v, want %v", res, got, want)
		}
	}
}
