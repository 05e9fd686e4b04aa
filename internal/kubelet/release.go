// Package kubelet knows kubelet's releases and what each one does
// differently when it probes: one table (changes.go) from which the
// prober's behaviour, the configuration's checks and README's "What
// changes with kubelet_version" all come. docs/kubelet.md has the reading
// of kubelet's source behind every row.
package kubelet

import (
	"fmt"
	"strconv"
	"strings"
)

// Release is a kubelet release, down to the patch.
type Release struct {
	Major, Minor, Patch int
}

// V is the release major.minor.patch.
func V(major, minor, patch int) Release { return Release{major, minor, patch} }

func (r Release) String() string { return fmt.Sprintf("%d.%d.%d", r.Major, r.Minor, r.Patch) }

// MinorString is "1.26", as kubelet's User-Agent names its release.
func (r Release) MinorString() string { return fmt.Sprintf("%d.%d", r.Major, r.Minor) }

// Less reports whether r is an earlier release than s.
func (r Release) Less(s Release) bool {
	if r.Major != s.Major {
		return r.Major < s.Major
	}
	if r.Minor != s.Minor {
		return r.Minor < s.Minor
	}
	return r.Patch < s.Patch
}

// AtLeast reports whether r is s or a later release.
func (r Release) AtLeast(s Release) bool { return !r.Less(s) }

// sameMinor reports whether r and s are patches of one minor release.
func (r Release) sameMinor(s Release) bool { return r.Major == s.Major && r.Minor == s.Minor }

// newestPatch is the newest patch release of every minor release the
// exporter knows, from 1.16 (today's body limit) on. The patches of a
// minor release are numbered from 0 without gaps, so these bound every
// release that exists. Where a minor release is still maintained, a later
// patch may exist that this table does not know yet: it is refused until
// it is added here, with whatever it changed in changes.go.
var newestPatch = map[int]int{
	16: 15, 17: 17, 18: 20, 19: 16, 20: 15, 21: 14, 22: 17, 23: 17, 24: 17,
	25: 16, 26: 15, 27: 16, 28: 15, 29: 15, 30: 14, 31: 14, 32: 13, 33: 13,
	34: 4, 35: 4, 36: 3, 37: 2,
}

var (
	// Oldest is the first minor release the exporter copies: 1.16 brought
	// today's 10 KiB body limit, and 1.14 today's redirect rules.
	Oldest = V(1, 16, 0)
	// Newest is the newest release the exporter knows, and the default.
	Newest = V(1, 37, newestPatch[37])
)

// Parse reads "1.26", "1.26.2" or "v1.26.2". A minor release alone means
// its newest patch, whose behaviour a node that says "1.26" most likely
// has; patchGiven tells which was written.
func Parse(s string) (r Release, patchGiven bool, err error) {
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Release{}, false, fmt.Errorf("want a Kubernetes release such as \"1.26\" or \"1.26.2\", got %q", s)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strings.HasPrefix(p, "+") {
			return Release{}, false, fmt.Errorf("want a Kubernetes release such as \"1.26\" or \"1.26.2\", got %q", s)
		}
		nums[i] = n
	}
	r = V(nums[0], nums[1], nums[2])
	if err := known(s, r, len(parts) == 3); err != nil {
		return Release{}, false, err
	}
	if len(parts) == 2 {
		r.Patch = newestPatch[r.Minor]
	}
	return r, len(parts) == 3, nil
}

// known refuses a release the exporter does not copy or does not know.
func known(s string, r Release, patchGiven bool) error {
	newest, ok := newestPatch[r.Minor]
	switch {
	case r.Major != 1 || r.Minor < Oldest.Minor:
		return fmt.Errorf("%q is not supported: use %s or later", s, Oldest.MinorString())
	case !ok:
		return fmt.Errorf("%q is not a release this exporter knows: use %s to %s", s, Oldest.MinorString(), Newest.MinorString())
	case patchGiven && r.Patch > newest:
		return fmt.Errorf("%q is not a release this exporter knows: the newest %d.%d release it knows is %d.%d.%d",
			s, r.Major, r.Minor, r.Major, r.Minor, newest)
	}
	return nil
}

// NewestPatch is the newest known patch of r's minor release.
func NewestPatch(r Release) Release { return V(r.Major, r.Minor, newestPatch[r.Minor]) }
