// Package shadow probes as kubelet's prober worker does, on a clock of its
// own per container and probe: start jitter, nothing during the initial
// delay, consecutive-result thresholds, errors retried and discarded,
// liveness held after a failure until the container restarts, startup
// gating readiness and liveness (pkg/kubelet/prober/worker.go; the rules
// are in docs/kubelet.md). A scrape sees one probe; the shadow sees what
// kubelet would conclude from all of them, and how long start-up takes.
package shadow
