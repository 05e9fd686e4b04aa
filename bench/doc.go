// Package bench is the performance harness of issue 16: kubeprobe_exporter
// built from the working tree, side by side in one run with Debian's
// blackbox_exporter 0.23, blackbox_exporter 0.28 built from the Go module
// proxy, and a floor (a minimal Go server doing one connect, or one GET, per
// probe), all under wrk; the handshake tracer's cost under background
// connections through the lab's node namespace; the node collector against
// ss; the passive handshake watch's cost under the same background load
// (BenchmarkWatchUnderLoad, reported as benchmark metrics); and the hot
// paths' go test benchmarks. Its benchmarks are the harness:
//
//	make bench
//
// writes bench/results/YYYY-MM-DD.md and quotes its summary in README.md.
// The harness needs Linux, root, wrk and Debian's
// prometheus-blackbox-exporter; without them its benchmarks skip and say
// why. None of it asserts a time: the figures are ratios measured in one run.
package bench
