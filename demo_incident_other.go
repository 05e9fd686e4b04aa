//go:build !linux

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/go-kit/log"
)

// runDemoIncident: the incident's lab needs Linux's network namespaces.
func runDemoIncident(_ context.Context, out io.Writer, _ string, _ log.Logger) func() {
	fmt.Fprintln(out, "\nThe NodePort reset incident is replayed on Linux only (network namespaces, iptables).")
	return func() {}
}
