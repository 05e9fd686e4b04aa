// Package watch counts the node's own handshakes that ended with this
// host resetting the SYN-ACK, as handshake.ResetWatch finds them in the
// resets the host sends: kubelet's probes of this node's pods among them,
// with no probe of the exporter's. Each is attributed, where its far end
// is the pod IP and port of a container probe of this node, to that
// probe; any other to a bounded class of its far end's port. The source
// port of the last one is told apart as an allocated NodePort or not, and
// the last few are kept with their timelines for the landing page.
package watch
