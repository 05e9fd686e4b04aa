package netlab

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// InNamespace runs fn on a thread that has entered namespace ns. Sockets
// fn opens belong to ns for their whole life, so a test in the node
// namespace can start a server in the pod namespace with it.
func InNamespace(ns string, fn func() error) error {
	target, err := os.Open(filepath.Join("/run/netns", ns))
	if err != nil {
		return err
	}
	defer target.Close()
	runtime.LockOSThread()
	own, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer own.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("entering namespace %s: %w", ns, err)
	}
	fnErr := fn()
	if err := unix.Setns(int(own.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread stays locked, so Go retires it with the goroutine
		// instead of reusing a thread in the wrong namespace.
		return fmt.Errorf("returning from namespace %s: %w", ns, err)
	}
	runtime.UnlockOSThread()
	return fnErr
}
