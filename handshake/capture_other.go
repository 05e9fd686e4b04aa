//go:build !linux

package handshake

import "github.com/go-kit/log"

// capture has no implementation here: Open fails with ErrUnsupported, and
// probes are judged from their connect errors alone.
type capture struct{}

func openCapture(log.Logger) (*capture, error) { return nil, ErrUnsupported }

func (*capture) run(func(segment)) {}
func (*capture) sync()             {}
func (*capture) close() error      { return nil }
func (*capture) dropped() uint64   { return 0 }
