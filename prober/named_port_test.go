package prober

import (
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/kubelet"
)

// ResolvePort against the cases of kubelet's TestGetURLParts and
// TestGetTCPAddrParts (pkg/kubelet/prober/prober_test.go, v1.37.2), and
// what kubelet did before 1.37 with a name it did not find.
func TestResolvePortIsKubelets(t *testing.T) {
	ports := []ContainerPort{{Name: "found", ContainerPort: 93}}
	newest, before := kubelet.V(1, 37, 2), kubelet.V(1, 36, 3)
	for _, c := range []struct {
		port    config.Port
		release kubelet.Release
		want    int
		err     string
	}{
		{config.Port{Number: -1}, newest, -1, "invalid port number: -1"},
		{config.Port{Name: "not-found"}, newest, 0, `port "not-found" not found`},
		{config.Port{Name: "found"}, newest, 93, ""},
		{config.Port{Number: 76}, newest, 76, ""},
		{config.Port{Number: 70000}, newest, 70000, "invalid port number: 70000"},
		{config.Port{Name: "not-found"}, before, 0, `strconv.Atoi: parsing "not-found": invalid syntax`},
		{config.Port{Name: "found"}, before, 93, ""},
	} {
		got, err := ResolvePort(c.port, ports, c.release)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != c.want || gotErr != c.err {
			t.Errorf("ResolvePort(%v) at %s = %d, %q; want %d, %q", c.port, c.release, got, gotErr, c.want, c.err)
		}
	}
}
