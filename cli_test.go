package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// runBinary runs the built exporter and returns its stdout, stderr and
// exit code.
func runBinary(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// Help and the version that were asked for are output: on stdout, exit 0,
// so that `kubeprobe_exporter --help | less` works.
func TestHelpAndVersionGoToStdout(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"check", "--help"}, {"probe", "--help"}, {"--version"}} {
		out, errOut, code := runBinary(t, args...)
		if code != 0 || out == "" || errOut != "" {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q; want 0, the text on stdout, nothing on stderr", args, code, len(out), errOut)
		}
	}
}

// Under go build or go run, without make's ldflags, the version still
// says something: the module's, or (devel).
func TestVersionWithoutLdflags(t *testing.T) {
	out, _, _ := runBinary(t, "--version")
	if strings.Contains(out, "version  (") || !strings.Contains(out, exporterName+", version ") {
		t.Errorf("--version = %q, want a version after the name", out)
	}
}

// Top-level help says where serve's flags are, since serve is the
// default command; each command lists only the flags it reads.
func TestHelpListsEachCommandsOwnFlags(t *testing.T) {
	top, _, _ := runBinary(t, "--help")
	if !strings.Contains(top, "serve --help") {
		t.Errorf("--help does not say where serve's flags are:\n%s", top)
	}
	for cmd, c := range map[string]struct{ has, hasNot []string }{
		"serve": {has: []string{"--config.file", "--[no-]tracing.handshakes", "--web.listen-address"}},
		"probe": {has: []string{"--config.file", "--[no-]tracing.handshakes", "--hostname"}},
		"check": {hasNot: []string{"--config.file", "tracing.handshakes"}},
	} {
		help, _, _ := runBinary(t, cmd, "--help")
		for _, f := range c.has {
			if !strings.Contains(help, f) {
				t.Errorf("%s --help lacks %s", cmd, f)
			}
		}
		for _, f := range c.hasNot {
			if strings.Contains(help, f) {
				t.Errorf("%s --help lists %s, which %s ignores", cmd, f, cmd)
			}
		}
	}
}

// A bare number is the mistake a blackbox user makes (its scrape timeout
// header is in seconds): the error names the flag and the fix.
func TestProbeTimeoutWithoutUnitSaysWhatToWrite(t *testing.T) {
	for arg, want := range map[string]string{
		"--timeout=2":   "--timeout=2: give the unit, e.g. --timeout=2s or --timeout=500ms",
		"--timeout=abc": "--timeout=abc is not a duration: give a number and its unit",
		"--timeout=0s":  "--timeout=0s: give a positive duration",
	} {
		_, errOut, code := runBinary(t, "probe", "--config.file=config.example.yml", "--module=kafka_readiness", arg, "127.0.0.1:1")
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("probe %s: exit %d, %q; want 2 with %q", arg, code, errOut, want)
		}
	}
}

// A command line that does not parse exits 2 before any file is read,
// --config.check's too; a single port is a NodePort range, as the API
// server's --service-node-port-range takes it.
func TestCommandLineExitCodes(t *testing.T) {
	if _, errOut, code := runBinary(t, "--config.check", "--config.file=config.example.yml", "--bogus"); code != 2 || !strings.Contains(errOut, "unknown long flag '--bogus'") {
		t.Errorf("--config.check --bogus: exit %d, %q; want 2", code, errOut)
	}
	if _, errOut, code := runBinary(t, "--config.check", "--config.file=config.example.yml", "--nodeport.range=30000"); code != 0 {
		t.Errorf("--nodeport.range=30000: exit %d, %q; want 0, the one-port range", code, errOut)
	}
}
