package prober

import (
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// The configuration's list of probers and the implementations here are
// one list: a module the configuration accepts always has a prober.
func TestEveryConfiguredProberIsImplemented(t *testing.T) {
	for _, name := range config.Probers {
		if probers[name] == nil {
			t.Errorf("config accepts prober %q, which has no implementation here", name)
		}
	}
	if len(probers) != len(config.Probers) {
		t.Errorf("%d probers implemented, %d configurable: keep config.Probers and probers in step", len(probers), len(config.Probers))
	}
}
