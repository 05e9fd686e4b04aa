// Package handshake opens TCP connections the way kubelet's dialer does
// and judges each handshake from the packets it caused: established,
// refused, reset after SYN-ACK, SYN-ACK dropped, timeout, unreachable,
// source port unavailable, or error (docs/handshakes.md has the table).
//
// One Tracer per process owns the packet capture, an AF_PACKET socket
// that receives every TCP segment with SYN or RST set on every interface
// of the network namespace (Linux, CAP_NET_RAW). Connect announces a
// connect to it, tells it the local port the kernel chose while the SYN is
// on its way, and gets back the connect's segments and its verdict as an
// Attempt. A nil *Tracer traces nothing: Connect then judges from the
// connect's error alone, as it does on every system but Linux.
package handshake
