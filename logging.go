package main

import (
	"io"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	slgk "github.com/tjhop/slog-gokit"
)

var logLevels = []string{"debug", "info", "warn", "error"}

// logFlags are --log.level and --log.format.
type logFlags struct {
	level, format *string
}

func addLogFlags(app *kingpin.Application) logFlags {
	return logFlags{
		level: app.Flag("log.level", "Only log messages with the given severity or above. One of: [debug, info, warn, error]").
			Default("info").Enum(logLevels...),
		format: app.Flag("log.format", "Output format of log messages. One of: [logfmt, json]").
			Default("logfmt").Enum("logfmt", "json"),
	}
}

// newLogger returns the exporter's go-kit logger, writing to w, and the
// same logger without timestamps for the slog bridge, which adds its own.
func (f logFlags) newLogger(w io.Writer) (logger, untimed log.Logger) {
	sw := log.NewSyncWriter(w)
	untimed = log.NewLogfmtLogger(sw)
	if *f.format == "json" {
		untimed = log.NewJSONLogger(sw)
	}
	untimed = level.NewFilter(untimed, level.Allow(level.ParseDefault(*f.level, level.InfoValue())))
	// "time", as slog and so the exporter-toolkit's messages name it.
	return log.With(untimed, "time", log.DefaultTimestampUTC), untimed
}

// slogLogger bridges the go-kit logger to the *slog.Logger that the
// exporter-toolkit wants, so both log through one writer and one filter.
func (f logFlags) slogLogger(l log.Logger) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*f.level)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slgk.NewGoKitHandler(l, lvl))
}

// forProbes is where probes forward their log lines, which they log at
// debug level: the exporter's logger when it logs at debug level, else
// none, so that lines nobody would see are not even formatted.
func (f logFlags) forProbes(l log.Logger) log.Logger {
	if *f.level != "debug" {
		return log.NewNopLogger()
	}
	return l
}
