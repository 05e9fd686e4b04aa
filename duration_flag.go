package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/alecthomas/kingpin/v2"
)

// durationFlag is a duration flag whose errors name the flag and show a
// value that would do, which kingpin's Duration does not ("time: missing
// unit in duration").
func durationFlag(cmd *kingpin.CmdClause, name, help string) *time.Duration {
	d := new(time.Duration)
	cmd.Flag(name, help).PlaceHolder("DURATION").SetValue(&durationValue{name: name, d: d})
	return d
}

type durationValue struct {
	name string
	d    *time.Duration
}

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err == nil && d > 0:
		*v.d = d
		return nil
	case err == nil:
		return fmt.Errorf("--%s=%s: give a positive duration, e.g. --%s=2s, or leave the flag out", v.name, s, v.name)
	}
	if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
		return fmt.Errorf("--%s=%s: give the unit, e.g. --%s=%ss or --%s=500ms", v.name, s, v.name, s, v.name)
	}
	return fmt.Errorf("--%s=%s is not a duration: give a number and its unit, e.g. --%s=2s or --%s=500ms", v.name, truncateArg(s), v.name, v.name)
}

func (v *durationValue) String() string {
	if v.d == nil || *v.d == 0 {
		return ""
	}
	return v.d.String()
}

// truncateArg keeps an echoed argument short.
func truncateArg(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
