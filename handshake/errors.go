package handshake

import (
	"context"
	"errors"
	"os"
)

// The errors a connect ends with when it is given up on, worded as Go's
// net package words them, since that is what kubelet reports.
var (
	// errAbandoned ends a connect whose SYN-ACK went unanswered.
	errAbandoned = errors.New("abandoned: the SYN-ACK arrived but the connection did not complete")
	// errDialTimeout reads like the deadline error of Go's net.Dialer
	// ("i/o timeout").
	errDialTimeout = os.ErrDeadlineExceeded
	// errCanceled reads like Go's net package's cancellation error.
	errCanceled = errors.New("operation was canceled")
)

// connectError turns a context's end into the error Go's dialer returns,
// so probes fail with kubelet's words.
func connectError(err error, abandoned bool) error {
	switch {
	case err == nil:
		return nil
	case abandoned:
		return errAbandoned
	case errors.Is(err, context.DeadlineExceeded):
		return errDialTimeout
	case errors.Is(err, context.Canceled):
		return errCanceled
	}
	return err
}
