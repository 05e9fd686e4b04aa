package kubernetes_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprobe/kubeprobe_exporter/deploy/internal/manifest"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

// These tests run the exporter on this machine's kernel with the
// credentials a container runtime gives it, made with setpriv as runc
// makes them: the user and group, no supplementary groups, an empty
// inheritable set, the bounding set of the added capabilities, and
// no_new_privs unless privilege escalation is allowed. Started as root,
// setpriv keeps the bounding set in the permitted set across the change
// of user, as runc does. The exporter then says on /metrics whether its
// packet capture opened.

// credentials are a container process's, as setpriv arguments.
type credentials struct {
	uid, gid     string
	capabilities []corev1.Capability // the bounding set
	noNewPrivs   bool
}

func (c credentials) setpriv() []string {
	bounding := "-all"
	for _, name := range c.capabilities {
		bounding += ",+" + strings.ToLower(string(name))
	}
	args := []string{"--reuid=" + c.uid, "--regid=" + c.gid, "--clear-groups", "--inh-caps=-all", "--bounding-set=" + bounding}
	if c.noNewPrivs {
		args = append(args, "--no-new-privs")
	}
	return append(args, "--")
}

// daemonSetCredentials are those the DaemonSet's securityContext asks for.
func daemonSetCredentials(t *testing.T) credentials {
	t.Helper()
	ds := manifest.Only[*appsv1.DaemonSet](t, decodeFile(t, "daemonset.yaml"))
	sc := manifest.Container(t, ds).SecurityContext
	if sc == nil || sc.RunAsUser == nil || sc.RunAsGroup == nil || sc.Capabilities == nil || sc.AllowPrivilegeEscalation == nil {
		t.Fatal("DaemonSet: the securityContext must set runAsUser, runAsGroup, capabilities and allowPrivilegeEscalation")
	}
	return credentials{
		uid: fmt.Sprint(*sc.RunAsUser), gid: fmt.Sprint(*sc.RunAsGroup),
		capabilities: sc.Capabilities.Add, noNewPrivs: !*sc.AllowPrivilegeEscalation,
	}
}

// image is what the Dockerfile's final stage runs as, and the file
// capability its build stage sets.
type image struct {
	uid, gid, fileCapability string
}

func readDockerfile(t *testing.T) image {
	t.Helper()
	data := string(readFile(t, "../../Dockerfile"))
	users := regexp.MustCompile(`(?m)^USER (\d+):(\d+)$`).FindAllStringSubmatch(data, -1)
	setcap := regexp.MustCompile(`(?m)^[^#]*\bsetcap (\S+) kubeprobe_exporter\b`).FindStringSubmatch(data)
	if len(users) == 0 || setcap == nil {
		t.Fatal("Dockerfile: want a numeric USER uid:gid and a RUN setcap CAPS kubeprobe_exporter")
	}
	last := users[len(users)-1]
	return image{uid: last[1], gid: last[2], fileCapability: setcap[1]}
}

// binaries returns the exporter without a file capability and a copy with
// the Dockerfile's, set by the same setcap command.
func binaries(t *testing.T, img image) (plain, withFileCapability string) {
	t.Helper()
	setcap := testenv.Tool(t, "SETCAP", "setcap", "Debian: libcap2-bin")
	plain = manifest.Exporter(t)
	withFileCapability = plain + "-setcap"
	data := readFile(t, plain)
	if err := os.WriteFile(withFileCapability, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(setcap, img.fileCapability, withFileCapability).CombinedOutput(); err != nil {
		t.Fatalf("setcap %s: %v\n%s", img.fileCapability, err, out)
	}
	return plain, withFileCapability
}

// run starts the exporter under creds (through wrapper, if any) and returns
// kubeprobe_exporter_trace_available, or the error of a process that could
// not start.
func run(t *testing.T, creds credentials, wrapper []string, bin string) (string, error) {
	t.Helper()
	setpriv := testenv.Tool(t, "SETPRIV", "setpriv", "Debian: util-linux")
	dir := filepath.Dir(bin)
	config := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(config, readFile(t, configSource), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := manifest.FreeAddress(t)
	args := append(creds.setpriv(), wrapper...)
	args = append(args, bin, "--config.file="+config, "--web.listen-address="+addr)
	cmd := exec.Command(setpriv, args...)
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	output := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(logs)
		output <- string(b)
	}()
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if v, ok := scrapeTraceAvailable("http://" + addr + "/metrics"); ok {
			return v, nil
		}
		if processExited(cmd) {
			return "", fmt.Errorf("the exporter exited: %s", <-output)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill() // ends the log stream read below
	return "", fmt.Errorf("the exporter did not serve /metrics within 15s: %s", <-output)
}

// processExited reports whether the process has ended, without reaping it.
func processExited(cmd *exec.Cmd) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid))
	return err != nil
}

func scrapeTraceAvailable(url string) (string, bool) {
	resp, err := http.Get(url)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	s := bufio.NewScanner(resp.Body)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "kubeprobe_exporter_trace_available "); ok {
			return v, true
		}
	}
	return "", false
}

// The DaemonSet's securityContext gives the capture CAP_NET_RAW, whether or
// not the image's binary kept its file capability.
func TestSecurityContextGrantsCapture(t *testing.T) {
	testenv.Root(t, "running the exporter under other credentials")
	creds := daemonSetCredentials(t)
	plain, withFileCapability := binaries(t, readDockerfile(t))
	for name, bin := range map[string]string{"the image's binary": withFileCapability, "a binary without the file capability": plain} {
		if got, err := run(t, creds, nil, bin); err != nil || got != "1" {
			t.Errorf("DaemonSet credentials %v, %s: trace_available %q, %v; want 1", creds, name, got, err)
		}
	}
}

// What the Dockerfile's file capability does, and why the DaemonSet does
// not rely on it.
func TestImageFileCapability(t *testing.T) {
	testenv.Root(t, "running the exporter under other credentials")
	img := readDockerfile(t)
	plain, withFileCapability := binaries(t, img)
	netRaw := []corev1.Capability{"NET_RAW"}
	nonRoot := credentials{uid: img.uid, gid: img.gid, capabilities: netRaw}

	// docker run as the image's user: NET_RAW is in Docker's default set
	// and no_new_privs is off, so the file capability grants it at exec.
	if got, err := run(t, nonRoot, nil, withFileCapability); err != nil || got != "1" {
		t.Errorf("image user with NET_RAW: trace_available %q, %v; want 1", got, err)
	}
	if got, err := run(t, nonRoot, nil, plain); err != nil || got != "0" {
		t.Errorf("image user, binary without the file capability: trace_available %q, %v; want 0", got, err)
	}

	// With no_new_privs (allowPrivilegeEscalation: false) the kernel
	// grants at exec only capabilities the process already held, and a
	// runtime need not leave NET_RAW in a non-root process's permitted set
	// before exec: Docker clears it. An exec of a shell by the non-root
	// user clears it here the same way before the exporter's exec.
	nnp := nonRoot
	nnp.noNewPrivs = true
	shell := []string{"/bin/sh", "-c", `exec "$0" "$@"`}
	if got, err := run(t, nnp, shell, withFileCapability); err != nil || got != "0" {
		t.Errorf("image user under no_new_privs: trace_available %q, %v; want 0", got, err)
	}

	// The file capability is permitted only (+p), so a container without
	// NET_RAW still executes the binary, which runs without the capture.
	// With the effective bit (+ep) the kernel would refuse the exec.
	noCaps := nonRoot
	noCaps.capabilities = nil
	if got, err := run(t, noCaps, nil, withFileCapability); err != nil || got != "0" {
		t.Errorf("image user without NET_RAW: trace_available %q, %v; want 0, the exporter running without the capture", got, err)
	}
}
