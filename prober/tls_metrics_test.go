package prober

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// expiredCertificate is a self-signed certificate that expired a year ago,
// with a serial number whose first byte is zero-padded in hex (0x0b…).
func expiredCertificate(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes([]byte{0x0b, 0xff, 0x01}),
		Subject:      pkix.Name{CommonName: "expired.test", Organization: []string{"Lab"}},
		DNSNames:     []string{"expired.test", "www.expired.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().AddDate(-2, 0, 0),
		NotAfter:     time.Now().AddDate(-1, 0, 0).Truncate(time.Second),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestHTTPSProbeExportsBlackboxTLSFacts(t *testing.T) {
	cert := expiredCertificate(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	r := runProbe(t, srv.URL+"/", mustModule(t, "prober: http"))
	// kubelet verifies no certificate: an expired, self-signed one passes.
	assertOutcome(t, r, Success, "ok")

	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	expiry := float64(leaf.NotAfter.Unix())
	for _, name := range []string{"probe_ssl_earliest_cert_expiry", "probe_ssl_last_chain_expiry_timestamp_seconds"} {
		if got := metric(t, r, name); got != expiry {
			t.Errorf("%s = %v, want %v", name, got, expiry)
		}
	}
	sum := sha256.Sum256(leaf.Raw)
	if got := metric(t, r, "probe_ssl_last_chain_info",
		"fingerprint_sha256", hex.EncodeToString(sum[:]),
		"subject", "CN=expired.test,O=Lab",
		"issuer", "CN=expired.test,O=Lab",
		"subjectalternative", "expired.test,www.expired.test",
		"serialnumber", "0bff01"); got != 1 {
		t.Errorf("probe_ssl_last_chain_info = %v, want 1", got)
	}
	if got := metric(t, r, "probe_tls_version_info", "version", "TLS 1.2"); got != 1 {
		t.Errorf("probe_tls_version_info = %v, want 1", got)
	}
	if got := metric(t, r, "probe_tls_cipher_info", "cipher", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"); got != 1 {
		t.Errorf("probe_tls_cipher_info = %v, want 1", got)
	}
}

func TestHTTPProbeWithoutTLSHasNoTLSFacts(t *testing.T) {
	srv := newRecordingServer(t, false)
	r := runProbe(t, srv.hostPort(), mustModule(t, "prober: http"))
	assertOutcome(t, r, Success, "ok")
	mfs, err := r.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, name := range tlsFamilies {
			if mf.GetName() == name {
				t.Errorf("%s is exported for a cleartext probe", name)
			}
		}
	}
}

func TestTLSFactsOfAnEarlierTryAreDropped(t *testing.T) {
	s := newMetricSet()
	observeTLS(s, &tls.ConnectionState{Version: tls.VersionTLS13, PeerCertificates: []*x509.Certificate{{SerialNumber: big.NewInt(1)}}})
	observeTLS(s, nil)
	if mfs, _ := s.Gather(); len(mfs) != 0 {
		t.Errorf("a try without TLS left %d families of an earlier try's", len(mfs))
	}
}

// kubelet 1.37's gRPC over TLS (mode: TLS, behind GRPCContainerProbeTLS)
// has the same facts; its expired certificate passes too.
func TestGRPCOverTLSExportsTLSFacts(t *testing.T) {
	cert := expiredCertificate(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}})))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(l)
	t.Cleanup(srv.Stop)

	m := mustModule(t, "prober: grpc\nkubelet_version: \"1.37\"\nfeature_gates: {GRPCContainerProbeTLS: true}\ngrpc: {mode: TLS}")
	r := runProbe(t, l.Addr().String(), m)
	assertOutcome(t, r, Success, "service healthy")
	if got := metric(t, r, "probe_tls_version_info", "version", "TLS 1.3"); got != 1 {
		t.Errorf("probe_tls_version_info = %v, want 1", got)
	}
	if got := metric(t, r, "probe_ssl_last_chain_info", "serialnumber", "0bff01", "subject", "CN=expired.test,O=Lab"); got != 1 {
		t.Errorf("probe_ssl_last_chain_info = %v, want 1", got)
	}

	// In plaintext, none.
	plain := newGRPCServer(t, true)
	r = runProbe(t, plain.addr, mustModule(t, "prober: grpc"))
	assertOutcome(t, r, Success, "service healthy")
	mfs, _ := r.Gather()
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "probe_ssl_") || strings.HasPrefix(mf.GetName(), "probe_tls_") {
			t.Errorf("%s exported for a plaintext gRPC probe", mf.GetName())
		}
	}
}
