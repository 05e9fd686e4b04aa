package prober

import (
	"context"

	"github.com/go-kit/log/level"
)

// ProbeTCP is kubelet's tcpSocket probe: connect, close at once, send
// nothing. It succeeds if and only if the connection was established.
func ProbeTCP(ctx context.Context, p *Probe) Outcome {
	conn, err := p.Dialer.DialContext(ctx, "tcp", p.Target)
	if err != nil {
		return failure(err.Error())
	}
	if err := conn.Close(); err != nil {
		level.Warn(p.Log).Log("msg", "Unexpected error closing TCP probe socket", "err", err)
	}
	return success("")
}
