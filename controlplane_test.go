package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

// controlPlane is Debian's etcd and Kubernetes's kube-apiserver (built by
// make .build/tools/kube-apiserver), on loopback ports, with a token file
// for authentication and RBAC for authorization: a real API server, with
// no controller, scheduler or kubelet behind it.
type controlPlane struct {
	url    string // https://127.0.0.1:port
	caFile string
	dir    string
	admin  *kubernetes.Clientset
}

// Tokens of the token file: the admin is in system:masters; the exporter
// is a user with only what a test grants it.
const (
	adminToken    = "admin-token-e2e"
	exporterToken = "exporter-token-e2e"
	exporterUser  = "kubeprobe-exporter"
)

func startControlPlane(t *testing.T) *controlPlane {
	t.Helper()
	etcd := testenv.Tool(t, "ETCD", "etcd", "Debian: etcd-server")
	apiserver := testenv.Tool(t, "KUBE_APISERVER", filepath.Join(".build", "tools", "kube-apiserver"),
		"make .build/tools/kube-apiserver builds it, and make test does")
	cp := &controlPlane{dir: t.TempDir()}
	etcdURL := cp.startEtcd(t, etcd)
	cp.startAPIServer(t, apiserver, etcdURL)
	return cp
}

func (cp *controlPlane) startEtcd(t *testing.T, etcd string) string {
	t.Helper()
	client, peer := "http://"+freeAddress(t), "http://"+freeAddress(t)
	start(t, "etcd", etcd, "--name=e2e", "--data-dir="+filepath.Join(cp.dir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer, "--initial-cluster=e2e="+peer)
	return client
}

func (cp *controlPlane) startAPIServer(t *testing.T, apiserver, etcdURL string) {
	t.Helper()
	cert, key := cp.servingCert(t)
	saKey := cp.writeKey(t, "service-account.key")
	tokens := writeFile(t, cp.dir, "tokens.csv", fmt.Sprintf("%s,admin,admin,system:masters\n%s,%s,%s,\n", adminToken, exporterToken, exporterUser, exporterUser))
	addr := freeAddress(t)
	_, port, _ := net.SplitHostPort(addr)
	exited := start(t, "kube-apiserver", apiserver,
		"--etcd-servers="+etcdURL, "--bind-address=127.0.0.1", "--secure-port="+port,
		// Loopback, which the endpoint reconciler refuses to publish as
		// the kubernetes Service's endpoint; nothing here uses it.
		"--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none",
		"--tls-cert-file="+cert, "--tls-private-key-file="+key, "--cert-dir="+filepath.Join(cp.dir, "certs"),
		"--token-auth-file="+tokens, "--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc", "--service-account-key-file="+saKey,
		"--service-account-signing-key-file="+saKey, "--service-cluster-ip-range=10.96.0.0/24",
		// No controller manager creates the namespaces' default service
		// accounts, which this admission plugin would want for each pod.
		"--disable-admission-plugins=ServiceAccount")
	cp.url, cp.caFile = "https://"+addr, cert
	cp.admin = cp.client(t, adminToken)
	cp.waitReady(t, exited)
}

// client is a clientset for the API server with token.
func (cp *controlPlane) client(t *testing.T, token string) *kubernetes.Clientset {
	t.Helper()
	c, err := kubernetes.NewForConfig(&rest.Config{Host: cp.url, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAFile: cp.caFile}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// kubeconfig writes a kubeconfig for the exporter's user.
func (cp *controlPlane) kubeconfig(t *testing.T) string {
	t.Helper()
	return writeFile(t, cp.dir, "kubeconfig", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: e2e, cluster: {server: %q, certificate-authority: %q}}]
users: [{name: exporter, user: {token: %q}}]
contexts: [{name: e2e, context: {cluster: e2e, user: exporter}}]
current-context: e2e
`, cp.url, cp.caFile, exporterToken))
}

// waitReady waits for /readyz, which the API server answers 200 once its
// storage and its own bootstrap (the default namespace, RBAC's roles) are
// done.
func (cp *controlPlane) waitReady(t *testing.T, exited <-chan struct{}) {
	t.Helper()
	rc := cp.admin.Discovery().RESTClient()
	var err error
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatal("kube-apiserver exited while starting")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = rc.Get().AbsPath("/readyz").Do(ctx).Error()
		cancel()
		if err == nil {
			return
		}
	}
	t.Fatalf("kube-apiserver did not become ready: %v", err)
}

// start runs a process until the test ends, logging its output if the
// test failed; the channel is closed if it exits.
func start(t *testing.T, name, path string, args ...string) <-chan struct{} {
	t.Helper()
	logs := &syncBuffer{}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the log says why
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
		if t.Failed() {
			t.Logf("%s log:\n%s", name, logs)
		}
	})
	return exited
}

// servingCert writes a self-signed certificate for 127.0.0.1, which is its
// own CA, and its key.
func (cp *controlPlane) servingCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kube-apiserver-e2e"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = writeFile(t, cp.dir, "apiserver.crt", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile = writeFile(t, cp.dir, "apiserver.key", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})))
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// writeKey writes a new RSA key, for the service account tokens the API
// server insists on being able to sign.
func (cp *controlPlane) writeKey(t *testing.T, name string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, cp.dir, name, string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})))
}
