package main

import "fmt"

// fdBudget divides the process's file descriptors between probe sockets,
// the connections of the clients that ask for them, and everything else.
type fdBudget struct {
	descriptors int // the soft RLIMIT_NOFILE, 0 if unknown
	probes      int // --probe.max-concurrent
	connections int // client connections accepted at once
}

const (
	// fdReserve is kept for what is neither a probe socket nor a client
	// connection: the capture, procfs and sock_diag reads, DNS, the
	// Kubernetes API, the log.
	fdReserve = 64
	// defaultProbes is --probe.max-concurrent for a node with descriptors
	// to spare: far more than a node's pods' probes need at once.
	defaultProbes = 256
	// fdsPerProbe is what one probe slot may hold: its socket, a DNS
	// socket while it resolves, and the connections of the request that
	// runs it and of one waiting for it.
	fdsPerProbe = 4
)

// descriptorBudget sizes the limits from --probe.max-concurrent (0 for
// the default) and the descriptor limit.
func descriptorBudget(maxConcurrent int) (fdBudget, error) {
	nofile := descriptorLimit()
	b := fdBudget{descriptors: nofile, probes: maxConcurrent}
	if b.probes < 0 {
		return b, fmt.Errorf("--probe.max-concurrent=%d: want 0 (the default) or more", maxConcurrent)
	}
	if b.probes == 0 {
		b.probes = defaultProbes
		if nofile > 0 {
			b.probes = max(min(defaultProbes, (nofile-fdReserve)/(2*fdsPerProbe)), 1)
		}
	}
	// Room for every running and waiting probe's request, and as many
	// again for those answered at once (a 503, /metrics, /-/healthy).
	b.connections = 4*b.probes + fdReserve
	if nofile > 0 {
		spare := nofile - fdReserve - b.probes*fdsPerProbe/2
		if spare < 16 {
			return b, fmt.Errorf("--probe.max-concurrent=%d needs about %d file descriptors, and the limit (ulimit -n) is %d: lower it, or raise the limit",
				b.probes, fdReserve+16+b.probes*fdsPerProbe/2, nofile)
		}
		b.connections = min(b.connections, spare)
	}
	return b, nil
}
