package prober

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"strings"
)

// tlsFamilies are the TLS facts of an https probe, named as
// blackbox_exporter names them so that its certificate dashboards and
// alerts work unchanged.
var tlsFamilies = []string{
	"probe_ssl_earliest_cert_expiry",
	"probe_ssl_last_chain_expiry_timestamp_seconds",
	"probe_ssl_last_chain_info",
	"probe_tls_version_info",
	"probe_tls_cipher_info",
}

// observeTLS writes what the final response's handshake showed. They are
// facts only: kubelet verifies no certificate (InsecureSkipVerify), so an
// expired or self-signed one changes no verdict, here as in kubelet. A
// response without TLS leaves the families out, as blackbox_exporter does,
// and drops those an earlier try wrote.
func observeTLS(s *metricSet, state *tls.ConnectionState) {
	s.drop(tlsFamilies...)
	if state == nil || len(state.PeerCertificates) == 0 {
		return
	}
	earliest := earliestExpiry(state)
	s.set("probe_ssl_earliest_cert_expiry", "Earliest expiry of the certificates the server presented, in Unix seconds.", earliest)
	// blackbox_exporter reads this from the verified chains. kubelet
	// verifies none, so the only chain there is is the one presented, and
	// its earliest expiry is the one above.
	s.set("probe_ssl_last_chain_expiry_timestamp_seconds",
		"Earliest expiry in the chain the server presented (kubelet verifies none), in Unix seconds.", earliest)
	leaf := state.PeerCertificates[0]
	sum := sha256.Sum256(leaf.Raw)
	s.set("probe_ssl_last_chain_info", "The server's leaf certificate; always 1.", 1,
		"fingerprint_sha256", hex.EncodeToString(sum[:]),
		"subject", leaf.Subject.String(),
		"issuer", leaf.Issuer.String(),
		"subjectalternative", strings.Join(leaf.DNSNames, ","),
		// The bytes, not SerialNumber.Text(16), which drops leading zeros.
		"serialnumber", fmt.Sprintf("%x", leaf.SerialNumber.Bytes()))
	s.set("probe_tls_version_info", "The TLS version the handshake agreed; always 1.", 1, "version", tlsVersionName(state.Version))
	s.set("probe_tls_cipher_info", "The cipher suite the handshake agreed; always 1.", 1, "cipher", tls.CipherSuiteName(state.CipherSuite))
}

// earliestExpiry is the soonest NotAfter of the presented certificates.
func earliestExpiry(state *tls.ConnectionState) float64 {
	earliest := state.PeerCertificates[0].NotAfter
	for _, c := range state.PeerCertificates[1:] {
		if c.NotAfter.Before(earliest) {
			earliest = c.NotAfter
		}
	}
	return float64(earliest.Unix())
}

// tlsVersionName spells the version as blackbox_exporter's label does.
func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLS 1.0"
	case tls.VersionTLS11:
		return "TLS 1.1"
	case tls.VersionTLS12:
		return "TLS 1.2"
	case tls.VersionTLS13:
		return "TLS 1.3"
	}
	return "unknown"
}
