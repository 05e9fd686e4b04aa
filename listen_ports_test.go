package main

import (
	"net"
	"os/exec"
	"strings"
	"testing"
)

func TestFlagListenPorts(t *testing.T) {
	set, err := flagListenPorts([]string{":9878", "127.0.0.1:9100", "[::1]:9101", "vsock://:1024"})
	if err != nil || set.String() != "9100-9101,9878" {
		t.Errorf("ports %s, %v; want 9100-9101,9878 with the vsock address skipped", set.String(), err)
	}
	for _, bad := range []string{"9878", ":http", ":70000"} {
		if _, err := flagListenPorts([]string{bad}); err == nil || !strings.Contains(err.Error(), "--web.listen-address="+bad+": want HOST:PORT or :PORT") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// A check given a bad listen address says which and exits 2.
func TestCheckRefusesABadListenAddress(t *testing.T) {
	out, err := exec.Command(binary, "check", "--churn.interval=0s", "--web.listen-address=9878").CombinedOutput()
	if exitCode(err) != exitCheckNotRun || !strings.Contains(string(out), "--web.listen-address=9878: want HOST:PORT or :PORT, such as :9878") {
		t.Errorf("exit %d:\n%s", exitCode(err), out)
	}
}

// serve's error for a listen port a connection holds says what may hold
// it and what fixes it.
func TestServeSaysWhatMayHoldItsPort(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	out, err := exec.Command(binary, "--config.file=config.example.yml", "--web.listen-address="+held.Addr().String()).CombinedOutput()
	if exitCode(err) != 1 || !strings.Contains(string(out), "bind: address already in use; if the port is inside net.ipv4.ip_local_port_range, "+
		"a connection may hold it as its source port") {
		t.Errorf("exit %d:\n%s", exitCode(err), out)
	}
}
