package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The demo prints URLs that show what it says they show, replays the
// incident as root, and leaves nothing behind when stopped.
func TestDemo(t *testing.T) {
	addr := freeAddress(t)
	cmd := exec.Command(binary, "demo", "--web.listen-address="+addr)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	printed := readUntil(t, stdout, "Running until Ctrl-C.")
	if t.Failed() {
		t.Fatalf("demo output:\n%s\nlog:\n%s", printed, logs.String())
	}
	urls := regexp.MustCompile(`curl '([^']+)'`).FindAllStringSubmatch(printed, -1)
	wants := []string{
		"Verdict: established", "Verdict: refused", "Kubelet's verdict: success",
		"Kubelet's verdict: failure", "Kubelet's verdict: warning", "probe_tls_version_info{version=",
	}
	if len(urls) != len(wants) {
		t.Fatalf("the demo prints %d probe URLs, want %d:\n%s", len(urls), len(wants), printed)
	}
	for i, u := range urls {
		if !strings.HasPrefix(u[1], "http://"+addr+"/") {
			t.Errorf("URL %s is not the demo's exporter on %s", u[1], addr)
		}
		body := getBody(t, u[1])
		if !strings.Contains(body, wants[i]) {
			t.Errorf("%s lacks %q:\n%s", u[1], wants[i], body)
		}
	}
	if os.Geteuid() == 0 {
		mustContain(t, "the demo's incident", printed, "Verdict: reset_after_synack", " [R] seq ", "source port 30080 is an allocated NodePort")
	} else {
		mustContain(t, "the demo without root", printed, "needs root")
	}

	cmd.Process.Signal(syscall.SIGINT)
	io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		t.Errorf("demo stopped with %v, want exit 0; log:\n%s", err, logs.String())
	}
	for _, ns := range []string{"kpdemo-node-", "kpdemo-pod-"} {
		if _, err := os.Stat("/run/netns/" + ns + strconv.Itoa(cmd.Process.Pid)); err == nil {
			t.Errorf("namespace %s%d is left behind", ns, cmd.Process.Pid)
		}
	}
}

// readUntil reads lines from r up to the one that is last, and returns
// them; it fails the test if r ends first.
func readUntil(t *testing.T, r io.Reader, last string) string {
	t.Helper()
	var b strings.Builder
	for s := bufio.NewScanner(r); s.Scan(); {
		b.WriteString(s.Text() + "\n")
		if s.Text() == last {
			return b.String()
		}
	}
	t.Errorf("the output ended before %q", last)
	return b.String()
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return string(body)
}
