package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
)

// The harness's helper processes are this test binary re-executed with a
// role: their CPU and memory are then their own, not the harness's nor
// the exporter's.
const (
	envRole         = "KUBEPROBE_BENCH_ROLE"
	envRoleSettings = "KUBEPROBE_BENCH_ROLE_SETTINGS" // the role's settings, as JSON
)

// roles maps a role's name to what the process does in it; it returns the
// exit code.
var roles = map[string]func(settings []byte) int{
	"floor": runFloorRole,
	"load":  runLoadRole,
}

// roleCommand is a command that runs role with settings in a copy of this
// binary.
func roleCommand(role string, settings any) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	encoded, err := json.Marshal(settings)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), envRole+"="+role, envRoleSettings+"="+string(encoded))
	return cmd, nil
}

// runRole runs the role this process was started in, if any.
func runRole() (code int, ok bool) {
	role := os.Getenv(envRole)
	if role == "" {
		return 0, false
	}
	run, known := roles[role]
	if !known {
		fmt.Fprintf(os.Stderr, "unknown role %q\n", role)
		return 2, true
	}
	return run([]byte(os.Getenv(envRoleSettings))), true
}

// decodeSettings reads a role's settings or says why it cannot.
func decodeSettings(settings []byte, into any) bool {
	if err := json.Unmarshal(settings, into); err != nil {
		fmt.Fprintf(os.Stderr, "decoding %s: %v\n", envRoleSettings, err)
		return false
	}
	return true
}
