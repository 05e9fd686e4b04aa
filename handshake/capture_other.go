//go:build !linux

package handshake

import (
	"github.com/go-kit/log"
	"golang.org/x/net/bpf"
)

// capture has no implementation here: Open fails with ErrUnsupported, and
// probes are judged from their connect errors alone.
type capture struct{}

func openCapture(log.Logger) (*capture, error) { return nil, ErrUnsupported }

func (*capture) run(func(segment)) {}
func (*capture) sync()             {}
func (*capture) close() error      { return nil }
func (*capture) dropped() uint64   { return 0 }

func (*capture) setFilter([]bpf.Instruction) error { return nil }
