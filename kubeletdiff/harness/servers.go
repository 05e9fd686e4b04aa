package harness

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// A server starts a test server for one case and returns where to probe.
type server func(t *testing.T) (host string, port int)

// httpServer serves h over HTTP/1.1 on 127.0.0.1, as httptest.NewServer
// does in kubelet's tests.
func httpServer(h http.HandlerFunc) server {
	return func(t *testing.T) (string, int) {
		s := httptest.NewUnstartedServer(h)
		s.Config.ErrorLog = log.New(io.Discard, "", 0) // case-18's handler panics on purpose, as kubelet's does
		s.Start()
		t.Cleanup(s.Close)
		return hostPort(t, s.Listener.Addr())
	}
}

// h2cServer serves h over HTTP/2 in cleartext with prior knowledge only.
func h2cServer(h http.HandlerFunc) server {
	return func(t *testing.T) (string, int) {
		s := httptest.NewUnstartedServer(h)
		s.Config.Protocols = new(http.Protocols)
		s.Config.Protocols.SetUnencryptedHTTP2(true)
		s.Start()
		t.Cleanup(s.Close)
		return hostPort(t, s.Listener.Addr())
	}
}

// rawEcho answers every request with the request's head exactly as it
// arrived, so that header lines, their spelling and their order, and the
// request line are compared byte for byte.
func rawEcho(t *testing.T) (string, int) {
	l := listen(t)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go echoHead(c)
		}
	}()
	return hostPort(t, l.Addr())
}

func echoHead(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	var head strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if line == "\r\n" {
			break
		}
		head.WriteString(line)
	}
	body := head.String()
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}

// closedPort is a port nothing listens on.
func closedPort(t *testing.T) (string, int) {
	l := listen(t)
	host, port := hostPort(t, l.Addr())
	l.Close()
	return host, port
}

// grpcServer serves a health service on 127.0.0.1, over TLS when asked.
func grpcServer(health healthpb.HealthServer, useTLS bool) server {
	return func(t *testing.T) (string, int) {
		var opts []grpc.ServerOption
		if useTLS {
			opts = append(opts, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{selfSigned(t)}})))
		}
		s := grpc.NewServer(opts...)
		healthpb.RegisterHealthServer(s, health)
		l := listen(t)
		go func() { _ = s.Serve(l) }()
		t.Cleanup(s.Stop)
		return hostPort(t, l.Addr())
	}
}

// healthServer answers Check with status, after delay.
type healthServer struct {
	healthpb.UnimplementedHealthServer
	status healthpb.HealthCheckResponse_ServingStatus
	delay  time.Duration
}

func (h *healthServer) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	select {
	case <-time.After(h.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &healthpb.HealthCheckResponse{Status: h.status}, nil
}

// sortedHeaderEcho is kubelet's headerEchoHandler, with the lines sorted:
// kubelet's own test ranges over the header map, whose order changes
// from run to run, and only asks whether a line is in the body.
func sortedHeaderEcho(w http.ResponseWriter, r *http.Request) {
	var lines []string
	for k, vs := range r.Header {
		for _, v := range vs {
			lines = append(lines, fmt.Sprintf("%s: %s\n", k, v))
		}
	}
	sort.Strings(lines)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(strings.Join(lines, "")))
}

func listen(t *testing.T) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func hostPort(t *testing.T, a net.Addr) (string, int) {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		t.Fatalf("%s is not a TCP address", a)
	}
	return tcp.IP.String(), tcp.Port
}

// selfSigned is a certificate for 127.0.0.1, made for one test.
func selfSigned(t *testing.T) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
