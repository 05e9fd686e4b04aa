package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/mdlayher/vsock"
	"github.com/prometheus/exporter-toolkit/web"
	"golang.org/x/net/netutil"
)

// listen opens the listeners --web.listen-address and --web.systemd-socket
// ask for, as exporter-toolkit's ListenAndServe would, but each accepting
// at most its share of maxConns connections at once. Beyond that, new
// connections wait in the kernel's backlog instead of taking descriptors
// the probes and /metrics need.
func listen(flags *web.FlagConfig, maxConns int, logger *slog.Logger) ([]net.Listener, error) {
	listeners, err := openListeners(flags, logger)
	if err != nil {
		return nil, err
	}
	share := max(maxConns/len(listeners), 1)
	for i, l := range listeners {
		listeners[i] = netutil.LimitListener(l, share)
	}
	return listeners, nil
}

func openListeners(flags *web.FlagConfig, logger *slog.Logger) ([]net.Listener, error) {
	if flags.WebSystemdSocket != nil && *flags.WebSystemdSocket {
		logger.Info("Listening on systemd activated listeners instead of port listeners.")
		listeners, err := activation.Listeners()
		if err != nil {
			return nil, fmt.Errorf("--web.systemd-socket: %w", err)
		}
		if len(listeners) == 0 {
			return nil, errors.New("--web.systemd-socket: no socket activation file descriptors found")
		}
		return listeners, nil
	}
	if flags.WebListenAddresses == nil || len(*flags.WebListenAddresses) == 0 {
		return nil, errors.New("--web.listen-address: give at least one address to listen on")
	}
	var listeners []net.Listener
	for _, address := range *flags.WebListenAddresses {
		l, err := listenOn(address)
		if err != nil {
			for _, open := range listeners {
				open.Close()
			}
			return nil, fmt.Errorf("--web.listen-address=%s: %w%s", address, err, portTakenHint(err))
		}
		listeners = append(listeners, l)
	}
	return listeners, nil
}

// listenOn listens on a TCP address, or on vsock://:PORT.
func listenOn(address string) (net.Listener, error) {
	if !strings.HasPrefix(address, "vsock://") {
		return net.Listen("tcp", address)
	}
	u, err := url.Parse(address)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(u.Port(), 10, 32)
	if err != nil {
		return nil, fmt.Errorf("want vsock://:PORT: %w", err)
	}
	return vsock.Listen(uint32(port), nil)
}

// portTakenHint says what may hold a listen port: inside the ephemeral
// range, any connection may have been given it as its source port, and
// holds it as long as it lasts, TIME_WAIT included.
func portTakenHint(err error) string {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return ""
	}
	return "; if the port is inside net.ipv4.ip_local_port_range, a connection may hold it as its source port " +
		"(ss -tan 'sport = :PORT' shows it): reserve it in net.ipv4.ip_local_reserved_ports, as `kubeprobe_exporter check` prints"
}
