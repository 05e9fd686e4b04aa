package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The floor is the least a probe over HTTP can cost: a minimal Go server
// whose /probe does one TCP connect and close (module=tcp) or one GET on a
// fresh connection (module=http) to the target, and answers a fixed body.
// An exporter's figures divided by the floor's are what its own work costs.
//
// With Linger, the floor's sockets are kubelet's since 1.27 (and the
// 1.23.17, 1.24.11, 1.25.7 and 1.26.2 backports): SO_LINGER of 1 s, so
// that close waits for its FIN to be acknowledged. kubeprobe probes so,
// as kubelet does; that floor is what a kubelet-exact probe must at least
// spend.

type floorSettings struct {
	Listen string
	Linger bool
}

const (
	floorTimeout = 2 * time.Second
	floorSuccess = "probe_success 1\n"
	floorFailure = "probe_success 0\n"
	// floorBodyLimit is what kubelet reads of a body, 10 KiB.
	floorBodyLimit = 10 << 10
)

func runFloorRole(settings []byte) int {
	var s floorSettings
	if !decodeSettings(settings, &s) {
		return 2
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "OK") })
	mux.Handle("/probe", newFloorHandler(s.Linger))
	err := (&http.Server{Addr: s.Listen, Handler: mux, ReadHeaderTimeout: floorTimeout}).ListenAndServe()
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// floorHandler probes without anything an exporter adds: no registry, no
// log, no trace, no configuration.
type floorHandler struct {
	dialer net.Dialer
	client *http.Client
}

func newFloorHandler(linger bool) *floorHandler {
	dialer := net.Dialer{Timeout: floorTimeout}
	if linger {
		dialer.Control = func(_, _ string, c syscall.RawConn) error {
			var err error
			if cerr := c.Control(func(fd uintptr) {
				err = unix.SetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 1})
			}); cerr != nil {
				return cerr
			}
			return err
		}
	}
	transport := &http.Transport{DisableKeepAlives: true, Proxy: nil}
	if linger {
		transport.DialContext = dialer.DialContext
	}
	return &floorHandler{
		dialer: dialer,
		client: &http.Client{Transport: transport, Timeout: floorTimeout},
	}
}

func (f *floorHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("target")
	var err error
	switch module := r.URL.Query().Get("module"); module {
	case "tcp":
		err = f.connect(target)
	case "http":
		err = f.get(target)
	default:
		http.Error(w, "module is tcp or http", http.StatusBadRequest)
		return
	}
	if err != nil {
		io.WriteString(w, floorFailure)
		return
	}
	io.WriteString(w, floorSuccess)
}

func (f *floorHandler) connect(target string) error {
	c, err := f.dialer.Dial("tcp", target)
	if err != nil {
		return err
	}
	return c.Close()
}

func (f *floorHandler) get(url string) error {
	resp, err := f.client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, floorBodyLimit))
	if resp.StatusCode < 200 || resp.StatusCode > 399 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}
