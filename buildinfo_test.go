package main

import (
	"runtime/debug"
	"testing"

	"github.com/prometheus/common/version"
)

// What go build and go install record fills what make's ldflags would
// have set; what the ldflags did set is kept.
func TestFillVersionFromBuildInfo(t *testing.T) {
	saved := [2]string{version.Version, version.BuildDate}
	t.Cleanup(func() { version.Version, version.BuildDate = saved[0], saved[1] })
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}, Settings: []debug.BuildSetting{{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}}}

	version.Version, version.BuildDate = "", ""
	fillVersionFrom(bi)
	if version.Version != "v0.4.0" || version.BuildDate != "2026-11-30T10:00:00Z" {
		t.Errorf("from build info: version %q, date %q", version.Version, version.BuildDate)
	}
	version.Version, version.BuildDate = "v9-ldflags", "20261201-10:00:00"
	fillVersionFrom(bi)
	if version.Version != "v9-ldflags" || version.BuildDate != "20261201-10:00:00" {
		t.Errorf("ldflags' values replaced: version %q, date %q", version.Version, version.BuildDate)
	}
	version.Version = ""
	fillVersionFrom(&debug.BuildInfo{})
	if version.Version != "(devel)" {
		t.Errorf("without a module version: %q, want (devel)", version.Version)
	}
}
