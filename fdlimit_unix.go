//go:build unix

package main

import "syscall"

// descriptorLimit is the soft limit on open files, which Go raises to the
// hard limit at start.
func descriptorLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<30 {
		return 0
	}
	return int(rl.Cur)
}
