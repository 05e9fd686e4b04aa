package main

import (
	"runtime/debug"

	"github.com/prometheus/common/version"
)

// fillVersion sets what `make build`'s ldflags set, when they did not
// (go run, go build, go install): the main module's version and the
// commit's time from the build information Go records. The revision needs
// nothing here, as prometheus/common/version reads vcs.revision itself.
// Under go run, or with -buildvcs=false, Go records no commit, and the
// version is "(devel)", which says as much.
func fillVersion() {
	if bi, ok := debug.ReadBuildInfo(); ok {
		fillVersionFrom(bi)
	}
}

// fillVersionFrom fills what is still empty from bi.
func fillVersionFrom(bi *debug.BuildInfo) {
	if version.Version == "" {
		version.Version = bi.Main.Version
	}
	if version.Version == "" {
		version.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.time" && version.BuildDate == "" {
			version.BuildDate = s.Value
		}
	}
}
