package main

import (
	"os"
	"strings"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

// --handshakes.watch serves its metrics and its landing-page section, and
// says that without --shadow.pods it counts by port class only.
func TestServeWatchesTheNodesHandshakes(t *testing.T) {
	testenv.Root(t, "the passive watch's capture (CAP_NET_RAW)")
	e := startExporter(t, "--config.file=config.example.yml", "--handshakes.watch")
	_, body := e.get(t, "/metrics")
	mustContain(t, "/metrics", body,
		`kubeprobe_node_handshakes_reset_after_synack_total{container="",namespace="",pod="",probe="",remote_port_class="registered"} 0`,
		"# TYPE kubeprobe_node_handshakes_watch_resets_seen_total counter",
		"# TYPE kubeprobe_node_handshakes_watch_dropped_total counter")
	_, page := e.get(t, "/")
	mustContain(t, "the landing page", page, "The node's handshakes reset after SYN-ACK", "None seen")
	mustContain(t, "the log", e.logs.String(), "Watching the node's handshakes; without --shadow.pods")
}

// Without CAP_NET_RAW the watch says what it needs, and the exporter
// serves without it.
func TestServeWatchWithoutCapNetRaw(t *testing.T) {
	var wrapper []string
	if os.Geteuid() == 0 {
		wrapper = []string{"setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"}
	}
	e := startExporterWith(t, wrapper, "--config.file=config.example.yml", "--handshakes.watch")
	_, body := e.get(t, "/metrics")
	if strings.Contains(body, "kubeprobe_node_handshakes_") {
		t.Errorf("/metrics has the watch's metrics without its capture")
	}
	mustContain(t, "the log", e.logs.String(), "The node's handshakes go unwatched", "CAP_NET_RAW")
}
