package bench

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// machine describes where the run happened.
type machine struct {
	Cores       int
	CPU, Kernel string
	MemoryGiB   float64
	LoadAverage string // /proc/loadavg's first three fields
}

func describeMachine() machine {
	return machine{
		Cores:       runtime.NumCPU(),
		CPU:         procField("/proc/cpuinfo", "model name"),
		Kernel:      strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		MemoryGiB:   memTotalGiB(),
		LoadAverage: loadAverage(),
	}
}

// loadAverage is the 1, 5 and 15 minute load averages: how busy the
// shared machine was with work other than this run, as well as it.
func loadAverage() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func memTotalGiB() float64 {
	var kB float64
	fmt.Sscanf(procField("/proc/meminfo", "MemTotal"), "%f", &kB)
	return kB / (1 << 20)
}

// procField is the value of the first "name: value" line of a /proc file.
func procField(path, name string) string {
	for _, line := range strings.Split(readFile(path), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}
