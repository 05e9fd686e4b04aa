package prober

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// probeLog keeps a probe's log lines as they were logged, to be written
// out as logfmt only when someone reads the debug output: most probes'
// never are, and formatting every line of every probe cost a twentieth
// of the exporter's CPU. The goroutines of one probe (the HTTP
// transport's, gRPC's) may log into it at once.
type probeLog struct {
	module, target string

	mu      sync.Mutex
	records []logRecord
	bytes   int
}

type logRecord struct {
	at      time.Time
	keyvals []any
}

// add keeps one line; keyvals is the probe logger's own copy.
func (l *probeLog) add(keyvals []any) {
	n := 64
	for _, v := range keyvals {
		n += 16
		if s, ok := v.(string); ok {
			n += len(s)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, logRecord{at: time.Now(), keyvals: keyvals})
	l.bytes += n
}

// size estimates the memory the lines hold.
func (l *probeLog) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bytes
}

// String writes the lines out as logfmt, each with its time, module and
// target first.
func (l *probeLog) String() string {
	l.mu.Lock()
	records := append([]logRecord(nil), l.records...)
	l.mu.Unlock()
	var b bytes.Buffer
	out := log.NewLogfmtLogger(&b)
	for _, r := range records {
		line := append([]any{"time", r.at.UTC().Format(time.RFC3339Nano), "module", l.module, "target", l.target}, r.keyvals...)
		if err := out.Log(line...); err != nil {
			fmt.Fprintf(&b, "(a log line could not be written: %s)\n", err)
		}
	}
	return b.String()
}

// probeLogger logs a probe's lines into its probeLog, at every level, and
// passes them on to the exporter's log at debug level, when that is on: a
// failing target should not fill the exporter's log at every scrape.
// Both see the probe's secrets redacted.
type probeLogger struct {
	kept    *probeLog
	next    log.Logger // nil: the exporter does not log at debug level
	secrets *redactor
}

// newProbeLogger forwards to next unless it is log.NewNopLogger(), which
// the exporter passes when it does not log at debug level.
func newProbeLogger(next log.Logger, kept *probeLog, module, target string, secrets *redactor) *probeLogger {
	kept.module, kept.target = module, secrets.redact(target)
	l := &probeLogger{kept: kept, secrets: secrets}
	if next != log.NewNopLogger() {
		l.next = level.Debug(log.With(next, "module", module, "target", kept.target))
	}
	return l
}

func (l *probeLogger) Log(keyvals ...any) error {
	kv := l.secrets.redactKeyvals(keyvals)
	if l.secrets == nil {
		kv = append([]any(nil), keyvals...) // the caller's slice is not ours to keep
	}
	l.kept.add(kv)
	if l.next != nil {
		return l.next.Log(withoutLevel(kv)...)
	}
	return nil
}

// withoutLevel drops the level pair so the forwarded line carries one.
func withoutLevel(keyvals []any) []any {
	out := make([]any, 0, len(keyvals))
	for i := 0; i+1 < len(keyvals); i += 2 {
		if keyvals[i] == level.Key() {
			continue
		}
		out = append(out, keyvals[i], keyvals[i+1])
	}
	return out
}
