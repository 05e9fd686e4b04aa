package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/procfs"
)

// cpuSeconds is the user and system CPU time process pid has used, all
// its threads together (utime+stime of /proc/PID/stat).
func cpuSeconds(pid int) (float64, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return 0, err
	}
	stat, err := p.Stat()
	if err != nil {
		return 0, err
	}
	return stat.CPUTime(), nil
}

// memoryMiB reads a field of /proc/PID/status given in kB, such as VmRSS
// (resident now) or VmHWM (the resident peak), in MiB.
func memoryMiB(pid int, field string) (float64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kB, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status %s: %w", pid, field, err)
		}
		return kB / 1024, nil
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// resetPeakRSS sets the process's VmHWM back to its VmRSS (Linux 4.0 and
// later), so that VmHWM read later is the peak of what happened since.
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// cpuMeter measures a process's CPU over an interval of wall time.
type cpuMeter struct {
	pid   int
	cpu   float64
	start time.Time
}

func startCPUMeter(pid int) (cpuMeter, error) {
	cpu, err := cpuSeconds(pid)
	return cpuMeter{pid: pid, cpu: cpu, start: time.Now()}, err
}

// read returns the CPU seconds used since the meter started and the wall
// time that passed.
func (m cpuMeter) read() (cpu float64, wall time.Duration, err error) {
	now, err := cpuSeconds(m.pid)
	return now - m.cpu, time.Since(m.start), err
}

// cpuMeters measure several processes over the same interval; a pid of 0
// stands for a process that is not there and reads 0.
type cpuMeters []cpuMeter

func startCPUMeters(pids ...int) (cpuMeters, error) {
	var ms cpuMeters
	for _, pid := range pids {
		m := cpuMeter{pid: pid, start: time.Now()}
		if pid != 0 {
			var err error
			if m, err = startCPUMeter(pid); err != nil {
				return nil, err
			}
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// cores is each process's CPU over the interval, in cores (CPU seconds
// per second of wall time).
func (ms cpuMeters) cores() ([]float64, error) {
	out := make([]float64, len(ms))
	for i, m := range ms {
		if m.pid == 0 {
			continue
		}
		cpu, wall, err := m.read()
		if err != nil {
			return nil, err
		}
		out[i] = cpu / wall.Seconds()
	}
	return out, nil
}
